-- What the figures need of each case's timeline, kept on the case so that a
-- month of figures reads one row per case and no events (domain::stats::Trail).
-- `trail` holds one bit per thing that happened at least once; steps OR their
-- events' bits in, in the transaction that appends the events.
ALTER TABLE cases ADD COLUMN trail INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN first_dispatched_at TEXT;
ALTER TABLE cases ADD COLUMN last_resolved_at TEXT;

-- The bits, as Mark numbers them: accepted 1, accepted late 2, rejected 4,
-- cancelled 8, dispatched 16, resolved late 32, suspended 64, verified 128,
-- reworked 256 (a failed verification is a verification too), urged 512.
-- SQLite has no bitwise aggregate: each bit is the maximum of a 0/1.
UPDATE cases SET trail = t.marks, first_dispatched_at = t.first_dispatched, last_resolved_at = t.last_resolved
FROM (
    SELECT case_id,
           MAX(type = 'accepted') * 1
         + MAX(json_extract(changes, '$.ended_stage') IS 'accept'
               AND json_extract(changes, '$.ended_stage_outcome') IS 'late') * 2
         + MAX(type = 'rejected') * 4
         + MAX(type = 'cancelled') * 8
         + MAX(type = 'dispatched') * 16
         + MAX(type = 'resolved' AND json_extract(changes, '$.ended_stage') IS 'handle'
               AND json_extract(changes, '$.ended_stage_outcome') IS 'late') * 32
         + MAX(type = 'suspended') * 64
         + MAX(type IN ('verified', 'reworked')) * 128
         + MAX(type = 'reworked') * 256
         + MAX(type = 'urged') * 512 AS marks,
           MIN(CASE WHEN type = 'dispatched' THEN at END) AS first_dispatched,
           MAX(CASE WHEN type = 'resolved' THEN at END) AS last_resolved
    FROM case_events GROUP BY case_id
) AS t
WHERE t.case_id = cases.id;

