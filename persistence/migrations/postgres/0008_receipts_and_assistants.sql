-- What the first request was told is the HTTP layer's business: the store
-- keeps it as one opaque receipt, and a finished claim is one with completed_at.
ALTER TABLE idempotency_keys ADD COLUMN receipt text;
UPDATE idempotency_keys SET receipt = status::text || ' ' || answer, completed_at = COALESCE(completed_at, created_at)
    WHERE status IS NOT NULL;
ALTER TABLE idempotency_keys DROP COLUMN status, DROP COLUMN answer;

ALTER TABLE cases ADD COLUMN report_receipt text;
UPDATE cases SET report_receipt = report_status::text || ' ' || report_answer WHERE report_status IS NOT NULL;
ALTER TABLE cases DROP COLUMN report_status, DROP COLUMN report_answer;

-- The departments assisting now are rows of case_departments, in the
-- dispatcher's order, instead of comma-joined ids beside them.
ALTER TABLE case_departments ADD COLUMN assist_order integer;
UPDATE case_departments cd SET assist_order = position(cd.department_id::text IN c.assisting_department_ids)
    FROM cases c
    WHERE c.id = cd.case_id AND position(cd.department_id::text IN c.assisting_department_ids) > 0;
ALTER TABLE cases DROP COLUMN assisting_department_ids;
