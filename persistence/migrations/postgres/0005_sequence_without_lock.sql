-- The change sequence without serialising commits.
--
-- Each case transaction reserves its event numbers as its very first
-- statement, and that same statement gives the transaction its id (xid),
-- both under a lock held only for the reservation. So numbers and xids rise
-- together. A reader returns only events whose xid is older than every
-- transaction still running (pg_snapshot_xmin): every event with a smaller
-- number then belongs to a finished transaction, and none can appear later.

ALTER TABLE case_events ALTER COLUMN seq DROP IDENTITY IF EXISTS;
CREATE SEQUENCE case_events_seq OWNED BY case_events.seq;
SELECT setval('case_events_seq', COALESCE((SELECT max(seq) FROM case_events), 0) + 1, false);
ALTER TABLE case_events ALTER COLUMN seq SET DEFAULT nextval('case_events_seq');
ALTER TABLE case_events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();

CREATE FUNCTION reserve_case_event_seqs(n integer) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    seqs bigint[];
BEGIN
    -- A session lock, released before returning: held for microseconds, not until commit.
    PERFORM pg_advisory_lock(7453021340887920229);
    BEGIN
        PERFORM pg_current_xact_id();
        seqs := ARRAY(SELECT nextval('case_events_seq') FROM generate_series(1, n));
    EXCEPTION WHEN OTHERS THEN
        PERFORM pg_advisory_unlock(7453021340887920229);
        RAISE;
    END;
    PERFORM pg_advisory_unlock(7453021340887920229);
    RETURN seqs;
END;
$$;
