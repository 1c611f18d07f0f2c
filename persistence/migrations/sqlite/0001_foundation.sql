-- Conventions every later migration follows: UUIDs as 36-character text,
-- timestamps as UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (fixed width, so text
-- order is time order), enums as text guarded by CHECK constraints.

-- Facts about this installation that every API node must agree on.
CREATE TABLE installation (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
