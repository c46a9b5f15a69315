//! Scheduling an MSPDI project (placeholder until the forward pass lands).

use super::Project;
use serde::Serialize;

/// Why a project could not be scheduled.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// Not implemented yet.
    #[error("scheduling MSPDI files is not implemented yet")]
    NotImplemented,
}

/// `pso-schedule/1`.
#[derive(Debug, Clone, Serialize)]
pub struct Schedule {
    /// Always `pso-schedule/1`.
    pub format: &'static str,
}

/// Schedules `project`.
pub fn schedule(_project: &Project) -> Result<Schedule, ScheduleError> {
    Err(ScheduleError::NotImplemented)
}
