//! The job queue and the recurring schedules in SQL (the rules live in `pso_app::jobs`).
//!
//! - **Claiming** ([`Store::claim_job`]) is one write transaction that selects the oldest
//!   claimable job and marks it running with this worker's name and a lease. On PostgreSQL the
//!   select takes the row with `FOR UPDATE SKIP LOCKED`, so servers sharing the database never
//!   wait on each other and never take the same job; on SQLite the transaction holds the
//!   database's write lock ([`Store::begin_write`]), which serialises the claims. Every claim
//!   counts an attempt in the same statement, so a job claimed twice shows it.
//! - **Leases.** A running job whose `lease_until` has passed belongs to a worker that died: it
//!   is claimable again, until its attempts are used up ([`Store::fail_abandoned_jobs`] then
//!   ends it as failed with a message). Workers renew the lease ([`Store::heartbeat_job`]);
//!   every later write of the worker is conditional on `worker = me AND state = 'running'`, so a
//!   worker that lost its lease cannot overwrite the new owner's outcome.
//! - **Schedules** are fired by compare-and-set on `next_run_at` in the transaction that inserts
//!   the job ([`Store::fire_schedule`]): exactly one server wins each run.
//! - Submissions and cancellations are written with their audit event.

use crate::{audit, corrupt, new_id, now, page, Actor, Backend, Page, Result, Store, StoreError};
use pso_domain::jobs::{Job, JobState, Progress, Schedule};
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::time::Duration;

/// The columns of a job, without the uploaded input.
const JOB_COLS: &str = "id, version, kind, state, owner_id, owner_label, payload, schedule_id, \
    progress_done, progress_total, progress_message, result, error, attempts, max_attempts, \
    cancel_requested, run_at, lease_until, created_at, started_at, finished_at, updated_at";

/// UTC now plus `d`, in the stored format (comparable as text with [`now`]).
pub fn time_after(d: Duration) -> String {
    let d = chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(36500));
    (chrono::Utc::now() + d).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    /// The submitting user (`None`: the system).
    pub owner_id: Option<String>,
    pub owner_label: String,
    pub payload: Value,
    /// An uploaded file the job reads (kept until the job has finished).
    pub input: Option<Vec<u8>>,
    /// At most one queued job per key: a second submission is dropped (its earlier run time
    /// moves the queued job forward).
    pub dedupe_key: Option<String>,
    pub schedule_id: Option<String>,
    pub max_attempts: i64,
    /// Not before (UTC, stored format); `None`: now.
    pub run_at: Option<String>,
}

/// How a worker ends a job it holds.
#[derive(Debug, Clone)]
pub enum JobOutcome {
    Done(Value),
    Failed(Value),
    Cancelled,
    /// A passing failure (database or mail server away): queued again for `run_at`.
    Retry {
        error: Value,
        run_at: String,
    },
}

/// A recurring job to create if no schedule of that name exists.
#[derive(Debug, Clone)]
pub struct NewSchedule {
    pub name: String,
    pub kind: String,
    pub spec: String,
    pub time_zone: String,
    pub payload: Value,
    pub owner_id: Option<String>,
    pub owner_label: String,
    pub next_run_at: String,
}

/// What housekeeping removed.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Housekeeping {
    pub expired_sessions: u64,
    pub old_login_failures: u64,
    pub old_jobs: u64,
}

fn opt_json(r: &AnyRow, col: &str) -> Result<Option<Value>> {
    let s: Option<String> = r.try_get(col)?;
    s.map(|s| serde_json::from_str(&s).map_err(|e| corrupt(col, e)))
        .transpose()
}

fn to_text(v: &Value) -> String {
    v.to_string()
}

