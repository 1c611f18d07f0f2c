-- 公示 (issue 15): a user may choose to be listed, with a work phone, on the
-- public page of the grids he works in. Off until he says so.
CREATE TABLE public_listings (
    user_id     BLOB PRIMARY KEY REFERENCES users (id),
    listed      INTEGER NOT NULL CHECK (listed IN (0, 1)),
    work_phone  TEXT,
    updated_at  TEXT NOT NULL
);
