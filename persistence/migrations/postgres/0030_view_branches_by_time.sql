-- A grid worker's list with one status (persistence/src/case_query.rs,
-- view_branches): his grid's cases and the cases he reported are each walked
-- newest first in that status, and the page is the newest of those walks.
-- Until now each gathered every case of the status (1,154 of his grid's at a
-- million cases, one heap page each) and sorted them. The to-do counts still
-- read these indexes alone: who resolved a case is carried along.
DROP INDEX cases_grid_state;
DROP INDEX cases_reporter;
CREATE INDEX cases_grid_state ON cases (grid_id, status, created_at DESC, id DESC) INCLUDE (resolved_by);
CREATE INDEX cases_reporter ON cases (reporter_user_id, status, created_at DESC, id DESC);
