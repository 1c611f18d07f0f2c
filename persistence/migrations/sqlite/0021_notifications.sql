-- The inbox (issue 13): one row per user told of an event of a case, written
-- in the event's own transaction. A user is told of an event once, so the
-- event's id is the notification's; kept 180 days.
CREATE TABLE notifications (
    user_id  BLOB NOT NULL REFERENCES users (id),
    event_id BLOB NOT NULL,
    kind     TEXT NOT NULL,
    case_id  BLOB NOT NULL REFERENCES cases (id),
    title    TEXT NOT NULL,
    body     TEXT NOT NULL,
    at       TEXT NOT NULL,
    read_at  TEXT,
    PRIMARY KEY (user_id, event_id)
) STRICT;
CREATE INDEX notifications_unread ON notifications (user_id, event_id) WHERE read_at IS NULL;
CREATE INDEX notifications_at ON notifications (at);
