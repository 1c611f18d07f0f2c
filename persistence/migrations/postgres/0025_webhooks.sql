-- Webhook subscriptions of integrations (issue 13) and every attempt to
-- deliver to them. The outbox (0024) holds what is owed; a subscription's
-- events are written to it in the transaction of the change.
CREATE TABLE webhooks (
    id              uuid PRIMARY KEY,
    url             text NOT NULL,
    -- ',*,' for every type, else ',reported,dispatched,': matched with LIKE.
    events          text NOT NULL,
    unit_id         uuid REFERENCES org_units (id),
    unit_path       text,
    active          boolean NOT NULL,
    secret_sealed   bytea NOT NULL,
    disabled_reason text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE webhook_attempts (
    id          uuid PRIMARY KEY,
    webhook_id  uuid NOT NULL,
    event_id    uuid NOT NULL,
    attempt     integer NOT NULL,
    at          timestamptz NOT NULL,
    status      integer,
    duration_ms integer NOT NULL,
    error       text
);
CREATE INDEX webhook_attempts_by_hook ON webhook_attempts (webhook_id, id);
