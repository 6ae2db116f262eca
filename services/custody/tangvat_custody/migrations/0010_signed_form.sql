-- Forms signed on the tablet: the signed PDF and each signature image are kept in the file store by SHA-256; the
-- row says which form of which subject, the items it covers and where to find the bytes (the event carries the
-- same hashes). Scoped by warehouse like every custody read.
CREATE TABLE signed_form (
    form_id        uuid        PRIMARY KEY,
    form           text        NOT NULL,
    subject_id     uuid        NOT NULL,
    warehouse_id   text        NOT NULL,
    item_ids       uuid[]      NOT NULL,
    pdf_sha256     text        NOT NULL CHECK (pdf_sha256 ~ '^[0-9a-f]{64}$'),
    pdf_size_bytes integer     NOT NULL CHECK (pdf_size_bytes > 0),
    signatures     jsonb       NOT NULL,
    signed_by      text        NOT NULL,
    signed_at      timestamptz NOT NULL
);
CREATE INDEX signed_form_by_subject ON signed_form (form, subject_id, signed_at);
