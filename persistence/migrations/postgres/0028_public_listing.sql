-- 公示 (issue 15): a user may choose to be listed, with a work phone, on the
-- public page of the grids he works in. Off until he says so.
CREATE TABLE public_listings (
    user_id     uuid PRIMARY KEY REFERENCES users (id),
    listed      boolean NOT NULL,
    work_phone  text,
    updated_at  timestamptz NOT NULL
);
