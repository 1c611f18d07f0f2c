-- Open311 GeoReport v2 (issue 15). A category is `public` when its cases may
-- be listed to anyone through Open311 (city appearance, sanitation, traffic…),
-- not when they touch a resident's private affairs (disputes, errands). A
-- report filed through Open311 keeps what the client sent beside the case:
-- the client's own ticket number (`external_ref`, one case per API key and
-- number: the case's id is derived from both), the photo URL as given (never
-- fetched), and the resident's e-mail for a call back.
ALTER TABLE categories ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
UPDATE categories SET public = 1
WHERE code IN ('environment', 'sanitation', 'street_vending', 'illegal_construction', 'traffic',
               'disorderly_parking', 'safety', 'hanging_wire_charging', 'fire_hazard', 'facilities',
               'damaged_facility');

ALTER TABLE cases ADD COLUMN external_ref TEXT;
ALTER TABLE cases ADD COLUMN media_url TEXT;
ALTER TABLE cases ADD COLUMN resident_email TEXT;
