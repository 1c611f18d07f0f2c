-- Residents follow their case (issue 15): the tracking code a resident is
-- given, when the case was last closed, and the rating (回访) of that closing.
-- A reopened case is closed and rated afresh; its events keep every rating.
ALTER TABLE cases ADD COLUMN tracking_code TEXT;
ALTER TABLE cases ADD COLUMN closed_at TEXT;
ALTER TABLE cases ADD COLUMN rating TEXT CHECK (rating IN ('satisfied', 'basically_satisfied', 'dissatisfied'));
ALTER TABLE cases ADD COLUMN rated_at TEXT;
CREATE UNIQUE INDEX cases_tracking_code ON cases (tracking_code) WHERE tracking_code IS NOT NULL;

UPDATE cases SET closed_at = (SELECT max(e.at) FROM case_events e WHERE e.case_id = cases.id AND e.type = 'verified')
WHERE status = 'closed';
