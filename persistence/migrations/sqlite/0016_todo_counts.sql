-- To-do counts read off indexes alone (persistence/src/case_query.rs,
-- todo_count_parts): each part of a rule is a unit's, a department's, a
-- handler's, a grid's or a reporter's cases in a state, with the columns the
-- rule also asks about (suspended, who resolved it, which department leads).
DROP INDEX cases_owner_state;
DROP INDEX cases_lead_state;
DROP INDEX cases_handler_state;
DROP INDEX cases_grid_state;
DROP INDEX cases_reporter;
-- A grid's cases are found by the prefix of cases_grid_state.
DROP INDEX cases_grid;
CREATE INDEX cases_owner_state ON cases (owner_unit_id, status, suspended_at, resolved_by);
CREATE INDEX cases_lead_state ON cases (lead_department_id, status, suspended_at);
CREATE INDEX cases_handler_state ON cases (handler_user_id, status, suspended_at, lead_department_id);
CREATE INDEX cases_grid_state ON cases (grid_id, status, resolved_by);
CREATE INDEX cases_reporter ON cases (reporter_user_id, status);
