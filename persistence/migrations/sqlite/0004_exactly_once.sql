-- Exactly-once writes and the change sequence.

ALTER TABLE cases ADD COLUMN reporter TEXT;
ALTER TABLE cases ADD COLUMN report_hash BLOB;
ALTER TABLE cases ADD COLUMN report_status INTEGER;
ALTER TABLE cases ADD COLUMN report_answer TEXT;

ALTER TABLE case_events ADD COLUMN visible_before TEXT;
ALTER TABLE case_events ADD COLUMN visible_after TEXT NOT NULL DEFAULT '{}';

CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    status       INTEGER,
    answer       TEXT,
    created_at   TEXT NOT NULL,
    completed_at TEXT,
    PRIMARY KEY (principal, key)
) STRICT;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
