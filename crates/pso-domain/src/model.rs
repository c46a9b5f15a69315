//! Stored entities (what the API returns) and the inputs that create or change them.
//!
//! Create and update share one path: an update (`PATCH`, a JSON merge patch) is applied to the
//! entity's current input form ([`Entity::to_input`]) and the result is validated exactly like a
//! new object, so no rule exists twice.
//!
//! Durations are stored as integer minutes (a working day counts 8 hours in stored task figures:
//! [`MINUTES_PER_DAY`]); the API speaks days and hours.

use crate::access::{Grant, UserGrant};
use crate::error::ValidationErrors;
use crate::values::{
    parse_date, parse_hhmm, parse_working_week, Code, CountryCode, CurrencyCode, Email, Name,
    Secret, TimeZoneName,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Minutes in one working day of stored task figures.
pub const MINUTES_PER_DAY: i64 = 480;

/// An entity as stored: it knows its input form and its kind's name in the audit trail.
pub trait Entity: Serialize {
    type Input: Serialize + serde::de::DeserializeOwned;
    /// `entity_type` in the audit trail and in error messages.
    const KIND: &'static str;
    fn id(&self) -> &str;
    fn version(&self) -> i64;
    fn to_input(&self) -> Self::Input;
}

/// Implements [`Entity`] for a stored type with `id` and `version` fields: its input type, its
/// kind, and how to turn it back into its input.
macro_rules! entity {
    ($t:ty, $input:ty, $kind:literal, |$s:ident| $to_input:block) => {
        impl Entity for $t {
            type Input = $input;
            const KIND: &'static str = $kind;
            fn id(&self) -> &str {
                &self.id
            }
            fn version(&self) -> i64 {
                self.version
            }
            fn to_input(&$s) -> $input $to_input
        }
    };
}

/// Days (a JSON number) to stored minutes; `None` when not finite or out of range.
fn days_to_minutes(days: f64, min: f64, max: f64) -> Option<i64> {
    if days.is_finite() && days >= min && days <= max {
        Some((days * MINUTES_PER_DAY as f64).round() as i64)
    } else {
        None
    }
}

pub fn minutes_to_days(m: i64) -> f64 {
    m as f64 / MINUTES_PER_DAY as f64
}

// ---------------------------------------------------------------- business units

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct BusinessUnit {
    pub id: String,
    pub version: i64,
    pub code: String,
    pub name: String,
    /// The unit above this one: a unit with a parent is a business line.
    pub parent_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessUnitInput {
    #[schemars(schema_with = "crate::schema::code")]
    pub code: String,
    #[schemars(schema_with = "crate::schema::name")]
    pub name: String,
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::optional_reference")]
    pub parent_id: Option<String>,
}

/// A validated business unit (references still to be checked against the store).
#[derive(Debug, Clone)]
pub struct NewBusinessUnit {
    pub code: Code,
    pub name: Name,
    pub parent_id: Option<String>,
}

impl BusinessUnitInput {
    pub fn validate(&self) -> Result<NewBusinessUnit, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let code = e.check("code", Code::parse(&self.code));
        let name = e.check("name", Name::parse(&self.name));
        match (code, name) {
            (Some(code), Some(name)) if e.is_empty() => Ok(NewBusinessUnit {
                code,
                name,
                parent_id: self.parent_id.clone().filter(|s| !s.is_empty()),
            }),
            _ => Err(e),
        }
    }
}

entity!(BusinessUnit, BusinessUnitInput, "business_unit", |self| {
    BusinessUnitInput {
        code: self.code.clone(),
        name: self.name.clone(),
        parent_id: self.parent_id.clone(),
    }
});

// ---------------------------------------------------------------- sites

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    #[schemars(schema_with = "crate::schema::date")]
    pub date: String,
    #[schemars(schema_with = "crate::schema::not_blank")]
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Site {
    pub id: String,
    pub version: i64,
    pub code: String,
    pub name: String,
    pub country: String,
    pub time_zone: String,
    pub currency: String,
    pub working_week: Vec<String>,
    /// Working hours of a working day, `[["09:00", "17:00"]]`, local time.
    pub working_hours: Vec<[String; 2]>,
    pub holidays: Vec<Holiday>,
    pub created_at: String,
    pub updated_at: String,
}

fn default_week() -> Vec<String> {
    ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn default_hours() -> Vec<[String; 2]> {
    vec![
        ["09:00".to_string(), "12:30".to_string()],
        ["13:30".to_string(), "18:00".to_string()],
    ]
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    #[schemars(schema_with = "crate::schema::code")]
    pub code: String,
    #[schemars(schema_with = "crate::schema::name")]
    pub name: String,
    #[schemars(schema_with = "crate::schema::country")]
    pub country: String,
    #[schemars(schema_with = "crate::schema::time_zone")]
    pub time_zone: String,
    #[schemars(schema_with = "crate::schema::currency")]
    pub currency: String,
    #[serde(default = "default_week")]
    #[schemars(schema_with = "crate::schema::working_week")]
    pub working_week: Vec<String>,
    #[serde(default = "default_hours")]
    #[schemars(schema_with = "crate::schema::working_hours")]
    pub working_hours: Vec<[String; 2]>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

#[derive(Debug, Clone)]
pub struct NewSite {
    pub code: Code,
    pub name: Name,
    pub country: CountryCode,
    pub time_zone: TimeZoneName,
    pub currency: CurrencyCode,
    pub working_week: Vec<String>,
    pub working_hours: Vec<[String; 2]>,
    pub holidays: Vec<Holiday>,
}

impl SiteInput {
    pub fn validate(&self) -> Result<NewSite, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let code = e.check("code", Code::parse(&self.code));
        let name = e.check("name", Name::parse(&self.name));
        let country = e.check("country", CountryCode::parse(&self.country));
        let time_zone = e.check("time_zone", TimeZoneName::parse(&self.time_zone));
        let currency = e.check("currency", CurrencyCode::parse(&self.currency));
        let working_week = e.check("working_week", parse_working_week(&self.working_week));
        let mut last_end = 0;
        if self.working_hours.is_empty() {
            e.add(
                "working_hours",
                "required",
                "a working day needs at least one period",
            );
        }
        for (i, [from, to]) in self.working_hours.iter().enumerate() {
            match (parse_hhmm(from), parse_hhmm(to)) {
                (Some(a), Some(b)) if a < b && a >= last_end => last_end = b,
                (Some(_), Some(_)) => e.add(
                    &format!("working_hours[{i}]"),
                    "invalid_period",
                    "periods must be increasing and not overlap",
                ),
                _ => e.add(
                    &format!("working_hours[{i}]"),
                    "invalid_time",
                    "times are HH:MM between 00:00 and 24:00",
                ),
            }
        }
        let mut holidays = self.holidays.clone();
        for (i, h) in holidays.iter().enumerate() {
            if let Err(err) = parse_date(&h.date) {
                e.add(&format!("holidays[{i}].date"), err.code, err.message);
            }
            if h.name.trim().is_empty() {
                e.add(
                    &format!("holidays[{i}].name"),
                    "required",
                    "must not be empty",
                );
            }
        }
        holidays.sort_by(|a, b| a.date.cmp(&b.date));
        match (code, name, country, time_zone, currency, working_week) {
            (Some(code), Some(name), Some(country), Some(time_zone), Some(currency), Some(ww))
                if e.is_empty() =>
            {
                Ok(NewSite {
                    code,
                    name,
                    country,
                    time_zone,
                    currency,
                    working_week: ww,
                    working_hours: self.working_hours.clone(),
                    holidays,
                })
            }
            _ => Err(e),
        }
    }
}

entity!(Site, SiteInput, "site", |self| {
    SiteInput {
        code: self.code.clone(),
        name: self.name.clone(),
        country: self.country.clone(),
        time_zone: self.time_zone.clone(),
        currency: self.currency.clone(),
        working_week: self.working_week.clone(),
        working_hours: self.working_hours.clone(),
        holidays: self.holidays.clone(),
    }
});

// ---------------------------------------------------------------- people

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Person {
    pub id: String,
    pub version: i64,
    pub name: String,
    pub email: Option<String>,
    pub site_id: String,
    pub skills: Vec<String>,
    /// Their line manager (a person): named in the missing-timesheets list and its reminders.
    pub manager_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    #[schemars(schema_with = "crate::schema::name")]
    pub name: String,
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::optional_email")]
    pub email: Option<String>,
    #[schemars(schema_with = "crate::schema::reference")]
    pub site_id: String,
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::skills")]
    pub skills: Vec<String>,
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::optional_reference")]
    pub manager_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewPerson {
    pub name: Name,
    pub email: Option<Email>,
    pub site_id: String,
    pub skills: Vec<String>,
    pub manager_id: Option<String>,
}

impl PersonInput {
    pub fn validate(&self) -> Result<NewPerson, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = e.check("name", Name::parse(&self.name));
        let email = match self.email.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => e.check("email", Email::parse(s)).map(Some),
            None => Some(None),
        };
        let mut skills: Vec<String> = Vec::new();
        for (i, s) in self.skills.iter().enumerate() {
            let t = s.trim();
            if t.is_empty() || t.chars().count() > 60 {
                e.add(
                    &format!("skills[{i}]"),
                    "invalid_skill",
                    "a skill is 1 to 60 characters",
                );
            } else if !skills.iter().any(|k| k.eq_ignore_ascii_case(t)) {
                skills.push(t.to_string());
            }
        }
        match (name, email) {
            (Some(name), Some(email)) if e.is_empty() => Ok(NewPerson {
                name,
                email,
                site_id: self.site_id.clone(),
                skills,
                manager_id: self
                    .manager_id
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            }),
            _ => Err(e),
        }
    }
}

entity!(Person, PersonInput, "person", |self| {
    PersonInput {
        name: self.name.clone(),
        email: self.email.clone(),
        site_id: self.site_id.clone(),
        skills: self.skills.clone(),
        manager_id: self.manager_id.clone(),
    }
});

// ---------------------------------------------------------------- users

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct User {
    pub id: String,
    pub version: i64,
    pub email: String,
    pub name: String,
    pub person_id: Option<String>,
    /// Stored by id; shown with the scope's current code.
    pub grants: Vec<UserGrant>,
    pub disabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    #[schemars(schema_with = "crate::schema::email")]
    pub email: String,
    #[schemars(schema_with = "crate::schema::name")]
    pub name: String,
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::optional_reference")]
    pub person_id: Option<String>,
    #[serde(default)]
    pub grants: Vec<Grant>,
    #[serde(default)]
    pub disabled: bool,
    /// Write-only: sets the password (at least 10 characters). Never returned, never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::password")]
    pub password: Option<Secret>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub name: Name,
    pub person_id: Option<String>,
    pub grants: Vec<Grant>,
    pub disabled: bool,
    pub password: Option<Secret>,
}

/// Minimum password length (NIST SP 800-63B recommends length over composition rules).
pub const MIN_PASSWORD_LEN: usize = 10;

pub fn check_password(p: &str) -> Result<(), crate::error::ValueError> {
    if p.chars().count() < MIN_PASSWORD_LEN {
        Err(crate::error::ValueError::new(
            "password_too_short",
            format!("a password has at least {MIN_PASSWORD_LEN} characters"),
        ))
    } else if p.len() > 1024 {
        Err(crate::error::ValueError::new(
            "password_too_long",
            "a password has at most 1024 bytes",
        ))
    } else {
        Ok(())
    }
}

impl UserInput {
    pub fn validate(&self) -> Result<NewUser, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let email = e.check("email", Email::parse(&self.email));
        let name = e.check("name", Name::parse(&self.name));
        if let Some(p) = &self.password {
            e.check("password", check_password(p.expose()));
        }
        let mut grants = self.grants.clone();
        grants.sort();
        grants.dedup();
        match (email, name) {
            (Some(email), Some(name)) if e.is_empty() => Ok(NewUser {
                email,
                name,
                person_id: self.person_id.clone().filter(|s| !s.is_empty()),
                grants,
                disabled: self.disabled,
                password: self.password.clone(),
            }),
            _ => Err(e),
        }
    }
}

