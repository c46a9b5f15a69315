-- Timesheets (issue 10): one per person and ISO week (`2027-W03`). `site_id` is the person's
-- site when the sheet was last saved (lists by site). `state` is draft, submitted or approved;
-- `rejection` holds the last rejection or reopening (JSON) until the sheet is submitted again.
CREATE TABLE timesheets (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    week TEXT NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites(id),
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    total_minutes BIGINT NOT NULL,
    rejection TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    approved_at TEXT,
    PRIMARY KEY (person_id, week)
);
CREATE INDEX timesheets_site_week ON timesheets(site_id, week, state);
CREATE INDEX timesheets_state_week ON timesheets(state, week);

-- A sheet's entries, in the order written. Tasks are kept by id (a deleted task leaves its
-- booked time, named by id); `project_id` is the task's project when the entry was written.
CREATE TABLE timesheet_entries (
    person_id TEXT NOT NULL,
    week TEXT NOT NULL,
    line BIGINT NOT NULL,
    task_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    date TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    comment TEXT NOT NULL,
    PRIMARY KEY (person_id, week, line),
    FOREIGN KEY (person_id, week) REFERENCES timesheets(person_id, week) ON DELETE CASCADE
);
CREATE INDEX timesheet_entries_project ON timesheet_entries(project_id, date);
CREATE INDEX timesheet_entries_task ON timesheet_entries(task_id, date);

-- Progress reported on a sheet; it becomes the task's when the sheet is approved.
CREATE TABLE timesheet_progress (
    person_id TEXT NOT NULL,
    week TEXT NOT NULL,
    task_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    percent_complete BIGINT NOT NULL,
    remaining_minutes BIGINT,
    PRIMARY KEY (person_id, week, task_id),
    FOREIGN KEY (person_id, week) REFERENCES timesheets(person_id, week) ON DELETE CASCADE
);

-- A submitted sheet's project lines: each is approved by its project's manager or PSO.
CREATE TABLE timesheet_lines (
    person_id TEXT NOT NULL,
    week TEXT NOT NULL,
    project_id TEXT NOT NULL,
    state TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    PRIMARY KEY (person_id, week, project_id),
    FOREIGN KEY (person_id, week) REFERENCES timesheets(person_id, week) ON DELETE CASCADE
);
CREATE INDEX timesheet_lines_inbox ON timesheet_lines(project_id, state, week);

-- A task's progress: from approved sheets, or set by its project's manager. Actual start and
-- finish are the first and last days time was booked on it (the finish once it is complete).
CREATE TABLE task_progress (
    task_id TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    percent_complete BIGINT NOT NULL,
    remaining_minutes BIGINT,
    actual_start TEXT,
    actual_finish TEXT,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);
CREATE INDEX task_progress_project ON task_progress(project_id);

-- The day up to which a project's progress is reported: work before it stays where it was
-- booked, remaining work is scheduled from it. None: not tracked yet.
ALTER TABLE projects ADD COLUMN status_date TEXT;

-- Reminders sent for a site's week (once per site and week).
CREATE TABLE timesheet_reminders (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    week TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    people BIGINT NOT NULL,
    PRIMARY KEY (site_id, week)
);

-- A person's line manager (named in the missing-sheets list and its reminders).
ALTER TABLE people ADD COLUMN manager_id TEXT REFERENCES people(id) ON DELETE SET NULL;