pub(crate) fn job_from_row(r: &AnyRow) -> Result<Job> {
    let state: String = r.try_get("state")?;
    Ok(Job {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        kind: r.try_get("kind")?,
        state: JobState::parse(&state).ok_or_else(|| corrupt("jobs.state", &state))?,
        owner_id: r.try_get("owner_id")?,
        owner: r.try_get("owner_label")?,
        payload: crate::json_col(r, "payload")?,
        progress: Progress {
            done: r.try_get("progress_done")?,
            total: r.try_get("progress_total")?,
            message: r.try_get("progress_message")?,
        },
        result: opt_json(r, "result")?,
        error: opt_json(r, "error")?,
        attempts: r.try_get("attempts")?,
        max_attempts: r.try_get("max_attempts")?,
        cancel_requested: r.try_get::<i64, _>("cancel_requested")? != 0,
        run_at: r.try_get("run_at")?,
        lease_until: r.try_get("lease_until")?,
        schedule_id: r.try_get("schedule_id")?,
        created_at: r.try_get("created_at")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn schedule_from_row(r: &AnyRow) -> Result<Schedule> {
    Ok(Schedule {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        spec: r.try_get("spec")?,
        time_zone: r.try_get("time_zone")?,
        payload: crate::json_col(r, "payload")?,
        owner_id: r.try_get("owner_id")?,
        owner: r.try_get("owner_label")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        next_run_at: r.try_get("next_run_at")?,
        last_run_at: r.try_get("last_run_at")?,
        last_job_id: r.try_get("last_job_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

async fn job_in(c: &mut AnyConnection, id: &str) -> Result<Option<Job>> {
    let r = sqlx::query(&format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1"))
        .bind(id)
        .fetch_optional(c)
        .await?;
    r.map(|r| job_from_row(&r)).transpose()
}

/// `$first, $first+1, ...` for `n` bound values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Enqueues a job inside the caller's write transaction, with its audit event. `None` when a
/// queued job with the same dedupe key exists (no new job, nothing audited).
pub async fn enqueue_job_tx(
    tx: &mut AnyConnection,
    actor: &Actor,
    job: &NewJob,
) -> Result<Option<String>> {
    let id = new_id();
    let t = now();
    let run_at = job.run_at.clone().unwrap_or_else(|| t.clone());
    let inserted = sqlx::query(
        "INSERT INTO jobs (id, version, kind, state, owner_id, owner_label, payload, input, \
         dedupe_key, schedule_id, progress_done, progress_total, progress_message, attempts, \
         max_attempts, cancel_requested, run_at, created_at, updated_at) \
         VALUES ($1, 1, $2, 'queued', $3, $4, $5, $6, $7, $8, 0, 0, 'queued', 0, $9, 0, $10, \
         $11, $11) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(&job.kind)
    .bind(job.owner_id.clone())
    .bind(&job.owner_label)
    .bind(to_text(&job.payload))
    .bind(job.input.clone())
    .bind(job.dedupe_key.clone())
    .bind(job.schedule_id.clone())
    .bind(job.max_attempts.max(1))
    .bind(&run_at)
    .bind(&t)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        if let Some(k) = &job.dedupe_key {
            sqlx::query(
                "UPDATE jobs SET run_at = $1, updated_at = $2 WHERE dedupe_key = $3 \
                 AND state = 'queued' AND run_at > $1",
            )
            .bind(&run_at)
            .bind(&t)
            .bind(k)
            .execute(&mut *tx)
            .await?;
        }
        return Ok(None);
    }
    let after = json!({
        "kind": job.kind,
        "payload": job.payload,
        "input_bytes": job.input.as_ref().map(|b| b.len()),
        "run_at": run_at,
        "schedule_id": job.schedule_id,
    });
    audit(tx, actor, "submit", "job", &id, None, None, Some(&after)).await?;
    Ok(Some(id))
}

impl Store {
    /// Enqueues a job with its audit event; the job as stored, or `None` when a queued job with
    /// the same dedupe key already exists.
    pub async fn enqueue_job(&self, actor: &Actor, job: &NewJob) -> Result<Option<Job>> {
        let mut tx = self.begin_write().await?;
        let id = enqueue_job_tx(&mut tx, actor, job).await?;
        let out = match &id {
            Some(id) => job_in(&mut tx, id).await?,
            None => None,
        };
        tx.commit().await?;
        Ok(out)
    }

    pub async fn get_job(&self, id: &str) -> Result<Option<Job>> {
        let mut c = self.pool().acquire().await?;
        job_in(&mut c, id).await
    }

    /// Jobs newest first: one owner's, or everyone's (`None`).
    pub async fn list_jobs(
        &self,
        owner_id: Option<&str>,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<Job>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLS} FROM jobs WHERE ($1 = 0 OR owner_id = $2) \
             AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4"
        ))
        .bind(owner_id.is_some() as i64)
        .bind(owner_id.unwrap_or(""))
        .bind(cursor.unwrap_or(""))
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        page(rows, limit, job_from_row)
    }

    /// The uploaded input of a job (until it has finished).
    pub async fn job_input(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let r = sqlx::query("SELECT input FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        match r {
            Some(r) => Ok(r.try_get::<Option<Vec<u8>>, _>("input")?),
            None => Err(StoreError::NotFound),
        }
    }

    /// Claims the oldest claimable job of one of `kinds` for `worker`: a queued job whose time
    /// has come, or a running job whose lease ran out (its worker died) with attempts left.
    pub async fn claim_job(
        &self,
        kinds: &[&str],
        worker: &str,
        lease: Duration,
    ) -> Result<Option<Job>> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let where_ = format!(
            "kind IN ({}) AND ((state = 'queued' AND run_at <= $1) OR (state = 'running' \
             AND lease_until < $1 AND attempts < max_attempts))",
            placeholders(2, kinds.len())
        );
        let t = now();
        // A cheap look first, so idle workers do not take the write lock on every poll.
        let peek = format!("SELECT id FROM jobs WHERE {where_} LIMIT 1");
        let mut q = sqlx::query(&peek).bind(&t);
        for k in kinds {
            q = q.bind(k.to_string());
        }
        if q.fetch_optional(self.pool()).await?.is_none() {
            return Ok(None);
        }
        let lock = if self.backend() == Backend::Postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let mut tx = self.begin_write().await?;
        let t = now();
        let pick = format!("SELECT id FROM jobs WHERE {where_} ORDER BY run_at, id LIMIT 1{lock}");
        let mut q = sqlx::query(&pick).bind(&t);
        for k in kinds {
            q = q.bind(k.to_string());
        }
        let Some(row) = q.fetch_optional(&mut *tx).await? else {
            tx.commit().await?;
            return Ok(None);
        };
        let id: String = row.try_get("id")?;
        let n = sqlx::query(
            "UPDATE jobs SET state = 'running', worker = $1, lease_until = $2, \
             attempts = attempts + 1, started_at = COALESCE(started_at, $3), \
             progress_message = 'started', updated_at = $3, version = version + 1 \
             WHERE id = $4 AND (state = 'queued' OR (state = 'running' AND lease_until < $3))",
        )
        .bind(worker)
        .bind(time_after(lease))
        .bind(&t)
        .bind(&id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let job = if n == 1 {
            job_in(&mut tx, &id).await?
        } else {
            None
        };
        tx.commit().await?;
        Ok(job)
    }

    /// Ends, as failed, the running jobs whose lease ran out with no attempt left (their worker
    /// died each time). Returns how many.
    pub async fn fail_abandoned_jobs(&self) -> Result<u64> {
        let t = now();
        let err = json!({
            "code": "interrupted",
            "detail": "the job was interrupted each time it ran (its server stopped or lost \
                       the database); it was given up",
            "errors": [],
        });
        Ok(self.write(sqlx::query(
            "UPDATE jobs SET state = 'failed', error = $1, finished_at = $2, updated_at = $2, \
             lease_until = NULL, input = NULL, version = version + 1 \
             WHERE state = 'running' AND lease_until < $2 AND attempts >= max_attempts",
        )
        .bind(err.to_string())
        .bind(&t)
        )
        .await?
        .rows_affected())
    }

    /// Renews the lease of a job `worker` holds and records its progress. `None`: the worker
    /// no longer holds the job (its lease ran out and another worker took it, or it ended);
    /// otherwise whether a cancellation was requested.
    pub async fn heartbeat_job(
        &self,
        id: &str,
        worker: &str,
        lease: Duration,
        progress: &Progress,
    ) -> Result<Option<bool>> {
        let r = self
            .write_returning(
                sqlx::query(
                    "UPDATE jobs SET lease_until = $1, progress_done = $2, progress_total = $3, \
             progress_message = $4, updated_at = $5 \
             WHERE id = $6 AND worker = $7 AND state = 'running' RETURNING cancel_requested",
                )
                .bind(time_after(lease))
                .bind(progress.done)
                .bind(progress.total)
                .bind(&progress.message)
                .bind(now())
                .bind(id)
                .bind(worker),
            )
            .await?;
        Ok(match r {
            Some(r) => Some(r.try_get::<i64, _>("cancel_requested")? != 0),
            None => None,
        })
    }

    /// Ends a job `worker` holds. `false` when it no longer holds it (nothing written).
    pub async fn finish_job(
        &self,
        id: &str,
        worker: &str,
        outcome: &JobOutcome,
        progress: &Progress,
    ) -> Result<bool> {
        let t = now();
        let (state, result, error, run_at) = match outcome {
            JobOutcome::Done(v) => ("done", Some(to_text(v)), None, None),
            JobOutcome::Failed(e) => ("failed", None, Some(to_text(e)), None),
            JobOutcome::Cancelled => ("cancelled", None, None, None),
            JobOutcome::Retry { error, run_at } => {
                ("queued", None, Some(to_text(error)), Some(run_at.clone()))
            }
        };
        let finished = state != "queued";
        let n = self
            .write(
                sqlx::query(
                    "UPDATE jobs SET state = $1, result = $2, error = $3, \
             run_at = COALESCE($4, run_at), lease_until = NULL, \
             worker = CASE WHEN $5 = 1 THEN worker ELSE NULL END, \
             finished_at = CASE WHEN $5 = 1 THEN $6 ELSE NULL END, \
             input = CASE WHEN $5 = 1 THEN NULL ELSE input END, \
             progress_done = $7, progress_total = $8, progress_message = $9, \
             updated_at = $6, version = version + 1 \
             WHERE id = $10 AND worker = $11 AND state = 'running'",
                )
                .bind(state)
                .bind(result)
                .bind(error)
                .bind(run_at)
                .bind(finished as i64)
                .bind(&t)
                .bind(progress.done)
                .bind(progress.total)
                .bind(&progress.message)
                .bind(id)
                .bind(worker),
            )
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Gives a job back to the queue (the worker is shutting down before it finished).
    pub async fn release_job(&self, id: &str, worker: &str) -> Result<()> {
        let t = now();
        self.write(
            sqlx::query(
                "UPDATE jobs SET state = 'queued', worker = NULL, lease_until = NULL, \
             progress_message = 'queued again: its server stopped', updated_at = $1, \
             version = version + 1 WHERE id = $2 AND worker = $3 AND state = 'running'",
            )
            .bind(&t)
            .bind(id)
            .bind(worker),
        )
        .await?;
        Ok(())
    }

    /// Cancels a job: a queued one at once, a running one by asking its worker (which stops at
    /// its next check). A finished job is a conflict. Audited.
    pub async fn cancel_job(&self, actor: &Actor, id: &str) -> Result<Job> {
        let mut tx = self.begin_write().await?;
        let before = job_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        let t = now();
        let n = sqlx::query(
            "UPDATE jobs SET state = 'cancelled', cancel_requested = 1, finished_at = $1, \
             updated_at = $1, input = NULL, progress_message = 'cancelled', \
             version = version + 1 WHERE id = $2 AND state = 'queued'",
        )
        .bind(&t)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let n = if n == 1 {
            1
        } else {
            sqlx::query(
                "UPDATE jobs SET cancel_requested = 1, updated_at = $1, version = version + 1 \
                 WHERE id = $2 AND state = 'running' AND cancel_requested = 0",
            )
            .bind(&t)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        };
        let after = job_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        if n == 0 {
            tx.commit().await?;
            if after.state.is_finished() {
                return Err(StoreError::Conflict {
                    field: "state".into(),
                    message: format!("the job has already ended ({})", after.state.as_str()),
                });
            }
            // Already asked to stop: nothing more to do.
            return Ok(after);
        }
        let view = |j: &Job| json!({"state": j.state, "cancel_requested": j.cancel_requested});
        audit(
            &mut tx,
            actor,
            "cancel",
            "job",
            id,
            None,
            Some(&view(&before)),
            Some(&view(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    // ------------------------------------------------------------ schedules

    /// Creates the schedule unless one of that name exists (audited when created). Returns
    /// whether it was created.
    pub async fn ensure_schedule(&self, actor: &Actor, s: &NewSchedule) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let t = now();
        let n = sqlx::query(
            "INSERT INTO schedules (id, version, name, kind, spec, time_zone, payload, owner_id, \
             owner_label, enabled, next_run_at, created_at, updated_at) \
             VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&id)
        .bind(&s.name)
        .bind(&s.kind)
        .bind(&s.spec)
        .bind(&s.time_zone)
        .bind(to_text(&s.payload))
        .bind(s.owner_id.clone())
        .bind(&s.owner_label)
        .bind(&s.next_run_at)
        .bind(&t)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            let after = json!({"name": s.name, "kind": s.kind, "spec": s.spec,
                "time_zone": s.time_zone, "next_run_at": s.next_run_at});
            audit(
                &mut tx,
                actor,
                "create",
                "schedule",
                &id,
                None,
                None,
                Some(&after),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    pub async fn list_schedules(&self) -> Result<Vec<Schedule>> {
        sqlx::query("SELECT * FROM schedules ORDER BY name")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(schedule_from_row)
            .collect()
    }

    pub async fn schedule_by_name(&self, name: &str) -> Result<Option<Schedule>> {
        sqlx::query("SELECT * FROM schedules WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?
            .map(|r| schedule_from_row(&r))
            .transpose()
    }

    /// Enabled schedules of these kinds whose next run is due at `at`.
    pub async fn due_schedules(&self, kinds: &[&str], at: &str) -> Result<Vec<Schedule>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT * FROM schedules WHERE enabled = 1 AND next_run_at <= $1 AND kind IN ({}) \
             ORDER BY next_run_at",
            placeholders(2, kinds.len())
        );
        let mut q = sqlx::query(&sql).bind(at);
        for k in kinds {
            q = q.bind(k.to_string());
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(schedule_from_row)
            .collect()
    }

    /// Fires a due run of `s`: moves its next run from the value read (`s.next_run_at`) to
    /// `next_run_at` and enqueues `job`, in one transaction. `None` when another scheduler fired
    /// it first (the compare and set found another value) or a run is still queued.
    pub async fn fire_schedule(
        &self,
        actor: &Actor,
        s: &Schedule,
        next_run_at: &str,
        job: &NewJob,
    ) -> Result<Option<String>> {
        let mut tx = self.begin_write().await?;
        let t = now();
        let n = sqlx::query(
            "UPDATE schedules SET next_run_at = $1, last_run_at = $2, updated_at = $2, \
             version = version + 1 WHERE id = $3 AND next_run_at = $4 AND enabled = 1",
        )
        .bind(next_run_at)
        .bind(&t)
        .bind(&s.id)
        .bind(&s.next_run_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            tx.commit().await?;
            return Ok(None);
        }
        let id = enqueue_job_tx(&mut tx, actor, job).await?;
        if let Some(id) = &id {
            sqlx::query("UPDATE schedules SET last_job_id = $1 WHERE id = $2")
                .bind(id)
                .bind(&s.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Deletes expired sessions, login failures recorded before `failures_before` and jobs that
    /// ended before `jobs_before`.
    pub async fn housekeeping(
        &self,
        failures_before: &str,
        jobs_before: &str,
    ) -> Result<Housekeeping> {
        let t = now();
        let mut tx = self.begin_write().await?;
        let expired_sessions = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(&t)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let old_login_failures = sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(failures_before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let old_jobs = sqlx::query(
            "DELETE FROM jobs WHERE state IN ('done', 'failed', 'cancelled') \
             AND finished_at < $1",
        )
        .bind(jobs_before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(Housekeeping {
            expired_sessions,
            old_login_failures,
            old_jobs,
        })
    }
}
