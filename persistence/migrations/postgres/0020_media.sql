-- Evidence files (issue 12): what is known of each, named by the SHA-256 of
-- its bytes, and who sent it. The bytes are in the media store (a directory
-- or an S3 bucket), never here.
CREATE TABLE media (
    id           text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
    content_type text NOT NULL,
    bytes        bigint NOT NULL CHECK (bytes >= 0),
    width        integer,
    height       integer,
    duration_s   double precision,
    taken_at     timestamptz,
    gps_lat      double precision,
    gps_lon      double precision,
    thumbnail    boolean NOT NULL,
    created_at   timestamptz NOT NULL
);
-- A file never attached is removed after GRIDLINE_MEDIA_ORPHAN_HOURS.
CREATE INDEX media_created ON media (created_at);

-- One row per sender of a file: the same bytes sent by two people are one
-- file that both may ask about.
CREATE TABLE media_uploads (
    media_id      text NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    uploader_kind text NOT NULL CHECK (uploader_kind IN ('user', 'api_key')),
    uploader_id   uuid NOT NULL,
    uploaded_at   timestamptz NOT NULL,
    PRIMARY KEY (media_id, uploader_kind, uploader_id)
);
