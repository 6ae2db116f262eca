-- The auditor's read model: every step of every item, as the streams tell it (for the timeline API).
CREATE TABLE item_step (
    event_id    uuid        NOT NULL,
    item_id     uuid        NOT NULL,
    stream      text        NOT NULL,
    sequence    bigint,
    event_type  text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    actor_id    text        NOT NULL,
    actor_role  text        NOT NULL,
    data        jsonb       NOT NULL,
    PRIMARY KEY (event_id, item_id)  -- a disposal event names many items
);
CREATE INDEX item_step_by_item ON item_step (item_id, occurred_at, stream, sequence);
