-- Files on their way in by the tus protocol (issue 12): how many bytes of
-- each have arrived. The pieces are in the media store, never here, so any
-- node can take the next one.
CREATE TABLE uploads (
    id            BLOB PRIMARY KEY,
    uploader_kind TEXT NOT NULL CHECK (uploader_kind IN ('user', 'api_key')),
    uploader_id   BLOB NOT NULL,
    length        INTEGER NOT NULL CHECK (length >= 0),
    "offset"      INTEGER NOT NULL CHECK ("offset" >= 0 AND "offset" <= length),
    filename      TEXT,
    declared_type TEXT,
    media_id      TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
-- Uploads abandoned half-way are removed with orphaned files.
CREATE INDEX uploads_updated ON uploads (updated_at);
