-- Files on their way in by the tus protocol (issue 12): how many bytes of
-- each have arrived. The pieces are in the media store, never here, so any
-- node can take the next one.
CREATE TABLE uploads (
    id            uuid PRIMARY KEY,
    uploader_kind text NOT NULL CHECK (uploader_kind IN ('user', 'api_key')),
    uploader_id   uuid NOT NULL,
    length        bigint NOT NULL CHECK (length >= 0),
    "offset"      bigint NOT NULL CHECK ("offset" >= 0 AND "offset" <= length),
    filename      text,
    declared_type text,
    media_id      text,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
-- Uploads abandoned half-way are removed with orphaned files.
CREATE INDEX uploads_updated ON uploads (updated_at);
