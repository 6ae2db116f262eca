CREATE TABLE seizure (
    seizure_id           uuid PRIMARY KEY,
    record_number        text        NOT NULL,
    seizing_unit         text        NOT NULL,
    agency               text        NOT NULL,
    officers             text[]      NOT NULL,
    seized_at            timestamptz NOT NULL,
    province             text        NOT NULL,
    address              text        NOT NULL,
    legal_basis          text        NOT NULL,
    case_id              text,
    violation_categories text[]      NOT NULL,
    offender             jsonb,
    notes                text,
    attachments          jsonb       NOT NULL,
    item_count           integer     NOT NULL,
    total_value_vnd      bigint      NOT NULL,
    legal_status         text,
    legal_decision       jsonb,
    registered_by        text        NOT NULL,
    registered_at        timestamptz NOT NULL,
    -- A record number (số biên bản) is unique within the unit that wrote it.
    UNIQUE (seizing_unit, record_number)
);

CREATE TABLE item (
    item_id       uuid PRIMARY KEY,
    seizure_id    uuid        NOT NULL REFERENCES seizure,
    line_no       integer     NOT NULL,
    category      text        NOT NULL,
    description   text        NOT NULL,
    brand         text,
    quantity      integer     NOT NULL CHECK (quantity > 0),
    unit          text        NOT NULL,
    value_vnd     bigint      NOT NULL CHECK (value_vnd >= 0),
    perishable    boolean     NOT NULL,
    hazardous     boolean     NOT NULL,
    condition     text        NOT NULL,
    photos        text[]      NOT NULL,
    label_code    text        NOT NULL UNIQUE,
    warehouse_id  text        NOT NULL,
    registered_at timestamptz NOT NULL,
    UNIQUE (seizure_id, line_no)
);
CREATE INDEX item_by_seizure_category ON item (seizure_id, category, line_no);
