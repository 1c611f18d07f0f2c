-- Conventions every later migration follows: UUID ids, timestamptz in UTC
-- (microsecond precision), enums as text guarded by CHECK constraints.

-- Facts about this installation that every API node must agree on.
CREATE TABLE installation (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