entity!(User, UserInput, "user", |self| {
    UserInput {
        email: self.email.clone(),
        name: self.name.clone(),
        person_id: self.person_id.clone(),
        grants: self.grants.iter().map(UserGrant::input).collect(),
        disabled: self.disabled,
        password: None,
    }
});

// ---------------------------------------------------------------- projects

/// Life-cycle status of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Proposed,
    Approved,
    Active,
    OnHold,
    Closed,
    Cancelled,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 6] = [
        ProjectStatus::Proposed,
        ProjectStatus::Approved,
        ProjectStatus::Active,
        ProjectStatus::OnHold,
        ProjectStatus::Closed,
        ProjectStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Proposed => "proposed",
            ProjectStatus::Approved => "approved",
            ProjectStatus::Active => "active",
            ProjectStatus::OnHold => "on_hold",
            ProjectStatus::Closed => "closed",
            ProjectStatus::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ProjectStatus::Proposed => "Proposed",
            ProjectStatus::Approved => "Approved",
            ProjectStatus::Active => "Active",
            ProjectStatus::OnHold => "On hold",
            ProjectStatus::Closed => "Closed",
            ProjectStatus::Cancelled => "Cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Project {
    pub id: String,
    pub version: i64,
    pub code: String,
    pub name: String,
    pub description: String,
    pub site_id: String,
    pub business_unit_id: String,
    pub manager_id: Option<String>,
    pub status: ProjectStatus,
    pub priority: i64,
    pub start_date: String,
    pub created_at: String,
    pub updated_at: String,
}

