-- Evidence files (issue 12): what is known of each, named by the SHA-256 of
-- its bytes, and who sent it. The bytes are in the media store (a directory
-- or an S3 bucket), never here.
CREATE TABLE media (
    id           TEXT PRIMARY KEY CHECK (length(id) = 64 AND id NOT GLOB '*[^0-9a-f]*'),
    content_type TEXT NOT NULL,
    bytes        INTEGER NOT NULL CHECK (bytes >= 0),
    width        INTEGER,
    height       INTEGER,
    duration_s   REAL,
    taken_at     TEXT,
    gps_lat      REAL,
    gps_lon      REAL,
    thumbnail    INTEGER NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
-- A file never attached is removed after GRIDLINE_MEDIA_ORPHAN_HOURS.
CREATE INDEX media_created ON media (created_at);

-- One row per sender of a file: the same bytes sent by two people are one
-- file that both may ask about.
CREATE TABLE media_uploads (
    media_id      TEXT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    uploader_kind TEXT NOT NULL CHECK (uploader_kind IN ('user', 'api_key')),
    uploader_id   BLOB NOT NULL,
    uploaded_at   TEXT NOT NULL,
    PRIMARY KEY (media_id, uploader_kind, uploader_id)
) STRICT;
