-- Residents follow their case (issue 15): the tracking code a resident is
-- given, when the case was last closed, and the rating (回访) of that closing.
-- A reopened case is closed and rated afresh; its events keep every rating.
ALTER TABLE cases ADD COLUMN tracking_code text;
ALTER TABLE cases ADD COLUMN closed_at timestamptz;
ALTER TABLE cases ADD COLUMN rating text CHECK (rating IN ('satisfied', 'basically_satisfied', 'dissatisfied'));
ALTER TABLE cases ADD COLUMN rated_at timestamptz;
CREATE UNIQUE INDEX cases_tracking_code ON cases (tracking_code) WHERE tracking_code IS NOT NULL;

UPDATE cases c SET closed_at = v.at
FROM (SELECT case_id, max(at) AS at FROM case_events WHERE type = 'verified' GROUP BY case_id) v
WHERE c.status = 'closed' AND v.case_id = c.id;