fn default_status() -> ProjectStatus {
    ProjectStatus::Proposed
}
fn default_priority() -> i64 {
    500
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    #[schemars(schema_with = "crate::schema::code")]
    pub code: String,
    #[schemars(schema_with = "crate::schema::name")]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[schemars(schema_with = "crate::schema::reference")]
    pub site_id: String,
    #[schemars(schema_with = "crate::schema::reference")]
    pub business_unit_id: String,
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::optional_reference")]
    pub manager_id: Option<String>,
    #[serde(default = "default_status")]
    pub status: ProjectStatus,
    #[serde(
        default = "default_priority",
        deserialize_with = "crate::schema::integer"
    )]
    #[schemars(range(min = 1, max = 1000))]
    pub priority: i64,
    #[schemars(schema_with = "crate::schema::date")]
    pub start_date: String,
}

#[derive(Debug, Clone)]
pub struct NewProject {
    pub code: Code,
    pub name: Name,
    pub description: String,
    pub site_id: String,
    pub business_unit_id: String,
    pub manager_id: Option<String>,
    pub status: ProjectStatus,
    pub priority: i64,
    pub start_date: chrono::NaiveDate,
}

impl ProjectInput {
    pub fn validate(&self) -> Result<NewProject, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let code = e.check("code", Code::parse(&self.code));
        let name = e.check("name", Name::parse(&self.name));
        let start = e.check("start_date", parse_date(&self.start_date));
        if !(1..=1000).contains(&self.priority) {
            e.add("priority", "out_of_range", "priority is between 1 and 1000");
        }
        if self.description.len() > 20_000 {
            e.add(
                "description",
                "too_long",
                "a description has at most 20,000 bytes",
            );
        }
        if self.site_id.trim().is_empty() {
            e.add("site_id", "required", "a project belongs to a site");
        }
        if self.business_unit_id.trim().is_empty() {
            e.add(
                "business_unit_id",
                "required",
                "a project belongs to a business unit",
            );
        }
        match (code, name, start) {
            (Some(code), Some(name), Some(start_date)) if e.is_empty() => Ok(NewProject {
                code,
                name,
                description: self.description.trim().to_string(),
                site_id: self.site_id.clone(),
                business_unit_id: self.business_unit_id.clone(),
                manager_id: self.manager_id.clone().filter(|s| !s.is_empty()),
                status: self.status,
                priority: self.priority,
                start_date,
            }),
            _ => Err(e),
        }
    }
}

