//! Roles, scopes and the one place where PSO decides what a caller may see and do.
//!
//! A user holds grants: a [`Role`] on a [`Scope`]. Every page, API route, list query and export
//! asks this module. For projects (and everything inside them: tasks, dependencies,
//! assignments, their audit trail) the answer is a [`ProjectScope`]: the set of projects a
//! caller may read or write. The store turns it into a `WHERE` clause for lists; handlers call
//! [`ProjectScope::covers`] for single objects. Both come from the same grants, so a list never
//! shows an object that its own page would refuse.
//!
//! Design choices:
//! - The organisation directory (business units, sites, people) is reference data every signed-in
//!   user may read; writing it is for admins (people also for the PSO of the person's site).
//! - Users and their grants are for admins only.
//! - An object outside the caller's read scope does not exist for them (404, never 403), so
//!   scopes leak nothing. Inside the read scope, a missing write right is 403.

use serde::{Deserialize, Serialize};

/// The roles of DESIGN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Pmo,
    Standards,
    Pso,
    ProjectManager,
    Member,
    Executive,
    Qa,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Pmo,
        Role::Standards,
        Role::Pso,
        Role::ProjectManager,
        Role::Member,
        Role::Executive,
        Role::Qa,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Pmo => "pmo",
            Role::Standards => "standards",
            Role::Pso => "pso",
            Role::ProjectManager => "project_manager",
            Role::Member => "member",
            Role::Executive => "executive",
            Role::Qa => "qa",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Human label for pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Pmo => "PMO",
            Role::Standards => "Standards office",
            Role::Pso => "Project support office",
            Role::ProjectManager => "Project manager",
            Role::Member => "Team member",
            Role::Executive => "Executive",
            Role::Qa => "QA officer",
        }
    }

    /// May this role change the plan (project fields, tasks, dependencies, assignments)?
    fn edits_plans(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Pmo | Role::Pso | Role::ProjectManager
        )
    }

    /// May this role create and delete projects?
    fn manages_portfolio(self) -> bool {
        matches!(self, Role::Admin | Role::Pmo | Role::Pso)
    }
}

/// Where a grant holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Global,
    BusinessUnit(String),
    Site(String),
    Project(String),
}

impl Scope {
    /// Parses `global`, `business_unit:CODE`, `site:CODE` or `project:CODE`.
    pub fn parse(s: &str) -> Option<Scope> {
        let s = s.trim();
        if s == "global" {
            return Some(Scope::Global);
        }
        let (kind, code) = s.split_once(':')?;
        let code = crate::values::Code::parse(code).ok()?.to_string();
        match kind {
            "business_unit" => Some(Scope::BusinessUnit(code)),
            "site" => Some(Scope::Site(code)),
            "project" => Some(Scope::Project(code)),
            _ => None,
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Global => f.write_str("global"),
            Scope::BusinessUnit(c) => write!(f, "business_unit:{c}"),
            Scope::Site(c) => write!(f, "site:{c}"),
            Scope::Project(c) => write!(f, "project:{c}"),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Scope::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "'{s}' is not a scope (global, business_unit:CODE, site:CODE or project:CODE)"
            ))
        })
    }
}

/// A role granted on a scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
}

/// Who is asking: the signed-in user (or the owner of an API token) and their grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub grants: Vec<Grant>,
}

/// What a project looks like to the permission rules: its code and where it belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRef {
    pub code: String,
    pub site_code: String,
    /// The project's business unit and every unit above it (a line's parent unit).
    pub business_unit_codes: Vec<String>,
}

/// What the caller wants to do with projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    /// See the project and everything in it.
    Read,
    /// Change the project and its plan (tasks, dependencies, assignments).
    Edit,
    /// Create a project (checked against the new project's site and unit) or delete one.
    Manage,
}

/// The set of projects a caller may act on; see the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectScope {
    pub all: bool,
    pub site_codes: Vec<String>,
    pub business_unit_codes: Vec<String>,
    pub project_codes: Vec<String>,
}

impl ProjectScope {
    /// Nothing at all.
    pub fn is_empty(&self) -> bool {
        !self.all
            && self.site_codes.is_empty()
            && self.business_unit_codes.is_empty()
            && self.project_codes.is_empty()
    }

    /// Does this scope include the project?
    pub fn covers(&self, p: &ProjectRef) -> bool {
        self.all
            || self.site_codes.contains(&p.site_code)
            || self.project_codes.contains(&p.code)
            || p.business_unit_codes
                .iter()
                .any(|b| self.business_unit_codes.contains(b))
    }
}

