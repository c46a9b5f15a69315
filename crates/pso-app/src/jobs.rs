//! Background jobs: long work (MS Project imports, portfolio leveling, sending mail, the
//! housekeeping) runs outside the request that asked for it, and survives a restart.
//!
//! # Design
//!
//! - **Submission is an operation** like any other ([`Svc::submit_import`],
//!   [`Svc::submit_portfolio_schedule`]): it authorises the caller and checks what can be checked
//!   at once (scope, references, the project code, the size of the upload), so a refusal is
//!   still an immediate 403/409/422; then it writes the job — with the uploaded file, so that a
//!   restart can run it again — and its audit event. The job later runs *as its owner*, whose
//!   rights are checked again then (they may have changed meanwhile).
//! - **The queue is the database** (`pso_store::jobs`): workers claim a job with a lease, in a
//!   write transaction that on PostgreSQL skips rows other servers hold (`FOR UPDATE SKIP
//!   LOCKED`), so several `pso serve` processes share one queue and each job runs once. A
//!   worker renews its lease while the job runs ([`JobSettings::lease`]); when a worker dies
//!   (the process is killed, the machine stops) its lease runs out and another worker — or the
//!   same server after its restart — takes the job up again, up to the kind's attempts, after
//!   which it ends as failed with a message. Nothing is left `running` for ever.
//! - **All or nothing.** An import writes its project in one transaction, so an interrupted
//!   attempt leaves nothing behind and the next attempt starts clean. If an attempt died after
//!   its commit but before the job was marked done, the next attempt finds the project it made
//!   (same code, made by the owner from the same file after the job was submitted) and finishes
//!   the job with it instead of failing on the taken code.
//! - **Cancellation** of a queued job is immediate; a running job is asked to stop and its
//!   worker notices at its next heartbeat: the handler's future is dropped at its next await
//!   point, which rolls back an open transaction. Shutting the server down gives running jobs a
//!   grace period, then puts the unfinished ones back in the queue.
//! - **Progress** is kept in memory by the handler (cheap to update from inside a loop) and
//!   written with each heartbeat, so the API shows it without a write per step.
//! - **Recurring jobs** ([`crate::recurrence`]): the scheduler of each worker pool enqueues due
//!   runs; the run is claimed by moving the schedule's `next_run_at` in the same transaction
//!   that inserts the job, so one run is enqueued once across servers. A server that was down
//!   enqueues one run for what it missed, not one per missed period.

