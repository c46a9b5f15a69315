-- PSO foundation schema. Portable between SQLite and PostgreSQL: TEXT ids (UUIDv7), BIGINT
-- integers (booleans as 0/1), timestamps as RFC 3339 UTC text, JSON as text.

CREATE TABLE write_lock (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO write_lock (id, n) VALUES (1, 0);

CREATE TABLE business_units (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id TEXT REFERENCES business_units(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    currency TEXT NOT NULL,
    working_week TEXT NOT NULL,
    working_hours TEXT NOT NULL,
    holidays TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE people (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    email TEXT UNIQUE,
    site_id TEXT NOT NULL REFERENCES sites(id),
    skills TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX people_site ON people(site_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    person_id TEXT REFERENCES people(id),
    grants TEXT NOT NULL,
    disabled BIGINT NOT NULL,
    password_hash TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites(id),
    business_unit_id TEXT NOT NULL REFERENCES business_units(id),
    manager_id TEXT REFERENCES people(id),
    status TEXT NOT NULL,
    priority BIGINT NOT NULL,
    start_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX projects_site ON projects(site_id);
CREATE INDEX projects_bu ON projects(business_unit_id);
CREATE INDEX projects_status ON projects(status);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES tasks(id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    duration_minutes BIGINT,
    effort_minutes BIGINT,
    milestone BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX tasks_project ON tasks(project_id, id);
CREATE INDEX tasks_parent ON tasks(parent_id);

CREATE TABLE dependencies (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    predecessor_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    successor_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    dep_type TEXT NOT NULL,
    lag_minutes BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (predecessor_id, successor_id)
);
CREATE INDEX dependencies_project ON dependencies(project_id, id);
CREATE INDEX dependencies_successor ON dependencies(successor_id);

CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people(id),
    units_milli BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_id, person_id)
);
CREATE INDEX assignments_project ON assignments(project_id);
CREATE INDEX assignments_person ON assignments(person_id);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    project_id TEXT,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_entity ON audit_events(entity_type, entity_id, id);
CREATE INDEX audit_project ON audit_events(project_id, id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    client TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_account ON login_failures(account, at);
CREATE INDEX login_failures_client ON login_failures(client, at);
