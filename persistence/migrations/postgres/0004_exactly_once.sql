-- Exactly-once writes and the change sequence.

-- A report with a client-chosen id keeps its first answer: the same id with
-- the same content gets it again.
ALTER TABLE cases ADD COLUMN reporter text;
ALTER TABLE cases ADD COLUMN report_hash bytea;
ALTER TABLE cases ADD COLUMN report_status integer;
ALTER TABLE cases ADD COLUMN report_answer text;

-- Who could see the case before and after each event (JSON), for sync.
ALTER TABLE case_events ADD COLUMN visible_before text;
ALTER TABLE case_events ADD COLUMN visible_after text NOT NULL DEFAULT '{}';

-- Idempotency-Key: the first answer per caller and key, kept at least 24 hours.
CREATE TABLE idempotency_keys (
    principal    text NOT NULL,
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    -- NULL while the first request runs.
    status       integer,
    answer       text,
    created_at   timestamptz NOT NULL,
    completed_at timestamptz,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
