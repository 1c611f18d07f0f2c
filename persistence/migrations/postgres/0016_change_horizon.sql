-- Readers of the change sequence wait only for case writers still in flight.
--
-- Until now a reader returned only events older than every transaction
-- running anywhere in the cluster (pg_snapshot_xmin), so a pg_dump, a long
-- report or a session idle in a transaction, on any database, held every
-- phone's sync back for as long as it lasted. Now each case transaction, when
-- it reserves its event numbers, also takes a transaction-scoped advisory
-- lock keyed by the first of them (2^62 + the number: its classid in pg_locks
-- is 2^30, apart from every other advisory lock here). The lock goes when the
-- transaction ends, after its events became visible. A reader asks first for
-- the horizon, the highest number below which nothing can still appear: the
-- last number issued, or just below the smallest number still locked in this
-- database. Then, in a later statement and so a later snapshot, it reads
-- events up to that horizon. Reserving stays under the short session lock, so
-- numbers are issued and locked together.

CREATE OR REPLACE FUNCTION reserve_case_event_seqs(n integer) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    seqs bigint[];
BEGIN
    -- A session lock, released before returning: held for microseconds, not until commit.
    PERFORM pg_advisory_lock(7453021340887920229);
    BEGIN
        PERFORM pg_current_xact_id();
        seqs := ARRAY(SELECT nextval('case_events_seq') FROM generate_series(1, n));
        PERFORM pg_advisory_xact_lock(4611686018427387904 + seqs[1]);
    EXCEPTION WHEN OTHERS THEN
        PERFORM pg_advisory_unlock(7453021340887920229);
        RAISE;
    END;
    PERFORM pg_advisory_unlock(7453021340887920229);
    RETURN seqs;
END;
$$;

CREATE FUNCTION case_events_horizon() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    issued bigint;
    held bigint;
BEGIN
    -- The last number issued first, the locks second: a writer that took a
    -- number at or below `issued` already held its lock when we read it.
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO issued FROM case_events_seq;
    SELECT min(((l.classid::bigint << 32) | l.objid::bigint) - 4611686018427387904) INTO held
    FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.classid::bigint = 1073741824
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());
    RETURN CASE WHEN held IS NULL THEN issued ELSE LEAST(issued, held - 1) END;
END;
$$;
