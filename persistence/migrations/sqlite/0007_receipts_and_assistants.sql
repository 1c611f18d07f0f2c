-- What the first request was told is the HTTP layer's business: the store
-- keeps it as one opaque receipt, and a finished claim is one with completed_at.
ALTER TABLE idempotency_keys ADD COLUMN receipt TEXT;
UPDATE idempotency_keys SET receipt = status || ' ' || answer, completed_at = COALESCE(completed_at, created_at)
    WHERE status IS NOT NULL;
ALTER TABLE idempotency_keys DROP COLUMN status;
ALTER TABLE idempotency_keys DROP COLUMN answer;

ALTER TABLE cases ADD COLUMN report_receipt TEXT;
UPDATE cases SET report_receipt = report_status || ' ' || report_answer WHERE report_status IS NOT NULL;
ALTER TABLE cases DROP COLUMN report_status;
ALTER TABLE cases DROP COLUMN report_answer;

-- The departments assisting now are rows of case_departments, in the
-- dispatcher's order, instead of comma-joined ids beside them (ids are
-- stored as 16-byte blobs, the joined text in hyphenated form).
ALTER TABLE case_departments ADD COLUMN assist_order INTEGER;
UPDATE case_departments SET assist_order = (
    SELECT nullif(instr(c.assisting_department_ids, lower(
        substr(hex(case_departments.department_id), 1, 8) || '-' || substr(hex(case_departments.department_id), 9, 4)
        || '-' || substr(hex(case_departments.department_id), 13, 4) || '-'
        || substr(hex(case_departments.department_id), 17, 4) || '-' || substr(hex(case_departments.department_id), 21, 12)
    )), 0)
    FROM cases c WHERE c.id = case_departments.case_id
);
ALTER TABLE cases DROP COLUMN assisting_department_ids;
