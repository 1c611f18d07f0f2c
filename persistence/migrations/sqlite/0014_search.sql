-- Chinese text search (domain::cases::search): each case's character bigrams,
-- space-separated, written with the case, and an FTS5 index over them whose
-- tokens are those bigrams. The index is keyed by `search_key`, the case's
-- rowid as it was when written (stored, since a VACUUM may renumber rowids).
-- Cases written before this column are indexed by the server at start-up.
ALTER TABLE cases ADD COLUMN search_terms TEXT;
ALTER TABLE cases ADD COLUMN search_key INTEGER;
UPDATE cases SET search_key = rowid;
CREATE UNIQUE INDEX cases_search_key ON cases (search_key);

CREATE VIRTUAL TABLE case_search USING fts5(search_terms, content = 'cases', content_rowid = 'search_key');

CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
    UPDATE cases SET search_key = new.rowid WHERE rowid = new.rowid;
    INSERT INTO case_search (rowid, search_terms) SELECT new.rowid, new.search_terms WHERE new.search_terms IS NOT NULL;
END;

CREATE TRIGGER cases_search_update AFTER UPDATE OF search_terms ON cases
WHEN old.search_terms IS NOT new.search_terms BEGIN
    INSERT INTO case_search (case_search, rowid, search_terms)
        SELECT 'delete', old.search_key, old.search_terms WHERE old.search_terms IS NOT NULL;
    INSERT INTO case_search (rowid, search_terms) SELECT new.search_key, new.search_terms WHERE new.search_terms IS NOT NULL;
END;

CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
    INSERT INTO case_search (case_search, rowid, search_terms)
        SELECT 'delete', old.search_key, old.search_terms WHERE old.search_terms IS NOT NULL;
END;

-- The list's other orders and filters.
CREATE INDEX cases_updated ON cases (updated_at DESC, id DESC);
CREATE INDEX cases_lead_department ON cases (lead_department_id);
CREATE INDEX cases_handler ON cases (handler_user_id);
CREATE INDEX cases_category ON cases (category_code);
