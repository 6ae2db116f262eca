-- Photos and documents of a seizure or of one of its items, added after registration (intake.attachment_added):
-- the bytes are in intake's file store by sha256; the row says whose they are, for the pages and the unit's scope.
CREATE TABLE attachment (
    seizure_id   uuid        NOT NULL REFERENCES seizure,
    sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    item_id      uuid        REFERENCES item,
    name         text        NOT NULL,
    media_type   text        NOT NULL,
    size_bytes   integer     NOT NULL CHECK (size_bytes > 0),
    added_by     text        NOT NULL,
    added_at     timestamptz NOT NULL,
    PRIMARY KEY (seizure_id, sha256)
);
CREATE INDEX attachment_by_item ON attachment (item_id) WHERE item_id IS NOT NULL;
