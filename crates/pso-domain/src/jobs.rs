//! Background work as the product shows it: jobs with their state and progress, recurring
//! schedules, and outgoing e-mail in the outbox; and who may see them.
//!
//! A job belongs to the user who submitted it (its owner) or to the system (scheduled
//! housekeeping, mail sending). Only the owner and administrators see a job: to anyone else it
//! does not exist (404), like an object outside their scope. The outbox is for administrators.

use crate::access::Principal;
use serde::{Deserialize, Serialize};

/// Where a job is in its life. `queued` → `running` → `done` | `failed` | `cancelled`; a running
/// job whose worker died goes back to running under another worker (see `pso_app::jobs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        Some(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            "cancelled" => JobState::Cancelled,
            _ => return None,
        })
    }

    /// Done, failed or cancelled: nothing will change it any more.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }
}

/// How far a job has come: `done` of `total` steps and what it is doing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Progress {
    pub done: i64,
    pub total: i64,
    pub message: String,
}

/// A job as stored and shown (the uploaded input is not part of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Job {
    pub id: String,
    pub version: i64,
    pub kind: String,
    pub state: JobState,
    /// The user who submitted it; `None` for the system's own jobs.
    pub owner_id: Option<String>,
    pub owner: String,
    pub payload: serde_json::Value,
    pub progress: Progress,
    /// What the finished job produced (for an import: `{project_id, code, report}`).
    pub result: Option<serde_json::Value>,
    /// Why it failed: `{code, detail, errors}` as in a problem document.
    pub error: Option<serde_json::Value>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub cancel_requested: bool,
    /// Not before this time (UTC).
    pub run_at: String,
    pub lease_until: Option<String>,
    pub schedule_id: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub updated_at: String,
}

/// A recurring job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Schedule {
    pub id: String,
    pub version: i64,
    /// Unique name (built-in schedules are found by it).
    pub name: String,
    pub kind: String,
    /// A cron expression or an "every Monday 08:00" phrase, read in `time_zone`.
    pub spec: String,
    pub time_zone: String,
    pub payload: serde_json::Value,
    pub owner_id: Option<String>,
    pub owner: String,
    pub enabled: bool,
    pub next_run_at: String,
    pub last_run_at: Option<String>,
    pub last_job_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Where an outgoing message is: waiting (first try or a retry), sent, or given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailState {
    Queued,
    Sent,
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<MailState> {
        Some(match s {
            "queued" => MailState::Queued,
            "sent" => MailState::Sent,
            "failed" => MailState::Failed,
            _ => return None,
        })
    }
}

/// One message of the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OutboxMessage {
    pub id: String,
    pub version: i64,
    pub to: Vec<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub state: MailState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: String,
    pub created_by: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub updated_at: String,
}

impl Principal {
    /// A job is seen (read, cancelled) by its owner and by administrators only.
    pub fn can_see_job(&self, owner_id: Option<&str>) -> bool {
        self.is_admin() || owner_id.is_some_and(|o| !o.is_empty() && o == self.user_id)
    }

    /// Everyone's jobs, the system's jobs and the outbox: administrators only.
    pub fn can_see_all_jobs(&self) -> bool {
        self.is_admin()
    }

    /// The outbox (addresses and texts of every message): administrators only.
    pub fn can_read_outbox(&self) -> bool {
        self.is_admin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{AccessGrant, Role, ScopeId};

    fn who(id: &str, role: Role) -> Principal {
        Principal {
            user_id: id.into(),
            email: format!("{id}@x.org"),
            name: id.into(),
            grants: vec![AccessGrant {
                role,
                scope: ScopeId::Global,
            }],
        }
    }

    #[test]
    fn owners_and_admins_see_jobs() {
        let owner = who("u1", Role::Pso);
        let other = who("u2", Role::Pso);
        let admin = who("a", Role::Admin);
        assert!(owner.can_see_job(Some("u1")));
        assert!(!other.can_see_job(Some("u1")));
        assert!(admin.can_see_job(Some("u1")));
        // System jobs: administrators only.
        assert!(!owner.can_see_job(None));
        assert!(admin.can_see_job(None));
        assert!(!other.can_read_outbox());
        assert!(admin.can_read_outbox());
    }

    #[test]
    fn states_round_trip() {
        for s in [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
            JobState::Cancelled,
        ] {
            assert_eq!(JobState::parse(s.as_str()), Some(s));
        }
        assert!(JobState::Done.is_finished());
        assert!(!JobState::Running.is_finished());
        assert_eq!(MailState::parse("sent"), Some(MailState::Sent));
    }
}
