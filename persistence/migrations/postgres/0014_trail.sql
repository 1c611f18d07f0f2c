-- What the figures need of each case's timeline, kept on the case so that a
-- month of figures reads one row per case and no events (domain::stats::Trail).
-- `trail` holds one bit per thing that happened at least once; steps OR their
-- events' bits in, in the transaction that appends the events.
ALTER TABLE cases ADD COLUMN trail integer NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN first_dispatched_at timestamptz;
ALTER TABLE cases ADD COLUMN last_resolved_at timestamptz;

-- The bits, as Mark numbers them: accepted 1, accepted late 2, rejected 4,
-- cancelled 8, dispatched 16, resolved late 32, suspended 64, verified 128,
-- reworked 256 (a failed verification is a verification too), urged 512.
UPDATE cases c SET trail = t.marks, first_dispatched_at = t.first_dispatched, last_resolved_at = t.last_resolved
FROM (
    SELECT case_id,
           bit_or(CASE type WHEN 'accepted' THEN 1 WHEN 'rejected' THEN 4 WHEN 'cancelled' THEN 8
                            WHEN 'dispatched' THEN 16 WHEN 'suspended' THEN 64 WHEN 'verified' THEN 128
                            WHEN 'reworked' THEN 384 WHEN 'urged' THEN 512 ELSE 0 END
                  | CASE WHEN changes::jsonb ->> 'ended_stage' = 'accept'
                              AND changes::jsonb ->> 'ended_stage_outcome' = 'late' THEN 2 ELSE 0 END
                  | CASE WHEN type = 'resolved' AND changes::jsonb ->> 'ended_stage' = 'handle'
                              AND changes::jsonb ->> 'ended_stage_outcome' = 'late' THEN 32 ELSE 0 END) AS marks,
           min(at) FILTER (WHERE type = 'dispatched') AS first_dispatched,
           max(at) FILTER (WHERE type = 'resolved') AS last_resolved
    FROM case_events GROUP BY case_id
) t
WHERE t.case_id = c.id;

