-- Every stage now has a clock, and a case's due_at/warn_at are those of the
-- stage it is in. A final case has none. A resolved case's stored deadline
-- was its handling deadline, not a verification one: it gets none rather
-- than a false one (its handling outcome is on its timeline).
UPDATE cases SET due_at = NULL, warn_at = NULL, limit_started_at = NULL
WHERE status IN ('closed', 'rejected', 'cancelled', 'resolved');
