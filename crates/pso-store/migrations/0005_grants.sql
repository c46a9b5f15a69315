-- Role grants by id. A grant names its scope by the id of the site, business unit or project
-- (one nullable foreign key per kind, exactly one set unless the scope is global), so a rename
-- keeps access and a re-used code grants nothing. Deleting the scope object deletes its grants
-- first, with an audit event on each user who held one (the store does it; the foreign keys
-- refuse a deletion that forgot).
--
-- users.grants (JSON of role + scope code) is no longer read: Store::migrate converts what it
-- holds into rows once and empties it.

CREATE TABLE user_grants (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    site_id TEXT REFERENCES sites(id),
    business_unit_id TEXT REFERENCES business_units(id),
    project_id TEXT REFERENCES projects(id),
    created_at TEXT NOT NULL,
    CHECK (
        (scope_kind = 'global' AND site_id IS NULL AND business_unit_id IS NULL AND project_id IS NULL)
        OR (scope_kind = 'site' AND site_id IS NOT NULL AND business_unit_id IS NULL AND project_id IS NULL)
        OR (scope_kind = 'business_unit' AND business_unit_id IS NOT NULL AND site_id IS NULL AND project_id IS NULL)
        OR (scope_kind = 'project' AND project_id IS NOT NULL AND site_id IS NULL AND business_unit_id IS NULL)
    )
);
CREATE INDEX user_grants_user ON user_grants(user_id);
CREATE INDEX user_grants_site ON user_grants(site_id);
CREATE INDEX user_grants_unit ON user_grants(business_unit_id);
CREATE INDEX user_grants_project ON user_grants(project_id);
