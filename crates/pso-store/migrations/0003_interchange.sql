-- Interchange: the original document of an imported project (for lossless export) and the
-- mapping of its tasks to the source's task UIDs.

CREATE TABLE project_sources (
    project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    format TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    report TEXT NOT NULL,
    resource_map TEXT NOT NULL
);

-- No foreign key to tasks: a row whose task is gone records a task deleted in PSO, which the
-- export then removes from the file (tasks never imported are kept). The other columns are the
-- task as imported: the export changes the file only where PSO's task differs from them.
CREATE TABLE task_sources (
    task_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    source_uid BIGINT NOT NULL,
    parent_id TEXT,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    duration_minutes BIGINT,
    effort_minutes BIGINT,
    milestone BIGINT NOT NULL
);
CREATE INDEX task_sources_project ON task_sources(project_id);
