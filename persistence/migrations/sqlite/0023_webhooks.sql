-- Webhook subscriptions of integrations (issue 13) and every attempt to
-- deliver to them. The outbox (0022) holds what is owed; a subscription's
-- events are written to it in the transaction of the change.
CREATE TABLE webhooks (
    id              BLOB PRIMARY KEY,
    url             TEXT NOT NULL,
    -- ',*,' for every type, else ',reported,dispatched,': matched with LIKE.
    events          TEXT NOT NULL,
    unit_id         BLOB REFERENCES org_units (id),
    unit_path       TEXT,
    active          INTEGER NOT NULL,
    secret_sealed   BLOB NOT NULL,
    disabled_reason TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

CREATE TABLE webhook_attempts (
    id          BLOB PRIMARY KEY,
    webhook_id  BLOB NOT NULL,
    event_id    BLOB NOT NULL,
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    status      INTEGER,
    duration_ms INTEGER NOT NULL,
    error       TEXT
) STRICT;
CREATE INDEX webhook_attempts_by_hook ON webhook_attempts (webhook_id, id);
