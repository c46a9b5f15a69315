-- The plan version of a project: bumped by every change to its tasks, dependencies or
-- assignments (the same statement that locks the project row for the change). A scheduling run
-- reads it before the plan and saves its dates only if it is unchanged, so a run never stores
-- dates computed from a plan that has changed since (409 `plan_changed`).
ALTER TABLE projects ADD COLUMN plan_version BIGINT NOT NULL DEFAULT 0;

-- Each audit event of a project records the plan version the project had after the change:
-- the writes to one plan can be put in order and shown to be one after the other.
ALTER TABLE audit_events ADD COLUMN plan_version BIGINT;
