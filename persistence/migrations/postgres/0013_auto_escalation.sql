-- Working hours past a deadline after which the sweeper escalates a case not
-- yet dispatched, or urges one in handling; NULL: never.
ALTER TABLE categories ADD COLUMN auto_escalate_after_hours bigint;
