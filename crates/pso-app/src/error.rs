//! The application layer's one error: a kind (what went wrong, for the caller's face to map:
//! HTTP status, exit code), a stable machine-readable code, a human detail and per-field errors.
//! The user's mistake (not found, forbidden, invalid, conflict, stale) is kept apart from our
//! failure (internal, unavailable); internal details are logged, never shown.

use pso_domain::{FieldError, ValidationErrors};
use pso_store::StoreError;

/// What kind of failure: each face maps it once (the web to a status, the CLI to a message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed (not the content's rules: that is `Invalid`).
    BadRequest,
    /// No valid identity.
    Unauthorized,
    /// Inside the caller's scope, but their role does not allow it.
    Forbidden,
    /// No such object, or outside the caller's scope.
    NotFound,
    /// A unique value is taken, the object is in use, or the plan changed since it was read.
    Conflict,
    /// The caller's version of the object is stale.
    PreconditionFailed,
    /// A write without the version it was read at.
    PreconditionRequired,
    /// Larger than a configured limit.
    TooLarge,
    /// The content breaks a rule (see the field errors).
    Invalid,
    /// Too many attempts; retry later.
    TooManyRequests,
    /// Our failure (logged).
    Internal,
    /// A dependency (database, mail server) cannot be reached.
    Unavailable,
}

/// An operation's failure.
#[derive(Debug, Clone)]
pub struct AppError {
    pub kind: ErrorKind,
    /// Stable machine-readable code (documented with the API).
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Seconds after which a retry may succeed.
    pub retry_after: Option<u64>,
    /// Time rules a timesheet breaks (`rule_violation`).
    pub violations: Vec<pso_domain::timesheet::Finding>,
}

pub type AppResult<T> = Result<T, AppError>;

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for AppError {}

impl AppError {
    pub fn new(kind: ErrorKind, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            violations: Vec::new(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(ErrorKind::NotFound, "not_found", "no such object")
    }

    pub fn unauthorized() -> Self {
        Self::new(
            ErrorKind::Unauthorized,
            "unauthorized",
            "sign in or send a valid API token (Authorization: Bearer ...)",
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "forbidden", detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, "conflict", detail)
    }

    pub fn validation(errors: ValidationErrors) -> Self {
        Self {
            kind: ErrorKind::Invalid,
            code: "validation_failed",
            detail: errors.to_string(),
            errors: errors.0,
            retry_after: None,
            violations: Vec::new(),
        }
    }

    /// One field breaks one rule.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(ValidationErrors::single(field, code, message))
    }

    /// Our failure: logged with its detail, shown as a generic message.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::new(
            ErrorKind::Internal,
            "internal",
            "an internal error occurred; it has been logged",
        )
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn stale(current: i64) -> Self {
        Self::new(
            ErrorKind::PreconditionFailed,
            "precondition_failed",
            format!(
                "the object has changed since you read it (its ETag is now \"{current}\"); \
                 read it again"
            ),
        )
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Stale { current } => AppError::stale(current),
            StoreError::Conflict { field, message } => {
                let mut e = AppError::conflict(message.clone());
                e.errors.push(FieldError {
                    field,
                    code: "conflict".into(),
                    message,
                });
                e
            }
            StoreError::Invalid(v) => AppError::validation(v),
            StoreError::Unavailable { .. } => {
                tracing::error!(error = %e, "database unavailable");
                AppError::new(
                    ErrorKind::Unavailable,
                    "unavailable",
                    "the database cannot be reached; try again shortly",
                )
            }
            other => AppError::internal(other),
        }
    }
}

impl From<ValidationErrors> for AppError {
    fn from(v: ValidationErrors) -> Self {
        AppError::validation(v)
    }
}