impl Principal {
    fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    fn has_global(&self, role: Role) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && g.scope == Scope::Global)
    }

    pub fn is_admin(&self) -> bool {
        self.has_global(Role::Admin)
    }

    /// The projects this caller may act on in the given way.
    pub fn project_scope(&self, action: ProjectAction) -> ProjectScope {
        let mut s = ProjectScope::default();
        for g in &self.grants {
            let allowed = match action {
                ProjectAction::Read => true,
                ProjectAction::Edit => g.role.edits_plans(),
                ProjectAction::Manage => g.role.manages_portfolio(),
            };
            if !allowed {
                continue;
            }
            // Standards officers work across the organisation: their grants read everywhere.
            let scope = if g.role == Role::Standards && action == ProjectAction::Read {
                &Scope::Global
            } else {
                &g.scope
            };
            match scope {
                Scope::Global => s.all = true,
                Scope::Site(c) => s.site_codes.push(c.clone()),
                Scope::BusinessUnit(c) => s.business_unit_codes.push(c.clone()),
                Scope::Project(c) => s.project_codes.push(c.clone()),
            }
        }
        for v in [
            &mut s.site_codes,
            &mut s.business_unit_codes,
            &mut s.project_codes,
        ] {
            v.sort();
            v.dedup();
        }
        s
    }

    pub fn can_project(&self, action: ProjectAction, p: &ProjectRef) -> bool {
        self.project_scope(action).covers(p)
    }

    /// Business units and sites: readable by every signed-in user, written by admins.
    pub fn can_edit_organisation(&self) -> bool {
        self.is_admin()
    }

    /// People: admins everywhere, PSO data administrators on their sites.
    pub fn can_edit_person(&self, site_code: &str) -> bool {
        self.is_admin()
            || self.grants.iter().any(|g| {
                g.role == Role::Pso
                    && match &g.scope {
                        Scope::Global => true,
                        Scope::Site(c) => c == site_code,
                        _ => false,
                    }
            })
    }

    /// Users, role grants and other people's tokens: admins only.
    pub fn can_manage_users(&self) -> bool {
        self.is_admin()
    }

    /// Roles shown in the navigation (for pages only; rights come from the methods above).
    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        r.sort();
        r.dedup();
        r
    }

    /// May create at least one project somewhere (pages use it to offer the "New project" form).
    pub fn may_create_projects(&self) -> bool {
        !self.project_scope(ProjectAction::Manage).is_empty()
    }

    /// Whether the caller has any role at all that may read projects.
    pub fn is_reader(&self) -> bool {
        Role::ALL.iter().any(|r| self.has_role(*r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(grants: &[(Role, &str)]) -> Principal {
        Principal {
            user_id: "u".into(),
            email: "u@x.org".into(),
            name: "U".into(),
            grants: grants
                .iter()
                .map(|(r, s)| Grant {
                    role: *r,
                    scope: Scope::parse(s).unwrap(),
                })
                .collect(),
        }
    }

    fn proj(code: &str, site: &str, bus: &[&str]) -> ProjectRef {
        ProjectRef {
            code: code.into(),
            site_code: site.into(),
            business_unit_codes: bus.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn scopes_parse_and_print() {
        for s in ["global", "site:PAR", "business_unit:ENG", "project:X-1"] {
            assert_eq!(Scope::parse(s).unwrap().to_string(), s);
        }
        assert!(Scope::parse("planet:EARTH").is_none());
        assert!(Scope::parse("site:").is_none());
    }

    #[test]
    fn site_scoped_pso() {
        let u = p(&[(Role::Pso, "site:PAR")]);
        let here = proj("A1", "PAR", &["ENG", "TECH"]);
        let there = proj("B1", "CHI", &["ENG", "TECH"]);
        assert!(u.can_project(ProjectAction::Read, &here));
        assert!(u.can_project(ProjectAction::Manage, &here));
        assert!(!u.can_project(ProjectAction::Read, &there));
        assert!(!u.can_project(ProjectAction::Manage, &there));
        assert!(u.can_edit_person("PAR"));
        assert!(!u.can_edit_person("CHI"));
    }

    #[test]
    fn member_and_executive_read_only() {
        let m = p(&[(Role::Member, "project:A1")]);
        let e = p(&[(Role::Executive, "global")]);
        let a1 = proj("A1", "PAR", &["ENG"]);
        assert!(m.can_project(ProjectAction::Read, &a1));
        assert!(!m.can_project(ProjectAction::Edit, &a1));
        assert!(e.can_project(ProjectAction::Read, &a1));
        assert!(!e.can_project(ProjectAction::Edit, &a1));
        assert!(!e.can_project(ProjectAction::Manage, &a1));
    }

    #[test]
    fn business_unit_covers_its_lines() {
        let pmo = p(&[(Role::Pmo, "business_unit:TECH")]);
        assert!(pmo.can_project(ProjectAction::Manage, &proj("A1", "PAR", &["ENG", "TECH"])));
        assert!(!pmo.can_project(ProjectAction::Read, &proj("B1", "PAR", &["OPS", "CORP"])));
    }

    #[test]
    fn project_manager_edits_but_does_not_manage() {
        let pm = p(&[(Role::ProjectManager, "project:A1")]);
        let a1 = proj("A1", "PAR", &["ENG"]);
        assert!(pm.can_project(ProjectAction::Edit, &a1));
        assert!(!pm.can_project(ProjectAction::Manage, &a1));
        assert!(!pm.can_project(ProjectAction::Read, &proj("A2", "PAR", &["ENG"])));
    }

    #[test]
    fn no_grants_no_access() {
        let n = p(&[]);
        assert!(n.project_scope(ProjectAction::Read).is_empty());
        assert!(!n.can_manage_users());
    }
}
