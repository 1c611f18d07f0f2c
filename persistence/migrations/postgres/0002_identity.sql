-- The organisation, accounts, credentials and the audit trail.
-- Unique constraints are named <table>_<columns> so that both backends
-- report the same name for a duplicate.

CREATE TABLE org_units (
    id                 uuid PRIMARY KEY,
    kind               text NOT NULL CHECK (kind IN ('district', 'street', 'community', 'grid')),
    code               text NOT NULL,
    name               text NOT NULL,
    parent_id          uuid REFERENCES org_units (id),
    -- '/<root id>/…/<own id>/': subtree queries are prefix matches.
    path               text NOT NULL,
    -- GeoJSON geometry (Polygon or MultiPolygon), WGS 84.
    boundary           text,
    responsible_person text,
    contact_phone      text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT org_units_code UNIQUE (code),
    CHECK ((kind = 'district') = (parent_id IS NULL))
);
CREATE INDEX org_units_parent ON org_units (parent_id);
CREATE INDEX org_units_path ON org_units (path text_pattern_ops);

CREATE TABLE departments (
    id                 uuid PRIMARY KEY,
    kind               text NOT NULL CHECK (kind IN ('urban_management', 'police', 'housing', 'property', 'market',
                                                     'fire', 'environment', 'civil_affairs', 'other')),
    code               text NOT NULL,
    name               text NOT NULL,
    unit_id            uuid NOT NULL REFERENCES org_units (id),
    responsible_person text,
    contact_phone      text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT departments_code UNIQUE (code)
);
CREATE INDEX departments_unit ON departments (unit_id);

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL,
    display_name  text NOT NULL,
    phone         text,
    password_hash text NOT NULL,
    active        boolean NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT users_username UNIQUE (username)
);

CREATE TABLE role_grants (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id),
    role          text NOT NULL CHECK (role IN ('grid_worker', 'dispatcher', 'department_staff', 'leader', 'admin')),
    unit_id       uuid REFERENCES org_units (id),
    department_id uuid REFERENCES departments (id),
    created_by    uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    CHECK (
        (role = 'admin' AND unit_id IS NULL AND department_id IS NULL)
        OR (role = 'department_staff' AND department_id IS NOT NULL AND unit_id IS NULL)
        OR (role IN ('grid_worker', 'dispatcher', 'leader') AND unit_id IS NOT NULL AND department_id IS NULL)
    )
);
CREATE UNIQUE INDEX role_grants_unique ON role_grants (
    user_id, role,
    COALESCE(unit_id, '00000000-0000-0000-0000-000000000000'::uuid),
    COALESCE(department_id, '00000000-0000-0000-0000-000000000000'::uuid)
);

-- A session is one password login: the family of refresh tokens rotated from it.
CREATE TABLE sessions (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens by SHA-256 hash; the token itself is never stored.
CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id),
    created_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('grid_worker', 'dispatcher', 'department_staff', 'leader', 'admin')),
    unit_id       uuid REFERENCES org_units (id),
    department_id uuid REFERENCES departments (id),
    prefix        text NOT NULL,
    key_hash      bytea NOT NULL,
    created_by    uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    CONSTRAINT api_keys_key_hash UNIQUE (key_hash)
);

CREATE TABLE signing_keys (
    kid                   text PRIMARY KEY,
    public_key            bytea NOT NULL,
    private_key_encrypted bytea NOT NULL,
    created_at            timestamptz NOT NULL,
    retired_at            timestamptz
);

CREATE TABLE login_throttle (
    key               text PRIMARY KEY,
    failures          bigint NOT NULL,
    window_started_at timestamptz NOT NULL,
    locked_until      timestamptz
);

CREATE TABLE audit_log (
    seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               uuid NOT NULL UNIQUE,
    at               timestamptz NOT NULL,
    action           text NOT NULL,
    actor_user_id    uuid,
    actor_api_key_id uuid,
    actor_label      text NOT NULL,
    target_type      text,
    target_id        text,
    client_addr      text,
    -- JSON object of string values; never a secret.
    details          text NOT NULL
);
CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Bumped in the transaction that changes cached data; every node polls it.
CREATE TABLE cache_versions (
    name    text PRIMARY KEY,
    version bigint NOT NULL
);
INSERT INTO cache_versions (name, version) VALUES ('grids', 0), ('signing_keys', 0);
