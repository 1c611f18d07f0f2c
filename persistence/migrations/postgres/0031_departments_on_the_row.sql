-- Every department a case has been with (its lead among them), on its own
-- row: department staff's view is then tested on the row a list has already
-- read, where it probed case_departments once per case (at a million cases,
-- a search of theirs probed about 1,400 times for one page). Ids as 32
-- lowercase hex digits, separated by spaces; case_departments stays the
-- record (each department's first time, the assisting order).
ALTER TABLE cases ADD COLUMN departments text;
UPDATE cases c SET departments = d.ids
FROM (
    SELECT case_id, string_agg(replace(department_id::text, '-', ''), ' ' ORDER BY department_id) AS ids
    FROM (
        SELECT id AS case_id, lead_department_id AS department_id FROM cases WHERE lead_department_id IS NOT NULL
        UNION
        SELECT case_id, department_id FROM case_departments
    ) every_department
    GROUP BY case_id
) d
WHERE d.case_id = c.id;
