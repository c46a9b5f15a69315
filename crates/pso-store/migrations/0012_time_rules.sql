-- A site's time rules (issue 10), dated: each version is in force from `valid_from` until the
-- next one. Setting a version from a date replaces the versions from that date on; timesheet
-- entries are checked against the version in force on their own date.
CREATE TABLE site_time_rules (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    valid_from TEXT NOT NULL,
    max_minutes_per_day BIGINT,
    max_minutes_per_week BIGINT,
    weekend TEXT NOT NULL,
    holiday TEXT NOT NULL,
    only_assigned_tasks BIGINT NOT NULL,
    within_task_dates TEXT NOT NULL,
    submit_by TEXT,
    lock_after_days BIGINT,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (site_id, valid_from)
);
