-- The WBS read one level at a time (a window of a large plan): children of a parent in
-- position order, without reading the whole project.
CREATE INDEX tasks_tree ON tasks(project_id, parent_id, position, id);
