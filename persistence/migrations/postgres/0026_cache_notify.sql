-- Nodes learn that shared cached data changed (grid boundaries, reference
-- data, signing keys) from a NOTIFY sent when the version is bumped, instead
-- of at their next poll. The notification is delivered at commit, so a node
-- woken by it reads the new data. Such changes are rare (an administrator's),
-- so serialising their commits costs nothing; the poll stays as the fallback.
CREATE FUNCTION cache_version_bumped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gridline_caches', NEW.name);
    RETURN NULL;
END;
$$;

CREATE TRIGGER cache_versions_notify AFTER INSERT OR UPDATE ON cache_versions
    FOR EACH ROW EXECUTE FUNCTION cache_version_bumped();
