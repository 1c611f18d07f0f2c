-- Phones that receive push notifications (issue 13), and the outbox of
-- deliveries to the push gateway, written in the transaction of the
-- notification they carry; any node delivers each attempt once.
CREATE TABLE devices (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    session_id uuid,
    platform   text NOT NULL CHECK (platform IN ('android', 'ios', 'harmony')),
    provider   text NOT NULL,
    push_token text NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT devices_token UNIQUE (user_id, provider, push_token)
);
CREATE INDEX devices_session ON devices (session_id);

CREATE TABLE outbox (
    target        text NOT NULL CHECK (target IN ('push', 'webhook')),
    -- The user (push) or the subscription (webhook) it goes to.
    recipient     uuid NOT NULL,
    event_id      uuid NOT NULL,
    attempts      integer NOT NULL DEFAULT 0,
    next_at       timestamptz NOT NULL,
    claimed_until timestamptz,
    created_at    timestamptz NOT NULL,
    delivered_at  timestamptz,
    failed_at     timestamptz,
    last_error    text,
    PRIMARY KEY (target, recipient, event_id)
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
