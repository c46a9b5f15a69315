-- The plan version of a project: bumped by every change to its tasks, dependencies or
-- assignments (the same statement that locks the project row for the change). A scheduling run
-- reads it before the plan and saves its dates only if it is unchanged, so a run never stores
-- dates computed from a plan that has changed since (409 `plan_changed`).
ALTER TABLE projects ADD COLUMN plan_version BIGINT NOT NULL DEFAULT 0;
