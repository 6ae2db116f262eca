-- Evidence files of a batch's execution (photos, video stills, scanned minutes), uploaded before the execution
-- names them by sha256: the bytes are in disposal's file store; the row says whose batch they are for.
CREATE TABLE batch_evidence (
    batch_id     uuid        NOT NULL REFERENCES batch,
    sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    name         text        NOT NULL,
    media_type   text        NOT NULL,
    size_bytes   integer     NOT NULL CHECK (size_bytes > 0),
    uploaded_by  text        NOT NULL,
    uploaded_at  timestamptz NOT NULL,
    PRIMARY KEY (batch_id, sha256)
);
