-- The category catalog, cases, their departments, timeline and extension requests.

CREATE TABLE categories (
    code            TEXT PRIMARY KEY,
    parent_code     TEXT REFERENCES categories (code),
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    department_kind TEXT NOT NULL CHECK (department_kind IN ('urban_management', 'police', 'housing', 'property',
                                         'market', 'fire', 'environment', 'civil_affairs', 'other')),
    time_limits     TEXT NOT NULL,
    auto_accept     INTEGER NOT NULL CHECK (auto_accept IN (0, 1)),
    auto_dispatch   INTEGER NOT NULL CHECK (auto_dispatch IN (0, 1)),
    active          INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

-- Case numbers; SQLite has no sequences.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;
INSERT INTO counters (name, value) VALUES ('case_number', 0);

CREATE TABLE cases (
    id                       BLOB PRIMARY KEY,
    number                   TEXT NOT NULL UNIQUE,
    status                   TEXT NOT NULL CHECK (status IN ('reported', 'accepted', 'rejected', 'dispatched',
                                                  'in_progress', 'resolved', 'closed', 'cancelled')),
    category_code            TEXT NOT NULL REFERENCES categories (code),
    priority                 TEXT NOT NULL CHECK (priority IN ('normal', 'urgent')),
    description              TEXT NOT NULL,
    lat                      REAL NOT NULL,
    lon                      REAL NOT NULL,
    address                  TEXT NOT NULL,
    grid_id                  BLOB NOT NULL REFERENCES org_units (id),
    grid_path                TEXT NOT NULL,
    owner_unit_id            BLOB NOT NULL REFERENCES org_units (id),
    owner_path               TEXT NOT NULL,
    suggested_department_id  BLOB REFERENCES departments (id),
    lead_department_id       BLOB REFERENCES departments (id),
    assisting_department_ids TEXT NOT NULL,
    handler_user_id          BLOB REFERENCES users (id),
    reporter_user_id         BLOB REFERENCES users (id),
    reporter_api_key_id      BLOB REFERENCES api_keys (id),
    reported_by_grid_worker  INTEGER NOT NULL,
    source                   TEXT NOT NULL CHECK (source IN ('grid_worker', 'hotline', 'sensor', 'citizen', 'integration')),
    resident_name            TEXT,
    resident_phone           TEXT,
    resolved_on_site         INTEGER NOT NULL,
    limit_started_at         TEXT,
    due_at                   TEXT,
    warn_at                  TEXT,
    resolved_at              TEXT,
    rework_count             INTEGER NOT NULL,
    version                  INTEGER NOT NULL,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL
) STRICT;
CREATE INDEX cases_grid_path ON cases (grid_path);
CREATE INDEX cases_grid ON cases (grid_id);
CREATE INDEX cases_listing ON cases (created_at DESC, id DESC);
CREATE INDEX cases_status ON cases (status);
CREATE INDEX cases_reporter ON cases (reporter_user_id);
CREATE INDEX cases_reporter_key ON cases (reporter_api_key_id);

CREATE TABLE case_departments (
    case_id       BLOB NOT NULL REFERENCES cases (id),
    department_id BLOB NOT NULL REFERENCES departments (id),
    first_at      TEXT NOT NULL,
    PRIMARY KEY (case_id, department_id)
) STRICT;
CREATE INDEX case_departments_department ON case_departments (department_id);

CREATE TABLE case_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          BLOB NOT NULL UNIQUE,
    case_id     BLOB NOT NULL REFERENCES cases (id),
    type        TEXT NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system')),
    actor_id    BLOB,
    actor_label TEXT NOT NULL,
    at          TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    note        TEXT,
    internal    INTEGER NOT NULL,
    changes     TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, seq);

CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;

CREATE TABLE case_extension_requests (
    id           BLOB PRIMARY KEY,
    case_id      BLOB NOT NULL REFERENCES cases (id),
    hours        INTEGER NOT NULL CHECK (hours > 0),
    reason       TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'refused')),
    requested_by BLOB REFERENCES users (id),
    requested_at TEXT NOT NULL,
    decided_by   BLOB REFERENCES users (id),
    decided_at   TEXT
) STRICT;
CREATE UNIQUE INDEX case_extension_requests_pending ON case_extension_requests (case_id) WHERE state = 'pending';
