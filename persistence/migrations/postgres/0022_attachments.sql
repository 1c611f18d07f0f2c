-- Evidence attached to cases (issue 12): one row per file per attaching
-- event, read with the case; media_id finds the cases a file is on (who may
-- download it) and keeps an attached file from being cleaned up.
CREATE TABLE case_media (
    case_id      uuid NOT NULL REFERENCES cases (id),
    media_id     text NOT NULL REFERENCES media (id),
    stage        text NOT NULL CHECK (stage IN ('report', 'resolution', 'verification', 'comment')),
    caption      text,
    content_type text NOT NULL,
    thumbnail    boolean NOT NULL,
    suspicious   boolean NOT NULL,
    internal     boolean NOT NULL,
    actor_kind   text NOT NULL,
    actor_id     uuid,
    actor_label  text NOT NULL,
    attached_at  timestamptz NOT NULL,
    event_id     uuid NOT NULL,
    ordinal      integer NOT NULL,
    PRIMARY KEY (case_id, event_id, ordinal)
);
CREATE INDEX case_media_media ON case_media (media_id);

-- A category may require an "after" photo to resolve; the default catalog's
-- sanitation, street vending, illegal construction and damaged facilities do.
ALTER TABLE categories ADD COLUMN requires_resolution_photo boolean NOT NULL DEFAULT false;
UPDATE categories SET requires_resolution_photo = true
 WHERE code IN ('sanitation', 'street_vending', 'illegal_construction', 'damaged_facility');

-- A file once attached stays; one never attached is removed after
-- GRIDLINE_MEDIA_ORPHAN_HOURS, found through this index of the others only.
ALTER TABLE media ADD COLUMN attached boolean NOT NULL DEFAULT false;
DROP INDEX media_created;
CREATE INDEX media_unattached ON media (created_at) WHERE NOT attached;
