//! `pso-domain`: PSO's entities, value types, validation and permission rules.
//!
//! This crate knows no database and no HTTP. The API handlers and the pages both call it:
//! - [`values`]: value types that refuse bad input when built (country, time zone, currency, ...);
//! - [`error`]: per-field validation errors, the shape every API error body uses;
//! - [`ids`]: typed ids where a mix-up would be a defect (permission rules first);
//! - [`money`]: amounts with their currency, decimal (never a float);
//! - [`model`]: the stored entities and the inputs that create or change them;
//! - [`access`]: roles, scopes and the one place where "may this caller do that?" is decided;
//! - [`jobs`]: background jobs, schedules and the mail outbox as shown, and who sees them;
//! - [`plan`]: rules over the project network (dependency cycles);
//! - [`schedule`]: a stored plan in and out of the `pso-schedule` engine, resource load;
//! - [`schema`]: the JSON Schemas of what the validators accept, for the OpenAPI document;
//! - [`signin`]: when a sign-in attempt may go ahead (back-off, not lock-out);
//! - [`sheet`]: a person's weekly timesheet: its input, states and lines;
//! - [`timesheet`]: a site's dated time rules, ISO weeks, the check of a week's entries;
//! - [`duration`]: a duration typed into a timesheet cell (`7.5`, `7:30`, `7h30`, `450m`).

pub mod access;
pub mod duration;
pub mod error;
pub mod ids;
pub mod jobs;
pub mod model;
pub mod money;
pub mod plan;
pub mod schedule;
pub mod schema;
pub mod sheet;
pub mod signin;
pub mod timesheet;
pub mod values;

pub use error::{FieldError, ValidationErrors};
