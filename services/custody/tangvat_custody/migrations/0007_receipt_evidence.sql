-- Who delivered the goods at receipt (in words), as the receipt event names it.
ALTER TABLE item ADD COLUMN deliverer text;

-- Photos taken at receipt. Uploaded first (staged: received_at NULL), then named by the receipt scan, whose
-- event carries each photo's sha256: the chain vouches for the bytes kept here. Scoped by the item's warehouse.
CREATE TABLE item_photo (
    photo_id     uuid        PRIMARY KEY,
    item_id      uuid        NOT NULL REFERENCES item,
    warehouse_id text        NOT NULL,
    media_type   text        NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size_bytes   integer     NOT NULL CHECK (size_bytes > 0),
    sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content      bytea       NOT NULL,
    uploaded_by  text        NOT NULL,
    uploaded_at  timestamptz NOT NULL,
    received_at  timestamptz
);
CREATE INDEX item_photo_by_item ON item_photo (item_id, uploaded_at);
