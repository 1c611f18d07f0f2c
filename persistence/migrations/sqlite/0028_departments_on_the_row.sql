-- Every department a case has been with (its lead among them), on its own
-- row: department staff's view is then tested on the row a list has already
-- read, where it probed case_departments once per case (at a million cases,
-- a search of theirs probed about 1,300 times for one page). Ids as 32
-- lowercase hex digits, separated by spaces; case_departments stays the
-- record (each department's first time, the assisting order).
ALTER TABLE cases ADD COLUMN departments TEXT;
UPDATE cases SET departments = NULLIF(trim(
    COALESCE(lower(hex(lead_department_id)), '') || ' ' ||
    COALESCE((SELECT group_concat(lower(hex(cd.department_id)), ' ') FROM case_departments cd
              WHERE cd.case_id = cases.id AND cd.department_id IS NOT cases.lead_department_id), '')
), '');
