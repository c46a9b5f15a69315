-- Computed schedules, schedule runs and baselines.

CREATE TABLE task_schedules (
    task_id TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    start_at TEXT NOT NULL,
    finish_at TEXT NOT NULL,
    total_float_minutes BIGINT NOT NULL,
    free_float_minutes BIGINT NOT NULL,
    critical BIGINT NOT NULL,
    is_group BIGINT NOT NULL,
    why TEXT NOT NULL,
    segments TEXT NOT NULL
);
CREATE INDEX task_schedules_project ON task_schedules(project_id);

CREATE TABLE schedule_runs (
    id TEXT PRIMARY KEY,
    project_id TEXT REFERENCES projects(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    finish_at TEXT,
    summary TEXT NOT NULL
);
CREATE INDEX schedule_runs_project ON schedule_runs(project_id, id);

CREATE TABLE baselines (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE baseline_tasks (
    baseline_id TEXT NOT NULL REFERENCES baselines(id) ON DELETE CASCADE,
    task_id TEXT NOT NULL,
    name TEXT NOT NULL,
    start_at TEXT NOT NULL,
    finish_at TEXT NOT NULL,
    PRIMARY KEY (baseline_id, task_id)
);
