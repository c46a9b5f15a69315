-- Each audit event of a project records the plan version the project had after the change:
-- the writes to one plan can be put in order and shown to be one after the other.
ALTER TABLE audit_events ADD COLUMN plan_version BIGINT;
