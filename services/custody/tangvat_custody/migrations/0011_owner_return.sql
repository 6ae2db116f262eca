-- A release order carried out at the counter: goods handed back to their owner leave custody as returned_to_owner.
ALTER TABLE item DROP CONSTRAINT item_state_check;
ALTER TABLE item ADD CONSTRAINT item_state_check CHECK (state IN ('awaiting_receipt', 'in_storage', 'in_transit',
    'checked_out', 'missing', 'reserved_for_disposal', 'handed_over', 'disposed', 'released', 'returned_to_owner'));

-- One hand-back at the counter (its minutes, biên bản trả lại tang vật): who received the goods and how they proved
-- it, which items, against which order and deadline. The items' own events carry the same return_id.
CREATE TABLE owner_return (
    return_id        uuid PRIMARY KEY,
    seizure_id       uuid        NOT NULL,
    warehouse_id     text        NOT NULL,
    decision_number  text        NOT NULL,
    owner_name       text        NOT NULL,
    id_type          text        NOT NULL,
    id_number        text        NOT NULL,
    signature_sha256 text,
    item_ids         uuid[]      NOT NULL,
    due_on           date        NOT NULL,
    late             boolean     NOT NULL,
    returned_by      text        NOT NULL,
    returned_at      timestamptz NOT NULL
);
CREATE INDEX owner_return_by_seizure ON owner_return (seizure_id);