entity!(Project, ProjectInput, "project", |self| {
    ProjectInput {
        code: self.code.clone(),
        name: self.name.clone(),
        description: self.description.clone(),
        site_id: self.site_id.clone(),
        business_unit_id: self.business_unit_id.clone(),
        manager_id: self.manager_id.clone(),
        status: self.status,
        priority: self.priority,
        start_date: self.start_date.clone(),
    }
});

// ---------------------------------------------------------------- tasks

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Task {
    pub id: String,
    pub version: i64,
    pub project_id: String,
    pub parent_id: Option<String>,
    /// Order among siblings (0, 1, 2, ...).
    pub position: i64,
    pub name: String,
    pub duration_days: Option<f64>,
    pub effort_hours: Option<f64>,
    pub milestone: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    #[schemars(schema_with = "crate::schema::name")]
    pub name: String,
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::optional_reference")]
    pub parent_id: Option<String>,
    /// Position among siblings; appended last when absent.
    #[serde(default, deserialize_with = "crate::schema::optional_integer")]
    #[schemars(range(min = 0, max = 1_000_000))]
    pub position: Option<i64>,
    #[serde(default)]
    #[schemars(range(min = 0, max = 100_000))]
    pub duration_days: Option<f64>,
    #[serde(default)]
    #[schemars(range(min = 0, max = 1_000_000))]
    pub effort_hours: Option<f64>,
    #[serde(default)]
    pub milestone: bool,
}

