-- Evidence attached to cases (issue 12): one row per file per attaching
-- event, read with the case; media_id finds the cases a file is on (who may
-- download it) and keeps an attached file from being cleaned up.
CREATE TABLE case_media (
    case_id      BLOB NOT NULL REFERENCES cases (id),
    media_id     TEXT NOT NULL REFERENCES media (id),
    stage        TEXT NOT NULL CHECK (stage IN ('report', 'resolution', 'verification', 'comment')),
    caption      TEXT,
    content_type TEXT NOT NULL,
    thumbnail    INTEGER NOT NULL,
    suspicious   INTEGER NOT NULL,
    internal     INTEGER NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     BLOB,
    actor_label  TEXT NOT NULL,
    attached_at  TEXT NOT NULL,
    event_id     BLOB NOT NULL,
    ordinal      INTEGER NOT NULL,
    PRIMARY KEY (case_id, event_id, ordinal)
) STRICT;
CREATE INDEX case_media_media ON case_media (media_id);

-- A category may require an "after" photo to resolve; the default catalog's
-- sanitation, street vending, illegal construction and damaged facilities do.
ALTER TABLE categories ADD COLUMN requires_resolution_photo INTEGER NOT NULL DEFAULT 0;
UPDATE categories SET requires_resolution_photo = 1
 WHERE code IN ('sanitation', 'street_vending', 'illegal_construction', 'damaged_facility');

-- A file once attached stays; one never attached is removed after
-- GRIDLINE_MEDIA_ORPHAN_HOURS, found through this index of the others only.
ALTER TABLE media ADD COLUMN attached INTEGER NOT NULL DEFAULT 0;
DROP INDEX media_created;
CREATE INDEX media_unattached ON media (created_at) WHERE NOT attached;
