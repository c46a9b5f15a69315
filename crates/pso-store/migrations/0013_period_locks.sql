-- A site's period lock (issue 10): time dated on or before `through` can no longer be written,
-- submitted or reopened. One lock per site; it moves forward (an administrator may move it back).
CREATE TABLE site_period_locks (
    site_id TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    through TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);
