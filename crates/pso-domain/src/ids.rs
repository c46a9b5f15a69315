//! Typed ids of the main entities. An id is the entity's UUIDv7 as text (stored as TEXT on both
//! engines, shown as a string in the API); the types only keep a site's id from being passed
//! where a project's (or a code) is expected — the mistake grants by code made possible.
//!
//! They are used where a mix-up would be a security defect (the permission rules: scopes,
//! project references, people's sites) and in new code; the entities' own `id` fields are still
//! plain strings and move over as code is touched.

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(
            Debug,
            Clone,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            serde::Serialize,
            serde::Deserialize,
            schemars::JsonSchema,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_string())
            }
        }

        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                Self(s.clone())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
    };
}

id_type!(
    /// A site's id.
    SiteId
);
id_type!(
    /// A business unit's (or line's) id.
    BusinessUnitId
);
id_type!(
    /// A project's id.
    ProjectId
);
id_type!(
    /// A task's id.
    TaskId
);
id_type!(
    /// A person's id.
    PersonId
);
id_type!(
    /// A user's id.
    UserId
);
id_type!(
    /// A background job's id.
    JobId
);
