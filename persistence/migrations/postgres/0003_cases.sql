-- The category catalog, cases, their departments, timeline and extension requests.

CREATE TABLE categories (
    code            text PRIMARY KEY,
    parent_code     text REFERENCES categories (code),
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    department_kind text NOT NULL CHECK (department_kind IN ('urban_management', 'police', 'housing', 'property',
                                         'market', 'fire', 'environment', 'civil_affairs', 'other')),
    -- JSON array of {"priority", "amount", "unit"}.
    time_limits     text NOT NULL,
    auto_accept     boolean NOT NULL,
    auto_dispatch   boolean NOT NULL,
    active          boolean NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- Case numbers; gaps are allowed, so a sequence (no row lock) serves.
CREATE SEQUENCE case_number_seq;

CREATE TABLE cases (
    id                       uuid PRIMARY KEY,
    number                   text NOT NULL,
    status                   text NOT NULL CHECK (status IN ('reported', 'accepted', 'rejected', 'dispatched',
                                                  'in_progress', 'resolved', 'closed', 'cancelled')),
    category_code            text NOT NULL REFERENCES categories (code),
    priority                 text NOT NULL CHECK (priority IN ('normal', 'urgent')),
    description              text NOT NULL,
    lat                      double precision NOT NULL,
    lon                      double precision NOT NULL,
    address                  text NOT NULL,
    grid_id                  uuid NOT NULL REFERENCES org_units (id),
    grid_path                text NOT NULL,
    owner_unit_id            uuid NOT NULL REFERENCES org_units (id),
    owner_path               text NOT NULL,
    suggested_department_id  uuid REFERENCES departments (id),
    lead_department_id       uuid REFERENCES departments (id),
    -- Comma-separated ids of the current assisting departments.
    assisting_department_ids text NOT NULL,
    handler_user_id          uuid REFERENCES users (id),
    reporter_user_id         uuid REFERENCES users (id),
    reporter_api_key_id      uuid REFERENCES api_keys (id),
    reported_by_grid_worker  boolean NOT NULL,
    source                   text NOT NULL CHECK (source IN ('grid_worker', 'hotline', 'sensor', 'citizen', 'integration')),
    resident_name            text,
    resident_phone           text,
    resolved_on_site         boolean NOT NULL,
    limit_started_at         timestamptz,
    due_at                   timestamptz,
    warn_at                  timestamptz,
    resolved_at              timestamptz,
    rework_count             integer NOT NULL,
    version                  bigint NOT NULL,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    CONSTRAINT cases_number UNIQUE (number)
);
CREATE INDEX cases_grid_path ON cases (grid_path text_pattern_ops);
CREATE INDEX cases_grid ON cases (grid_id);
CREATE INDEX cases_listing ON cases (created_at DESC, id DESC);
CREATE INDEX cases_status ON cases (status);
CREATE INDEX cases_reporter ON cases (reporter_user_id);
CREATE INDEX cases_reporter_key ON cases (reporter_api_key_id);

-- Every department a case was ever dispatched to: their staff keep seeing it.
CREATE TABLE case_departments (
    case_id       uuid NOT NULL REFERENCES cases (id),
    department_id uuid NOT NULL REFERENCES departments (id),
    first_at      timestamptz NOT NULL,
    PRIMARY KEY (case_id, department_id)
);
CREATE INDEX case_departments_department ON case_departments (department_id);

CREATE TABLE case_events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          uuid NOT NULL UNIQUE,
    case_id     uuid NOT NULL REFERENCES cases (id),
    type        text NOT NULL,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system')),
    actor_id    uuid,
    actor_label text NOT NULL,
    at          timestamptz NOT NULL,
    from_status text,
    to_status   text NOT NULL,
    note        text,
    internal    boolean NOT NULL,
    -- JSON object of string values.
    changes     text NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, seq);

CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only';
END;
$$;
CREATE TRIGGER case_events_no_update BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_append_only();

CREATE TABLE case_extension_requests (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (id),
    hours        integer NOT NULL CHECK (hours > 0),
    reason       text NOT NULL,
    state        text NOT NULL CHECK (state IN ('pending', 'approved', 'refused')),
    requested_by uuid REFERENCES users (id),
    requested_at timestamptz NOT NULL,
    decided_by   uuid REFERENCES users (id),
    decided_at   timestamptz
);
CREATE UNIQUE INDEX case_extension_requests_pending ON case_extension_requests (case_id) WHERE state = 'pending';
