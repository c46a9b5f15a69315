-- Explanations that name another project's task ("waits for person X, busy on 'PVT: prototype
-- assembly'") keep which project that is, and the words without the name, so a reader who may
-- not see that project reads "busy on another project" instead (pages, API, Gantt titles).
ALTER TABLE task_schedules ADD COLUMN why_project_id TEXT;
ALTER TABLE task_schedules ADD COLUMN why_redacted TEXT;
