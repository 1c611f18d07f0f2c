-- A list with one status for a view that no index leads with (a community
-- dispatcher's `status=reported`: a unit's path, or his own cases) is read
-- newest first from the cases of that status, a page's worth of them. With
-- `status` alone indexed, the planner chose between walking every case
-- newest first and gathering the status's cases to sort them, on costs
-- within 20% of each other: two runs of bench/scale.sh on the same data had
-- the same page at 3 and at 10 ms, as ANALYZE's sample fell.
DROP INDEX cases_status;
CREATE INDEX cases_status ON cases (status, created_at DESC, id DESC);
-- The branch of a view for the cases one handles (case_query.rs,
-- view_branches), walked newest first in one status as the grid's and the
-- reporter's are (0030). Without it, the status's own order above looked
-- cheaper than the handler's index to the planner, and department staff's
-- `status=reported` (none of which a handler has yet) read all 4,700
-- reported cases of a million to find none: 7 ms. cases_handler_state
-- stays as it is for the to-do counts, which filter on its later columns.
CREATE INDEX cases_handler_listing ON cases (handler_user_id, status, created_at DESC, id DESC);
