-- Each witness of a destruction confirms attending it from their own session: the id is the session's
-- (canonical: trimmed, lower-case), never one typed by the person recording the execution.
CREATE TABLE batch_witness (
    batch_id     uuid        NOT NULL REFERENCES batch (batch_id),
    user_id      text        NOT NULL CHECK (user_id = lower(btrim(user_id)) AND user_id <> ''),
    name         text        NOT NULL,
    organisation text,
    confirmed_at timestamptz NOT NULL,
    PRIMARY KEY (batch_id, user_id)
);
