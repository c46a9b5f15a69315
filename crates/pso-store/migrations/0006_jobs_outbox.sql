-- Background jobs, recurring schedules and the outgoing mail outbox.
--
-- jobs: one row per piece of long work. A worker claims a job by setting state = 'running',
-- its own name in `worker` and a lease (`lease_until`) that it renews while it runs; a running
-- job whose lease has run out belongs to a worker that died and is claimed again. `input` holds
-- an uploaded file (BYTEA: a blob on both engines) until the job has finished. `dedupe_key`
-- keeps at most one queued job per key (the unique index covers queued rows only).
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    owner_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    owner_label TEXT NOT NULL,
    payload TEXT NOT NULL,
    input BYTEA,
    dedupe_key TEXT,
    schedule_id TEXT,
    progress_done BIGINT NOT NULL,
    progress_total BIGINT NOT NULL,
    progress_message TEXT NOT NULL,
    result TEXT,
    error TEXT,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    cancel_requested BIGINT NOT NULL,
    run_at TEXT NOT NULL,
    lease_until TEXT,
    worker TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_queue ON jobs(state, run_at);
CREATE INDEX jobs_lease ON jobs(state, lease_until);
CREATE INDEX jobs_owner ON jobs(owner_id, id);
CREATE UNIQUE INDEX jobs_dedupe ON jobs(dedupe_key) WHERE state = 'queued';

-- schedules: recurring jobs. `spec` is a cron expression or an "every Monday 08:00" phrase,
-- read in `time_zone` (IANA); `next_run_at` is the next run in UTC. A scheduler enqueues a due
-- run by moving `next_run_at` on from the value it read (compare and set) and inserting the job
-- in the same transaction, so one run is enqueued once however many servers look.
CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    payload TEXT NOT NULL,
    owner_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    owner_label TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    next_run_at TEXT NOT NULL,
    last_run_at TEXT,
    last_job_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX schedules_due ON schedules(enabled, next_run_at);

-- outbox: every outgoing e-mail, queued first and sent by a job. A sender claims a message by
-- moving `next_attempt_at` past the time of its attempt (compare and set) and counting the
-- attempt; a failure sets the next attempt after a backoff, or `failed` when attempts run out.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    last_error TEXT,
    next_attempt_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
