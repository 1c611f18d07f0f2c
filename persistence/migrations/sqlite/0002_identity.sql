-- The organisation, accounts, credentials and the audit trail.
-- UUIDs are 16-byte BLOBs, timestamps fixed-width UTC text, booleans 0/1.
-- Unique constraints are named <table>_<columns> by the adapter from
-- SQLite's message, so both backends report the same name for a duplicate.

CREATE TABLE org_units (
    id                 BLOB PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('district', 'street', 'community', 'grid')),
    code               TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    parent_id          BLOB REFERENCES org_units (id),
    path               TEXT NOT NULL,
    boundary           TEXT,
    responsible_person TEXT,
    contact_phone      TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    CHECK ((kind = 'district') = (parent_id IS NULL))
) STRICT;
CREATE INDEX org_units_parent ON org_units (parent_id);
CREATE INDEX org_units_path ON org_units (path);

CREATE TABLE departments (
    id                 BLOB PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('urban_management', 'police', 'housing', 'property', 'market',
                                                     'fire', 'environment', 'civil_affairs', 'other')),
    code               TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    unit_id            BLOB NOT NULL REFERENCES org_units (id),
    responsible_person TEXT,
    contact_phone      TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;
CREATE INDEX departments_unit ON departments (unit_id);

CREATE TABLE users (
    id            BLOB PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    phone         TEXT,
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE role_grants (
    id            BLOB PRIMARY KEY,
    user_id       BLOB NOT NULL REFERENCES users (id),
    role          TEXT NOT NULL CHECK (role IN ('grid_worker', 'dispatcher', 'department_staff', 'leader', 'admin')),
    unit_id       BLOB REFERENCES org_units (id),
    department_id BLOB REFERENCES departments (id),
    created_by    BLOB REFERENCES users (id),
    created_at    TEXT NOT NULL,
    CHECK (
        (role = 'admin' AND unit_id IS NULL AND department_id IS NULL)
        OR (role = 'department_staff' AND department_id IS NOT NULL AND unit_id IS NULL)
        OR (role IN ('grid_worker', 'dispatcher', 'leader') AND unit_id IS NOT NULL AND department_id IS NULL)
    )
) STRICT;
CREATE UNIQUE INDEX role_grants_unique ON role_grants (user_id, role, COALESCE(unit_id, x''), COALESCE(department_id, x''));

CREATE TABLE sessions (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
    token_hash BLOB PRIMARY KEY,
    session_id BLOB NOT NULL REFERENCES sessions (id),
    created_at TEXT NOT NULL,
    used_at    TEXT
) STRICT;
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE api_keys (
    id            BLOB PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('grid_worker', 'dispatcher', 'department_staff', 'leader', 'admin')),
    unit_id       BLOB REFERENCES org_units (id),
    department_id BLOB REFERENCES departments (id),
    prefix        TEXT NOT NULL,
    key_hash      BLOB NOT NULL UNIQUE,
    created_by    BLOB REFERENCES users (id),
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_used_at  TEXT
) STRICT;

CREATE TABLE signing_keys (
    kid                   TEXT PRIMARY KEY,
    public_key            BLOB NOT NULL,
    private_key_encrypted BLOB NOT NULL,
    created_at            TEXT NOT NULL,
    retired_at            TEXT
) STRICT;

CREATE TABLE login_throttle (
    key               TEXT PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_started_at TEXT NOT NULL,
    locked_until      TEXT
) STRICT;

CREATE TABLE audit_log (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               BLOB NOT NULL UNIQUE,
    at               TEXT NOT NULL,
    action           TEXT NOT NULL,
    actor_user_id    BLOB,
    actor_api_key_id BLOB,
    actor_label      TEXT NOT NULL,
    target_type      TEXT,
    target_id        TEXT,
    client_addr      TEXT,
    details          TEXT NOT NULL
);
CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE cache_versions (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) STRICT;
INSERT INTO cache_versions (name, version) VALUES ('grids', 0), ('signing_keys', 0);
