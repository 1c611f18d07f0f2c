-- Indexes for finding work at a million cases (bench/scale.sh). Expressions
-- and predicates are written exactly as the queries write them
-- (persistence/src/case_query.rs), so that the planner can match them.

-- Soonest due first (sort=due, the to-do list): clockless cases last.
CREATE INDEX cases_due_order ON cases ((status IN ('closed', 'rejected', 'cancelled') OR due_at IS NULL), due_at, id);
-- A dispatcher's to-dos and their counts: open cases by owning unit and state.
CREATE INDEX cases_owner_state ON cases (owner_unit_id, status, suspended_at);
-- Open cases near a point.
CREATE INDEX cases_open_place ON cases (lat, lon)
    WHERE status IN ('reported', 'accepted', 'dispatched', 'in_progress', 'resolved');
-- Running clocks newest first (time_limit_status filters).
CREATE INDEX cases_running_listing ON cases (created_at DESC, id DESC)
    WHERE status NOT IN ('closed', 'rejected', 'cancelled') AND due_at IS NOT NULL;
-- To-do counts and lists: a department's, a handler's and a grid's cases by state.
CREATE INDEX cases_lead_state ON cases (lead_department_id, status);
CREATE INDEX cases_handler_state ON cases (handler_user_id, status);
CREATE INDEX cases_grid_state ON cases (grid_id, status);
DROP INDEX cases_lead_department;
DROP INDEX cases_handler;