use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::interchange::{code_from_file_name, ImportOptions, Stage};
use crate::recurrence::Recurrence;
use crate::service::{Paging, Svc};
use crate::App;
use pso_domain::access::ProjectAction;
use pso_domain::jobs::{Job, Progress, Schedule};
use pso_domain::values::Code;
use pso_store::jobs::{time_after, JobOutcome, NewJob, NewSchedule};
use pso_store::{Actor, Page};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What kinds of job exist, each with its handler in [`run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// An MS Project XML file imported as a new project.
    MspdiImport,
    /// Every open project the owner may edit, scheduled and leveled together.
    PortfolioSchedule,
    /// Send the due messages of the outbox.
    OutboxFlush,
    /// Delete expired sessions, old login failures and old finished jobs.
    Housekeeping,
    /// Each site's automatic period lock and its timesheet reminders.
    TimeWatch,
}

impl JobKind {
    pub const ALL: [JobKind; 5] = [
        JobKind::MspdiImport,
        JobKind::PortfolioSchedule,
        JobKind::OutboxFlush,
        JobKind::Housekeeping,
        JobKind::TimeWatch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::MspdiImport => "mspdi_import",
            JobKind::PortfolioSchedule => "portfolio_schedule",
            JobKind::OutboxFlush => pso_store::outbox::FLUSH_KIND,
            JobKind::Housekeeping => "housekeeping",
            JobKind::TimeWatch => "time_watch",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What a person reads on the job page.
    pub fn label(self) -> &'static str {
        match self {
            JobKind::MspdiImport => "MS Project import",
            JobKind::PortfolioSchedule => "Portfolio scheduling and leveling",
            JobKind::OutboxFlush => "Sending e-mail",
            JobKind::Housekeeping => "Housekeeping",
            JobKind::TimeWatch => "Timesheet locks and reminders",
        }
    }

    /// How many times a job of this kind is started before it is given up.
    pub fn max_attempts(self) -> i64 {
        3
    }
}

/// How this process runs jobs.
#[derive(Debug, Clone)]
pub struct JobSettings {
    /// Workers in this process (0: this process runs no jobs and no scheduler).
    pub workers: usize,
    /// How long a claimed job stays with its worker without a heartbeat. Longer than the
    /// longest pause of a worker (on SQLite: the longest write transaction of another job).
    pub lease: Duration,
    /// How often an idle worker looks for work (a submission in this process wakes one at once).
    pub poll: Duration,
    /// How often the scheduler looks for due recurring jobs (0: no scheduler here).
    pub scheduler_interval: Duration,
    /// How long a stopping server lets running jobs finish before it queues them again.
    pub shutdown_grace: Duration,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            workers: 2,
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
            scheduler_interval: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl JobSettings {
    /// Heartbeats: often enough for live progress, three per lease at least.
    fn heartbeat(&self) -> Duration {
        (self.lease / 3)
            .min(Duration::from_millis(750))
            .max(Duration::from_millis(50))
    }
}

/// A job's problem document: `{code, detail, errors}`.
pub fn error_json(e: &AppError) -> Value {
    json!({"code": e.code, "detail": e.detail, "errors": e.errors})
}

// ---------------------------------------------------------------- operations

/// The options of an import job, fixed at submission (the code is resolved then, so that a
/// retry imports under the same code).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ImportPayload {
    site_id: String,
    business_unit_id: String,
    code: String,
    create_people: bool,
    file_name: String,
}

impl Svc<'_> {
    fn owned_job(&self, kind: JobKind, payload: Value, input: Option<Vec<u8>>) -> NewJob {
        NewJob {
            kind: kind.as_str().into(),
            owner_id: (!self.caller.is_system()).then(|| self.caller.user.id.clone()),
            owner_label: self.caller.user.email.clone(),
            payload,
            input,
            dedupe_key: None,
            schedule_id: None,
            max_attempts: kind.max_attempts(),
            run_at: None,
        }
    }

    async fn enqueue(&self, job: NewJob) -> AppResult<Job> {
        let j = self
            .store()
            .enqueue_job(&self.caller.actor(), &job)
            .await?
            .ok_or_else(|| AppError::internal("a job without dedupe key was dropped"))?;
        self.app.wake.notify_one();
        Ok(j)
    }

    /// Submits an MS Project import. Checks now what it can — the caller may create a project
    /// on that site and unit, both exist, the file is there and within the upload limit, the
    /// code is valid and free — and queues the job with the file.
    pub async fn submit_import(&self, bytes: Vec<u8>, opts: &ImportOptions) -> AppResult<Job> {
        self.precheck_import(bytes.len(), opts).await?;
        let code = opts
            .code
            .clone()
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| code_from_file_name(&opts.file_name));
        let code = Code::parse(&code)
            .map_err(|e| AppError::field("code", e.code, e.message))?
            .as_str()
            .to_string();
        if self.store().project_by_code(&code).await?.is_some() {
            let mut e =
                AppError::conflict(format!("a project with the code {code} already exists"));
            e.errors.push(pso_domain::FieldError {
                field: "code".into(),
                code: "conflict".into(),
                message: format!("a project with the code {code} already exists"),
            });
            return Err(e);
        }
        let payload = ImportPayload {
            site_id: opts.site_id.clone(),
            business_unit_id: opts.business_unit_id.clone(),
            code,
            create_people: opts.create_people,
            file_name: opts.file_name.clone(),
        };
        let payload = serde_json::to_value(&payload).map_err(AppError::internal)?;
        self.enqueue(self.owned_job(JobKind::MspdiImport, payload, Some(bytes)))
            .await
    }

    /// Submits scheduling and leveling of every open project the caller may edit (403 for a
    /// caller who may edit none).
    pub async fn submit_portfolio_schedule(&self) -> AppResult<Job> {
        if self
            .caller
            .principal
            .project_scope(ProjectAction::Edit)
            .is_empty()
        {
            return Err(AppError::forbidden(
                "your roles do not allow scheduling projects",
            ));
        }
        self.enqueue(self.owned_job(JobKind::PortfolioSchedule, json!({}), None))
            .await
    }

    /// A job the caller may see (its owner or an administrator; 404 for anyone else).
    pub async fn get_job(&self, id: &str) -> AppResult<Job> {
        let job = self
            .store()
            .get_job(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        if !self.caller.principal.can_see_job(job.owner_id.as_deref()) {
            return Err(AppError::not_found());
        }
        Ok(job)
    }

    /// The caller's jobs, newest first; `everyone` (administrators only) lists all jobs,
    /// the system's included.
    pub async fn list_jobs(&self, everyone: bool, p: &Paging) -> AppResult<Page<Job>> {
        if everyone && !self.caller.principal.can_see_all_jobs() {
            return Err(AppError::forbidden(
                "only administrators list everyone's jobs",
            ));
        }
        let owner = (!everyone).then_some(self.caller.user.id.as_str());
        Ok(self
            .store()
            .list_jobs(owner, p.limit, p.cursor.as_deref())
            .await?)
    }

    /// Cancels a job the caller may see: a queued job at once, a running one at its next check
    /// (the answer shows `cancel_requested`). A finished job is a conflict (409).
    pub async fn cancel_job(&self, id: &str) -> AppResult<Job> {
        self.get_job(id).await?;
        Ok(self.store().cancel_job(&self.caller.actor(), id).await?)
    }

    /// Recurring jobs (administrators).
    pub async fn list_schedules(&self) -> AppResult<Vec<Schedule>> {
        if !self.caller.principal.can_see_all_jobs() {
            return Err(AppError::forbidden(
                "only administrators see recurring jobs",
            ));
        }
        Ok(self.store().list_schedules().await?)
    }
}

// ---------------------------------------------------------------- running a job

/// Why a running job stopped before its handler returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interrupt {
    Cancelled,
    /// Another worker holds the job now (this worker's lease ran out).
    LeaseLost,
    /// The server is stopping and the grace period is over.
    Shutdown,
}

/// What a handler sees of its job: its progress and whether to stop.
#[derive(Clone)]
pub struct JobCtx {
    progress: Arc<Mutex<Progress>>,
    interrupt: watch::Sender<Option<Interrupt>>,
}

impl JobCtx {
    fn new() -> Self {
        JobCtx {
            progress: Arc::new(Mutex::new(Progress::default())),
            interrupt: watch::channel(None).0,
        }
    }

    /// Records progress (written to the job with the next heartbeat). Cheap; callable from
    /// synchronous code such as a progress callback.
    pub fn progress(&self, done: i64, total: i64, message: impl Into<String>) {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.done = done;
        p.total = total;
        p.message = message.into();
    }

    fn snapshot(&self) -> Progress {
        self.progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Has the job been asked to stop? Handlers with steps of their own check between them.
    pub fn cancelled(&self) -> bool {
        self.interrupt.borrow().is_some()
    }

    async fn interrupted(&self) -> Interrupt {
        let mut rx = self.interrupt.subscribe();
        loop {
            if let Some(i) = *rx.borrow_and_update() {
                return i;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    fn interrupt(&self, why: Interrupt) {
        self.interrupt.send_if_modified(|cur| {
            if cur.is_none() {
                *cur = Some(why);
                true
            } else {
                false
            }
        });
    }
}

/// The user a job runs as, checked again now (the account may be gone or disabled).
async fn owner(app: &App, job: &Job) -> AppResult<Caller> {
    let gone = || {
        AppError::forbidden(format!(
            "the account that submitted this job ({}) no longer exists or is disabled",
            job.owner
        ))
    };
    let id = job.owner_id.as_deref().ok_or_else(gone)?;
    let user = app.store.get_user(id).await?.ok_or_else(gone)?;
    if user.disabled {
        return Err(gone());
    }
    Ok(Caller::new(user))
}

/// The handler of each kind.
async fn run(app: &App, ctx: &JobCtx, job: &Job) -> AppResult<Value> {
    match JobKind::parse(&job.kind) {
        Some(JobKind::MspdiImport) => import(app, ctx, job).await,
        Some(JobKind::PortfolioSchedule) => portfolio(app, ctx, job).await,
        Some(JobKind::OutboxFlush) => crate::mail::flush(app, ctx).await,
        Some(JobKind::Housekeeping) => housekeeping(app, ctx).await,
        Some(JobKind::TimeWatch) => {
            ctx.progress(0, 1, "locking periods and sending timesheet reminders");
            let done = crate::time_watch::watch(app, chrono::Utc::now()).await?;
            ctx.progress(1, 1, "done");
            Ok(done)
        }
        None => Err(AppError::internal(format!(
            "no handler for jobs of kind '{}'",
            job.kind
        ))),
    }
}

fn import_payload(job: &Job) -> AppResult<ImportPayload> {
    serde_json::from_value(job.payload.clone())
        .map_err(|e| AppError::internal(format!("import job {}: bad payload: {e}", job.id)))
}

/// The project an earlier attempt of this import job made, if it committed before its worker
/// died: the job's code, made after the job was submitted, by its owner, from its file.
async fn imported_before(app: &App, job: &Job) -> AppResult<Option<Value>> {
    let p = import_payload(job)?;
    let Some(project) = app.store.project_by_code(&p.code).await? else {
        return Ok(None);
    };
    let Some(src) = app.store.project_source(&project.id).await? else {
        return Ok(None);
    };
    if project.created_at < job.created_at
        || src.imported_by != job.owner
        || src.file_name != p.file_name
    {
        return Ok(None);
    }
    Ok(Some(json!({
        "project_id": project.id,
        "code": project.code,
        "report": src.report,
    })))
}

async fn import(app: &App, ctx: &JobCtx, job: &Job) -> AppResult<Value> {
    let p = import_payload(job)?;
    let caller = owner(app, job).await?;
    if job.attempts > 1 {
        if let Some(done) = imported_before(app, job).await? {
            return Ok(done);
        }
    }
    let bytes = app.store.job_input(&job.id).await?.ok_or_else(|| {
        AppError::internal(format!("import job {}: the uploaded file is gone", job.id))
    })?;
    let opts = ImportOptions {
        site_id: p.site_id.clone(),
        business_unit_id: p.business_unit_id.clone(),
        code: Some(p.code.clone()),
        create_people: p.create_people,
        file_name: p.file_name.clone(),
    };
    let progress = |stage: Stage, done: usize, total: usize| {
        let what = match stage {
            Stage::Reading => "reading the file",
            Stage::Mapping => "mapping the plan",
            Stage::Writing => "writing the project",
        };
        ctx.progress(done as i64, total as i64, what);
    };
    match Svc::new(app, &caller)
        .import_mspdi(bytes, &opts, &progress)
        .await
    {
        Ok((project, report)) => Ok(json!({
            "project_id": project.id,
            "code": project.code,
            "report": report,
        })),
        Err(e) if e.kind == ErrorKind::Conflict => match imported_before(app, job).await? {
            Some(done) => Ok(done),
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

async fn portfolio(app: &App, ctx: &JobCtx, job: &Job) -> AppResult<Value> {
    let caller = owner(app, job).await?;
    ctx.progress(0, 1, "scheduling and leveling the portfolio");
    let done = Svc::new(app, &caller).schedule_portfolio().await?;
    let runs: Vec<Value> = done
        .runs
        .iter()
        .map(|r| {
            json!({"project_id": r.project_id, "run": r.run, "changed": r.changed,
                   "conflicts": r.conflicts})
        })
        .collect();
    let mut message = format!("{} projects scheduled", runs.len());
    if !done.left_out.is_empty() {
        message.push_str(&format!(", {} left out", done.left_out.len()));
    }
    ctx.progress(1, 1, message);
    Ok(json!({ "runs": runs, "left_out": done.left_out }))
}

async fn housekeeping(app: &App, ctx: &JobCtx) -> AppResult<Value> {
    let ago = |d: chrono::Duration| {
        (chrono::Utc::now() - d).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    };
    ctx.progress(0, 1, "deleting expired sessions and old records");
    let h = app
        .store
        .housekeeping(
            &ago(chrono::Duration::days(1)),
            &ago(chrono::Duration::days(30)),
        )
        .await?;
    ctx.progress(1, 1, "done");
    serde_json::to_value(h).map_err(AppError::internal)
}

/// The delay before retrying after a passing failure: 5 s, 10 s, 20 s ... at most 5 minutes.
fn retry_delay(attempts: i64) -> Duration {
    let exp = attempts.clamp(1, 7) as u32 - 1;
    Duration::from_secs((5u64 << exp).min(300))
}

/// Runs one claimed job to its end and records the outcome.
async fn run_claimed(app: &App, worker: &str, job: Job, stop: &watch::Receiver<bool>) {
    let settings = app.jobs.clone();
    let ctx = JobCtx::new();
    ctx.progress(0, 0, "started");
    // Heartbeat: renew the lease, write the progress, notice a cancellation or a lost lease.
    let beat = {
        let (app, ctx, id, worker) = (app.clone(), ctx.clone(), job.id.clone(), worker.to_string());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(settings.heartbeat()).await;
                match app
                    .store
                    .heartbeat_job(&id, &worker, settings.lease, &ctx.snapshot())
                    .await
                {
                    Ok(Some(true)) => ctx.interrupt(Interrupt::Cancelled),
                    Ok(Some(false)) => {}
                    Ok(None) => {
                        ctx.interrupt(Interrupt::LeaseLost);
                        break;
                    }
                    Err(e) => tracing::warn!(job = %id, error = %e, "job heartbeat failed"),
                }
            }
        })
    };
    // Shutdown: let the job finish within the grace period, then interrupt it.
    let grace = {
        let (ctx, mut stop, grace) = (ctx.clone(), stop.clone(), app.jobs.shutdown_grace);
        tokio::spawn(async move {
            while !*stop.borrow_and_update() {
                if stop.changed().await.is_err() {
                    return;
                }
            }
            tokio::time::sleep(grace).await;
            ctx.interrupt(Interrupt::Shutdown);
        })
    };
    if job.cancel_requested {
        ctx.interrupt(Interrupt::Cancelled);
    }
    let started = Instant::now();
    let result = tokio::select! {
        r = run(app, &ctx, &job) => Ok(r),
        i = ctx.interrupted() => Err(i),
    };
    beat.abort();
    grace.abort();
    let kind = JobKind::parse(&job.kind);
    let outcome = match result {
        Ok(Ok(v)) => {
            let mut p = ctx.snapshot();
            p.done = p.total.max(p.done);
            p.message = "done".into();
            ctx.progress(p.done, p.total, p.message);
            JobOutcome::Done(v)
        }
        Ok(Err(e)) if e.kind == ErrorKind::Unavailable && job.attempts < job.max_attempts => {
            JobOutcome::Retry {
                error: error_json(&e),
                run_at: time_after(retry_delay(job.attempts)),
            }
        }
        Ok(Err(e)) => JobOutcome::Failed(error_json(&e)),
        Err(Interrupt::Cancelled) => {
            // The import may have committed just before it was stopped: then it is done.
            let made = if kind == Some(JobKind::MspdiImport) {
                imported_before(app, &job).await.ok().flatten()
            } else {
                None
            };
            match made {
                Some(v) => JobOutcome::Done(v),
                None => {
                    ctx.progress(0, 0, "cancelled");
                    JobOutcome::Cancelled
                }
            }
        }
        Err(Interrupt::LeaseLost) => {
            tracing::warn!(job = %job.id, worker, "lost the lease of a running job; another worker has it");
            return;
        }
        Err(Interrupt::Shutdown) => {
            if let Err(e) = app.store.release_job(&job.id, worker).await {
                tracing::warn!(job = %job.id, error = %e, "could not queue an interrupted job again");
            }
            return;
        }
    };
    match app
        .store
        .finish_job(&job.id, worker, &outcome, &ctx.snapshot())
        .await
    {
        Ok(true) => tracing::info!(
            job = %job.id, kind = %job.kind, worker,
            outcome = match &outcome {
                JobOutcome::Done(_) => "done",
                JobOutcome::Failed(_) => "failed",
                JobOutcome::Cancelled => "cancelled",
                JobOutcome::Retry { .. } => "retry",
            },
            ms = started.elapsed().as_millis() as u64,
            "job ended"
        ),
        Ok(false) => {
            tracing::warn!(job = %job.id, "job ended after its lease was lost; outcome dropped")
        }
        Err(e) => tracing::error!(job = %job.id, error = %e, "could not record the end of a job"),
    }
}

// ---------------------------------------------------------------- the pool

/// The kinds this process can run: sending mail needs an SMTP server.
pub fn runnable_kinds(app: &App) -> Vec<&'static str> {
    JobKind::ALL
        .into_iter()
        .filter(|k| *k != JobKind::OutboxFlush || app.mail.smtp.is_some())
        .map(JobKind::as_str)
        .collect()
}

/// Workers and the scheduler of one process. Dropping it does not stop them: call
/// [`WorkerPool::shutdown`].
pub struct WorkerPool {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

fn worker_name(i: usize) -> String {
    let id = uuid::Uuid::now_v7().simple().to_string();
    format!("w{}-{i}-{}", std::process::id(), &id[id.len() - 8..])
}

async fn worker_loop(app: App, name: String, mut stop: watch::Receiver<bool>) {
    let kinds = runnable_kinds(&app);
    let settings = app.jobs.clone();
    let mut last_sweep: Option<Instant> = None;
    tracing::debug!(worker = %name, ?kinds, "job worker started");
    while !*stop.borrow() {
        if last_sweep.is_none_or(|t| t.elapsed() >= settings.lease / 2) {
            last_sweep = Some(Instant::now());
            match app.store.fail_abandoned_jobs().await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(n, "gave up jobs whose workers kept dying"),
                Err(e) => tracing::warn!(error = %e, "could not check abandoned jobs"),
            }
        }
        match app.store.claim_job(&kinds, &name, settings.lease).await {
            Ok(Some(job)) => {
                tracing::info!(job = %job.id, kind = %job.kind, worker = %name, attempt = job.attempts, "job claimed");
                run_claimed(&app, &name, job, &stop).await;
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not look for jobs"),
        }
        tokio::select! {
            _ = stop.changed() => {}
            _ = app.wake.notified() => {}
            _ = tokio::time::sleep(settings.poll) => {}
        }
    }
    tracing::debug!(worker = %name, "job worker stopped");
}

/// The built-in recurring jobs, created once per database (in UTC).
pub fn builtin_schedules() -> Vec<(&'static str, JobKind, &'static str)> {
    vec![
        ("housekeeping", JobKind::Housekeeping, "every day 03:00"),
        // Mail is sent as soon as it is queued; this catches what waits for a retry.
        ("outbox_flush", JobKind::OutboxFlush, "every 10 minutes"),
        // Each site's lock and reminders, read in its own time zone.
        ("time_watch", JobKind::TimeWatch, "every 15 minutes"),
    ]
}

/// Creates the built-in recurring jobs that do not exist yet.
pub async fn ensure_builtin_schedules(app: &App) -> AppResult<()> {
    let now = chrono::Utc::now();
    for (name, kind, spec) in builtin_schedules() {
        let r = Recurrence::parse(spec).map_err(AppError::internal)?;
        let next = r
            .next_after(now, chrono_tz::UTC)
            .ok_or_else(|| AppError::internal(format!("{spec} never runs")))?;
        app.store
            .ensure_schedule(
                &Actor::system("scheduler"),
                &NewSchedule {
                    name: name.into(),
                    kind: kind.as_str().into(),
                    spec: spec.into(),
                    time_zone: "UTC".into(),
                    payload: json!({}),
                    owner_id: None,
                    owner_label: "system".into(),
                    next_run_at: stamp(next),
                },
            )
            .await?;
    }
    Ok(())
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Enqueues the due runs of recurring jobs this process can run; returns how many it
/// enqueued (another server may have enqueued some of the due runs first).
pub async fn fire_due_schedules(app: &App) -> AppResult<usize> {
    let kinds = runnable_kinds(app);
    let now = chrono::Utc::now();
    let mut fired = 0;
    for s in app.store.due_schedules(&kinds, &stamp(now)).await? {
        let next = Recurrence::parse(&s.spec).ok().and_then(|r| {
            let tz: chrono_tz::Tz = s.time_zone.parse().ok()?;
            r.next_after(now, tz)
        });
        let Some(next) = next else {
            tracing::error!(schedule = %s.name, spec = %s.spec, tz = %s.time_zone,
                "a recurring job has a spec or time zone that gives no next run; skipped");
            continue;
        };
        let kind = JobKind::parse(&s.kind);
        let job = NewJob {
            kind: s.kind.clone(),
            owner_id: s.owner_id.clone(),
            owner_label: s.owner.clone(),
            payload: s.payload.clone(),
            input: None,
            // A run still queued (no worker free, or none that can run it) is not doubled.
            dedupe_key: Some(if kind == Some(JobKind::OutboxFlush) {
                pso_store::outbox::FLUSH_KIND.to_string()
            } else {
                format!("schedule:{}", s.id)
            }),
            schedule_id: Some(s.id.clone()),
            max_attempts: kind.map(JobKind::max_attempts).unwrap_or(1),
            run_at: None,
        };
        if app
            .store
            .fire_schedule(&Actor::system("scheduler"), &s, &stamp(next), &job)
            .await?
            .is_some()
        {
            fired += 1;
            app.wake.notify_one();
        }
    }
    Ok(fired)
}

async fn scheduler_loop(app: App, mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        if let Err(e) = fire_due_schedules(&app).await {
            tracing::warn!(error = %e, "could not enqueue recurring jobs");
        }
        tokio::select! {
            _ = stop.changed() => {}
            _ = tokio::time::sleep(app.jobs.scheduler_interval) => {}
        }
    }
}

impl WorkerPool {
    /// Starts the workers and the scheduler of `app.jobs` (none when it has no workers),
    /// after creating the built-in recurring jobs that do not exist yet.
    pub async fn start(app: &App) -> WorkerPool {
        let scheduler = app.jobs.workers > 0 && !app.jobs.scheduler_interval.is_zero();
        if scheduler {
            if let Err(e) = ensure_builtin_schedules(app).await {
                tracing::warn!(error = %e, "could not create the built-in recurring jobs");
            }
        }
        let (stop, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        for i in 0..app.jobs.workers {
            tasks.push(tokio::spawn(worker_loop(
                app.clone(),
                worker_name(i),
                rx.clone(),
            )));
        }
        if scheduler {
            tasks.push(tokio::spawn(scheduler_loop(app.clone(), rx)));
        }
        WorkerPool { stop, tasks }
    }

    /// Stops taking work, lets running jobs finish within the grace period (then queues them
    /// again) and waits for the workers.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_retries_back_off() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(JobKind::parse("nope"), None);
        assert_eq!(retry_delay(1), Duration::from_secs(5));
        assert_eq!(retry_delay(2), Duration::from_secs(10));
        assert_eq!(retry_delay(50), Duration::from_secs(300));
    }

    #[test]
    fn heartbeats_fit_in_the_lease() {
        let s = JobSettings {
            lease: Duration::from_secs(2),
            ..Default::default()
        };
        assert!(s.heartbeat() * 2 < s.lease);
        assert!(JobSettings::default().heartbeat() <= Duration::from_millis(750));
    }

    #[test]
    fn builtin_specs_parse() {
        for (_, _, spec) in builtin_schedules() {
            assert!(Recurrence::parse(spec).is_ok(), "{spec}");
        }
    }
}
