-- The sweeper records a warning and an overdue event once per deadline: these
-- hold the deadline each was last recorded for, moved only by a conditional
-- UPDATE so that two sweepers write each event once. Steps never write them;
-- a new deadline re-arms both.
ALTER TABLE cases ADD COLUMN warning_sent_for timestamptz;
ALTER TABLE cases ADD COLUMN overdue_sent_for timestamptz;
-- The sweeper's and the overdue filter's scan: running clocks by deadline.
CREATE INDEX cases_running_clocks ON cases (due_at)
    WHERE status NOT IN ('closed', 'rejected', 'cancelled') AND due_at IS NOT NULL;
CREATE INDEX cases_suspensions ON cases (suspended_until) WHERE suspended_at IS NOT NULL;
