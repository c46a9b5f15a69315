//! Progress that moves the schedule (issue 10): a task's progress (from approved timesheets,
//! or set by whoever edits the plan) and the project's status date. Scheduling reads both:
//! work done stays where it was booked, remaining work is scheduled from the status date.

use crate::error::{AppError, AppResult};
use crate::service::Svc;
use pso_domain::access::ProjectAction;
use pso_domain::sheet::{StatusDateInput, TaskProgressInput};
use pso_store::sheet::{ProgressWrite, TaskProgress};

fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Svc<'_> {
    /// The progress of a project's tasks (readers of the project).
    pub async fn project_progress(&self, project_id: &str) -> AppResult<Vec<TaskProgress>> {
        let p = self.project(project_id, ProjectAction::Read).await?;
        Ok(self.store().task_progress(&p.id).await?)
    }

    /// Sets a task's progress (those who edit the plan). Work reported without an actual
    /// start began on the date already known, else on the project's status date, else on its
    /// start date.
    pub async fn set_task_progress(
        &self,
        task_id: &str,
        input: serde_json::Value,
    ) -> AppResult<TaskProgress> {
        // Who may comes before what: a stranger learns nothing from a validation error.
        let task = self.task(task_id, ProjectAction::Edit).await?;
        let input: TaskProgressInput = crate::service::parse_input(input)?;
        let v = input.validate().map_err(AppError::validation)?;
        let project = self.get_project(&task.project_id).await?;
        let known = self
            .store()
            .task_progress(&project.id)
            .await?
            .into_iter()
            .find(|p| p.task_id == task.id);
        let begun = v.percent_complete > 0 || v.actual_finish.is_some();
        let actual_start = match v.actual_start {
            Some(d) => Some(day(d)),
            None if begun => Some(match known.and_then(|k| k.actual_start) {
                Some(s) => s,
                None => self
                    .store()
                    .status_dates(std::slice::from_ref(&project.id))
                    .await?
                    .pop()
                    .map(|(_, d)| d)
                    .unwrap_or_else(|| project.start_date.clone()),
            }),
            None => None,
        };
        if let (Some(s), Some(f)) = (&actual_start, v.actual_finish) {
            if day(f) < *s {
                return Err(AppError::field(
                    "actual_finish",
                    "invalid_period",
                    format!("the task started on {s}: actual_finish is on or after it"),
                ));
            }
        }
        let w = ProgressWrite {
            percent_complete: v.percent_complete,
            remaining_minutes: v.remaining_minutes,
            actual_start,
            actual_finish: v.actual_finish.map(day),
        };
        Ok(self
            .store()
            .set_task_progress(&self.caller.actor(), &project.id, &task.id, &w)
            .await?)
    }

    /// Sets or clears the project's status date (those who edit the plan).
    pub async fn set_status_date(
        &self,
        project_id: &str,
        input: serde_json::Value,
    ) -> AppResult<Option<String>> {
        let p = self.project(project_id, ProjectAction::Edit).await?;
        let input: StatusDateInput = crate::service::parse_input(input)?;
        let date = match input.status_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(day(pso_domain::values::parse_date(s)
                .map_err(|e| AppError::field("status_date", e.code, e.message))?)),
        };
        Ok(self
            .store()
            .set_status_date(&self.caller.actor(), &p.id, date.as_deref())
            .await?)
    }
}
