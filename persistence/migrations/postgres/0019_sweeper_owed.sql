-- The sweeper asks which running clocks owe a warning or an overdue event
-- (persistence/src/repos/sweep.rs). Over running clocks by deadline that
-- meant reading every open case whose warning was long recorded: at a
-- million cases, 70,000 rows and half a second per sweep. These hold only
-- the clocks whose event for the deadline in force is not yet recorded, by
-- the moment it falls due; the predicates are written as the sweeper's
-- query writes them, so that the planner can tell they apply.
CREATE INDEX cases_warning_owed ON cases (warn_at)
    WHERE status NOT IN ('closed', 'rejected', 'cancelled') AND suspended_at IS NULL AND due_at IS NOT NULL
    AND (warning_sent_for IS NULL OR warning_sent_for <> due_at);
CREATE INDEX cases_overdue_owed ON cases (due_at)
    WHERE status NOT IN ('closed', 'rejected', 'cancelled') AND suspended_at IS NULL AND due_at IS NOT NULL
    AND (overdue_sent_for IS NULL OR overdue_sent_for <> due_at);
