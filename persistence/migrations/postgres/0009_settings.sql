-- District-wide settings kept as JSON documents in the API's own format
-- (the working calendar, the stage time limits). A save bumps the
-- 'reference' cache version so that every node reloads them.
CREATE TABLE settings (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    updated_at  timestamptz NOT NULL
);
