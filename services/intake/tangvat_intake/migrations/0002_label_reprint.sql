-- Every reprint of an item's label: who printed it, why, in which format (its event is intake.label_reprinted).
CREATE TABLE label_reprint (
    reprint_id   uuid PRIMARY KEY,
    item_id      uuid        NOT NULL REFERENCES item,
    reprint_no   integer     NOT NULL CHECK (reprint_no > 0),
    reason       text        NOT NULL CHECK (reason IN ('damaged', 'lost', 'other')),
    note         text,
    format       text        NOT NULL CHECK (format IN ('pdf', 'zpl')),
    reprinted_by text        NOT NULL,
    reprinted_at timestamptz NOT NULL,
    UNIQUE (item_id, reprint_no)
);
