//! `pso-app`: PSO's operations, each written once, for every face (the REST API, the pages,
//! the command line, the demo loader).
//!
//! An operation authorises its caller through `pso-domain`'s permission rules, checks
//! references, validates the input into domain types, and calls the store (which writes the row
//! and its audit event in one transaction). It returns [`AppError`], whose [`ErrorKind`] each
//! face maps once: `pso-web` to an HTTP status and a problem document, the CLI to a message.
//! Nothing here knows HTTP.
//!
//! - [`auth`]: passwords, tokens, sign-in with throttling, the [`Caller`];
//! - [`service`]: the organisation and the plan ([`Svc`]);
//! - [`schedule`]: scheduling stored plans, baselines, resource load;
//! - [`interchange`]: MS Project import and export;
//! - [`jobs`]: background jobs (submission, workers with leases, recurring runs);
//! - [`recurrence`]: when a recurring job runs, in its site's time zone;
//! - [`mail`]: outgoing e-mail through an outbox, sent by a job;
//! - [`config`]: the server's settings (defaults < file < environment < flags).
//!
//! CPU-heavy work (password hashing, parsing uploads, scheduling) runs through [`blocking`],
//! off the async worker threads.

pub mod auth;
pub mod config;
pub mod error;
pub mod interchange;
pub mod jobs;
pub mod mail;
pub mod plan_view;
pub mod progress;
pub mod recurrence;
pub mod schedule;
pub mod service;
pub mod time_io;
pub mod time_watch;
pub mod timesheet;
pub mod timesheet_views;
pub mod tokens;

pub use auth::Caller;
pub use error::{AppError, AppResult, ErrorKind};
pub use service::{Paging, Svc};

use pso_store::Store;
use std::sync::Arc;

/// Limits that keep one large plan or upload from stalling the server for everyone. Each
/// refusal names the limit it hit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Most tasks one project may hold (imports and task creation).
    pub max_tasks_per_project: usize,
    /// Largest accepted upload (MS Project files and other imports), in bytes.
    pub max_upload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_tasks_per_project: 50_000,
            max_upload_bytes: 64 << 20,
        }
    }
}

/// The application: the store and what every operation shares. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    /// A password hash to verify against when the account does not exist (constant timing).
    pub dummy_hash: Arc<String>,
    pub limits: Arc<Limits>,
    /// How this process runs background jobs.
    pub jobs: Arc<jobs::JobSettings>,
    /// The mail server and retry rules of the outbox.
    pub mail: Arc<mail::MailConfig>,
    /// Wakes an idle job worker of this process (a job was just submitted).
    pub wake: Arc<tokio::sync::Notify>,
}

impl App {
    /// The application over a store with the default limits (hashes the dummy password once,
    /// off the async threads).
    pub async fn new(store: Store) -> AppResult<Self> {
        Self::with_limits(store, Limits::default()).await
    }

    pub async fn with_limits(store: Store, limits: Limits) -> AppResult<Self> {
        let dummy = auth::hash_password("not-a-real-password").await?;
        Ok(Self {
            store,
            dummy_hash: Arc::new(dummy),
            limits: Arc::new(limits),
            jobs: Arc::new(jobs::JobSettings::default()),
            mail: Arc::new(mail::MailConfig::default()),
            wake: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// The same application with these job settings.
    pub fn with_jobs(mut self, jobs: jobs::JobSettings) -> Self {
        self.jobs = Arc::new(jobs);
        self
    }

    /// The same application with these mail settings.
    pub fn with_mail(mut self, mail: mail::MailConfig) -> Self {
        self.mail = Arc::new(mail);
        self
    }
}

/// Runs CPU-heavy work on tokio's blocking pool, so the async worker threads keep answering —
/// and at most one piece less than there are cores at a time (one on a 2-core machine), in
/// arrival order: fifty simultaneous sign-ins must not put fifty argon2 hashes on two cores
/// and leave none for the requests that only read.
pub async fn blocking<T, F>(f: F) -> AppResult<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    static CPU: std::sync::OnceLock<Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    let permits = CPU.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Arc::new(tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1)))
    });
    let _permit = permits
        .clone()
        .acquire_owned()
        .await
        .map_err(AppError::internal)?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(AppError::internal)
}
