-- Destruction minutes signed on the tablet: the signed PDF and each signature image are kept in the file store by
-- SHA-256; the row names the batch, its unit (the scope of who reads it) and the items executed.
CREATE TABLE signed_form (
    form_id        uuid        PRIMARY KEY,
    form           text        NOT NULL,
    batch_id       uuid        NOT NULL REFERENCES batch,
    unit           text        NOT NULL,
    item_ids       uuid[]      NOT NULL,
    pdf_sha256     text        NOT NULL CHECK (pdf_sha256 ~ '^[0-9a-f]{64}$'),
    pdf_size_bytes integer     NOT NULL CHECK (pdf_size_bytes > 0),
    signatures     jsonb       NOT NULL,
    signed_by      text        NOT NULL,
    signed_at      timestamptz NOT NULL
);
CREATE INDEX signed_form_by_batch ON signed_form (batch_id, signed_at);
