-- The sweeper's overdue and escalation scans (persistence/src/repos/sweep.rs)
-- were read off cases_running_clocks, not the owed index of 0019: the planner
-- took few running clocks to be past due (at a million cases it guessed 25
-- where 55,000 were, most of them long recorded), so each sweep walked them
-- all, 70-90 ms twice every 30 seconds. Without this index the overdue scan
-- reads cases_overdue_owed (0.3 ms) and the escalation scan starts from the
-- categories that escalate at all (0.1 ms with none). No list reads it: the
-- overdue filter compares the deadline with an expression, and a due-first
-- list walks cases_due_order.
DROP INDEX cases_running_clocks;
