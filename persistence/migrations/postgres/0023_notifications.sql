-- The inbox (issue 13): one row per user told of an event of a case, written
-- in the event's own transaction. A user is told of an event once, so the
-- event's id is the notification's; kept 180 days.
CREATE TABLE notifications (
    user_id  uuid NOT NULL REFERENCES users (id),
    event_id uuid NOT NULL,
    kind     text NOT NULL,
    case_id  uuid NOT NULL REFERENCES cases (id),
    title    text NOT NULL,
    body     text NOT NULL,
    at       timestamptz NOT NULL,
    read_at  timestamptz,
    PRIMARY KEY (user_id, event_id)
);
CREATE INDEX notifications_unread ON notifications (user_id, event_id) WHERE read_at IS NULL;
CREATE INDEX notifications_at ON notifications (at);