#[derive(Debug, Clone)]
pub struct NewTask {
    pub name: Name,
    pub parent_id: Option<String>,
    pub position: Option<i64>,
    pub duration_minutes: Option<i64>,
    pub effort_minutes: Option<i64>,
    pub milestone: bool,
}

impl TaskInput {
    pub fn validate(&self) -> Result<NewTask, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = e.check("name", Name::parse(&self.name));
        let duration_minutes = match self.duration_days {
            Some(d) => match days_to_minutes(d, 0.0, 100_000.0) {
                Some(m) => Some(m),
                None => {
                    e.add(
                        "duration_days",
                        "out_of_range",
                        "duration_days is between 0 and 100000",
                    );
                    None
                }
            },
            None => None,
        };
        let effort_minutes = match self.effort_hours {
            Some(h) if h.is_finite() && (0.0..=1_000_000.0).contains(&h) => {
                Some((h * 60.0).round() as i64)
            }
            Some(_) => {
                e.add(
                    "effort_hours",
                    "out_of_range",
                    "effort_hours is between 0 and 1000000",
                );
                None
            }
            None => None,
        };
        if self.duration_days.is_some() && self.effort_hours.is_some() {
            e.add(
                "effort_hours",
                "exclusive",
                "a task has either duration_days or effort_hours, not both",
            );
        }
        if self.milestone && (duration_minutes.unwrap_or(0) > 0 || effort_minutes.unwrap_or(0) > 0)
        {
            e.add(
                "milestone",
                "milestone_has_length",
                "a milestone has no duration and no effort",
            );
        }
        if let Some(p) = self.position {
            if !(0..=1_000_000).contains(&p) {
                e.add(
                    "position",
                    "out_of_range",
                    "position is between 0 and 1000000",
                );
            }
        }
        match name {
            Some(name) if e.is_empty() => Ok(NewTask {
                name,
                parent_id: self.parent_id.clone().filter(|s| !s.is_empty()),
                position: self.position,
                duration_minutes,
                effort_minutes,
                milestone: self.milestone,
            }),
            _ => Err(e),
        }
    }
}

entity!(Task, TaskInput, "task", |self| {
    TaskInput {
        name: self.name.clone(),
        parent_id: self.parent_id.clone(),
        position: Some(self.position),
        duration_days: self.duration_days,
        effort_hours: self.effort_hours,
        milestone: self.milestone,
    }
});

// ---------------------------------------------------------------- dependencies

/// Dependency types of the precedence diagramming method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum DependencyType {
    FS,
    SS,
    FF,
    SF,
}

