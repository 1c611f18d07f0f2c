-- Phones that receive push notifications (issue 13), and the outbox of
-- deliveries to the push gateway, written in the transaction of the
-- notification they carry; any node delivers each attempt once.
CREATE TABLE devices (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id),
    session_id BLOB,
    platform   TEXT NOT NULL CHECK (platform IN ('android', 'ios', 'harmony')),
    provider   TEXT NOT NULL,
    push_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT devices_token UNIQUE (user_id, provider, push_token)
) STRICT;
CREATE INDEX devices_session ON devices (session_id);

CREATE TABLE outbox (
    target        TEXT NOT NULL CHECK (target IN ('push', 'webhook')),
    -- The user (push) or the subscription (webhook) it goes to.
    recipient     BLOB NOT NULL,
    event_id      BLOB NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       TEXT NOT NULL,
    claimed_until TEXT,
    created_at    TEXT NOT NULL,
    delivered_at  TEXT,
    failed_at     TEXT,
    last_error    TEXT,
    PRIMARY KEY (target, recipient, event_id)
) STRICT;
CREATE INDEX outbox_due ON outbox (next_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
