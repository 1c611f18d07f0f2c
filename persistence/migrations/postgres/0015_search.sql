-- Chinese text search (domain::cases::search): each case's character bigrams,
-- space-separated, written with the case; a GIN index over them as an array
-- answers "holds every bigram of the query". Cases written before this column
-- are indexed by the server at start-up (they have NULL here until then).
ALTER TABLE cases ADD COLUMN search_terms text;
CREATE INDEX cases_search ON cases USING gin (string_to_array(search_terms, ' '));

-- The list's other orders and filters.
CREATE INDEX cases_updated ON cases (updated_at DESC, id DESC);
CREATE INDEX cases_lead_department ON cases (lead_department_id);
CREATE INDEX cases_handler ON cases (handler_user_id);
CREATE INDEX cases_category ON cases (category_code);