impl DependencyType {
    pub fn as_str(self) -> &'static str {
        match self {
            DependencyType::FS => "FS",
            DependencyType::SS => "SS",
            DependencyType::FF => "FF",
            DependencyType::SF => "SF",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "FS" => Some(Self::FS),
            "SS" => Some(Self::SS),
            "FF" => Some(Self::FF),
            "SF" => Some(Self::SF),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Dependency {
    pub id: String,
    pub version: i64,
    pub project_id: String,
    pub predecessor_id: String,
    pub successor_id: String,
    #[serde(rename = "type")]
    pub dep_type: DependencyType,
    pub lag_days: f64,
    pub created_at: String,
    pub updated_at: String,
}

fn default_dep_type() -> DependencyType {
    DependencyType::FS
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DependencyInput {
    #[schemars(schema_with = "crate::schema::reference")]
    pub predecessor_id: String,
    #[schemars(schema_with = "crate::schema::reference")]
    pub successor_id: String,
    #[serde(rename = "type", default = "default_dep_type")]
    pub dep_type: DependencyType,
    #[serde(default)]
    #[schemars(range(min = -10_000, max = 10_000))]
    pub lag_days: f64,
}

#[derive(Debug, Clone)]
pub struct NewDependency {
    pub predecessor_id: String,
    pub successor_id: String,
    pub dep_type: DependencyType,
    pub lag_minutes: i64,
}

impl DependencyInput {
    pub fn validate(&self) -> Result<NewDependency, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let lag = days_to_minutes(self.lag_days, -10_000.0, 10_000.0);
        if lag.is_none() {
            e.add(
                "lag_days",
                "out_of_range",
                "lag_days is between -10000 and 10000",
            );
        }
        if self.predecessor_id == self.successor_id {
            e.add(
                "successor_id",
                "self_dependency",
                "a task cannot depend on itself",
            );
        }
        match lag {
            Some(lag_minutes) if e.is_empty() => Ok(NewDependency {
                predecessor_id: self.predecessor_id.clone(),
                successor_id: self.successor_id.clone(),
                dep_type: self.dep_type,
                lag_minutes,
            }),
            _ => Err(e),
        }
    }
}

entity!(Dependency, DependencyInput, "dependency", |self| {
    DependencyInput {
        predecessor_id: self.predecessor_id.clone(),
        successor_id: self.successor_id.clone(),
        dep_type: self.dep_type,
        lag_days: self.lag_days,
    }
});

// ---------------------------------------------------------------- assignments

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Assignment {
    pub id: String,
    pub version: i64,
    pub project_id: String,
    pub task_id: String,
    pub person_id: String,
    /// 1.0 = full time.
    pub units: f64,
    pub created_at: String,
    pub updated_at: String,
}

fn default_units() -> f64 {
    1.0
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    #[schemars(schema_with = "crate::schema::reference")]
    pub person_id: String,
    #[serde(default = "default_units")]
    #[schemars(schema_with = "crate::schema::units")]
    pub units: f64,
}

#[derive(Debug, Clone)]
pub struct NewAssignment {
    pub person_id: String,
    /// Thousandths of a unit.
    pub units_milli: i64,
}

impl AssignmentInput {
    pub fn validate(&self) -> Result<NewAssignment, ValidationErrors> {
        if self.units.is_finite() && self.units > 0.0 && self.units <= 10.0 {
            Ok(NewAssignment {
                person_id: self.person_id.clone(),
                units_milli: (self.units * 1000.0).round() as i64,
            })
        } else {
            Err(ValidationErrors::single(
                "units",
                "out_of_range",
                "units are above 0 and at most 10 (1.0 = full time)",
            ))
        }
    }
}

entity!(Assignment, AssignmentInput, "assignment", |self| {
    AssignmentInput {
        person_id: self.person_id.clone(),
        units: self.units,
    }
});

// ---------------------------------------------------------------- audit

/// One line of the audit trail: who did what to which object, with the object before and after.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct AuditEvent {
    pub id: String,
    /// UTC, RFC 3339.
    pub at: String,
    pub actor_id: Option<String>,
    pub actor: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub project_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// For an event of a project: the project's plan version after the change (each change to
    /// its tasks, dependencies or assignments takes the next one).
    pub plan_version: Option<i64>,
}

/// Applies a JSON merge patch (RFC 7396) to `target`.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    if let serde_json::Value::Object(p) = patch {
        if !target.is_object() {
            *target = serde_json::Value::Object(serde_json::Map::new());
        }
        if let serde_json::Value::Object(t) = target {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
    } else {
        *target = patch.clone();
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn passwords_never_appear_in_debug_output() {
        let input: UserInput = serde_json::from_value(serde_json::json!({
            "email": "a@b.example", "name": "A", "password": "hunter2-but-longer"
        }))
        .unwrap();
        let shown = format!("{input:?} {:?}", input.validate().unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("***"));
    }

    use super::*;

    #[test]
    fn site_validation_names_fields() {
        let input: SiteInput = serde_json::from_value(serde_json::json!({
            "code": "PAR", "name": "Paris", "country": "ZZ", "time_zone": "Europe/Nowhere",
            "currency": "EUR", "holidays": [{"date": "2026-13-01", "name": "x"}]
        }))
        .unwrap();
        let err = input.validate().unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["country", "time_zone", "holidays[0].date"]);
    }

    #[test]
    fn task_rules() {
        let t = TaskInput {
            name: "Design".into(),
            parent_id: None,
            position: None,
            duration_days: Some(2.5),
            effort_hours: None,
            milestone: false,
        };
        assert_eq!(t.validate().unwrap().duration_minutes, Some(1200));
        let both = TaskInput {
            effort_hours: Some(3.0),
            ..t.clone()
        };
        assert_eq!(both.validate().unwrap_err().0[0].code, "exclusive");
        let ms = TaskInput {
            milestone: true,
            ..t
        };
        assert_eq!(ms.validate().unwrap_err().0[0].code, "milestone_has_length");
    }

    #[test]
    fn merge_patch_rfc7396() {
        let mut v = serde_json::json!({"a": 1, "b": {"c": 2, "d": 3}});
        merge_patch(&mut v, &serde_json::json!({"a": null, "b": {"c": 5}}));
        assert_eq!(v, serde_json::json!({"b": {"c": 5, "d": 3}}));
    }
}
