CREATE TABLE warehouse (
    warehouse_id text PRIMARY KEY,
    name         text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- warehouse → zone → shelf → bin; the code is what the location's label encodes.
CREATE TABLE location (
    location_code text PRIMARY KEY,
    warehouse_id  text NOT NULL REFERENCES warehouse,
    kind          text NOT NULL CHECK (kind IN ('zone', 'shelf', 'bin')),
    parent_code   text REFERENCES location,
    name          text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX location_by_warehouse ON location (warehouse_id, location_code);

CREATE TABLE container (
    container_id   uuid PRIMARY KEY,
    container_code text NOT NULL UNIQUE,
    warehouse_id   text NOT NULL REFERENCES warehouse,
    location_code  text REFERENCES location,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- The read model of every item custody knows; `warehouse_id` is where it is, or is expected.
CREATE TABLE item (
    item_id          uuid PRIMARY KEY,
    seizure_id       uuid        NOT NULL,
    label_code       text        NOT NULL,
    category         text        NOT NULL,
    description      text        NOT NULL,
    quantity         integer     NOT NULL,
    unit             text        NOT NULL,
    value_vnd        bigint      NOT NULL,
    perishable       boolean     NOT NULL,
    hazardous        boolean     NOT NULL,
    condition        text        NOT NULL,
    warehouse_id     text        NOT NULL,
    state            text        NOT NULL CHECK (state IN ('awaiting_receipt', 'in_storage', 'in_transit',
                         'checked_out', 'missing', 'reserved_for_disposal', 'disposed', 'released')),
    on_hold          boolean     NOT NULL DEFAULT false,
    hold_reason      text,
    legal_status     text,
    location_code    text REFERENCES location,
    container_id     uuid REFERENCES container,
    holder           text,
    holder_kind      text,
    purpose          text,
    due_at           timestamptz,
    transfer_id      uuid,
    batch_id         uuid,
    registered_at    timestamptz NOT NULL,
    received_at      timestamptz,
    state_changed_at timestamptz NOT NULL,
    version          integer     NOT NULL DEFAULT 1
);
CREATE INDEX item_by_warehouse_state ON item (warehouse_id, state);
CREATE INDEX item_by_location ON item (location_code) WHERE location_code IS NOT NULL;
CREATE INDEX item_by_container ON item (container_id) WHERE container_id IS NOT NULL;
CREATE INDEX item_by_seizure ON item (seizure_id);
CREATE INDEX item_by_batch ON item (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX item_overdue ON item (due_at) WHERE state = 'checked_out';

-- A seizure's legal status can arrive before or after its items (different partitions).
CREATE TABLE seizure_legal_status (
    seizure_id   uuid PRIMARY KEY,
    status       text NOT NULL,
    decision     jsonb NOT NULL
);

CREATE TABLE transfer (
    transfer_id       uuid PRIMARY KEY,
    from_warehouse_id text        NOT NULL,
    to_warehouse_id   text        NOT NULL,
    carrier           text,
    dispatched_by     text        NOT NULL,
    confirmed_by      text,
    dispatched_at     timestamptz NOT NULL,
    received_by       text,
    closed_at         timestamptz,
    CHECK (from_warehouse_id <> to_warehouse_id)
);

CREATE TABLE transfer_item (
    transfer_id  uuid NOT NULL REFERENCES transfer,
    item_id      uuid NOT NULL,
    received_at  timestamptz,
    received_by  text,
    PRIMARY KEY (transfer_id, item_id)
);

CREATE TABLE stock_count (
    count_id      uuid PRIMARY KEY,
    warehouse_id  text        NOT NULL,
    location_code text,
    blind         boolean     NOT NULL,
    opened_by     text        NOT NULL,
    opened_at     timestamptz NOT NULL,
    closed_by     text,
    closed_at     timestamptz,
    report        jsonb
);

-- What the count expected is frozen when it opens: moves during the count do not rewrite it.
CREATE TABLE count_expected (
    count_id      uuid NOT NULL REFERENCES stock_count,
    item_id       uuid NOT NULL,
    location_code text,
    PRIMARY KEY (count_id, item_id)
);

CREATE TABLE count_scan (
    count_id      uuid NOT NULL REFERENCES stock_count,
    item_id       uuid NOT NULL,
    location_code text,
    scanned_by    text        NOT NULL,
    scanned_at    timestamptz NOT NULL,
    PRIMARY KEY (count_id, item_id)
);

-- Two-person rule: a command above the value threshold waits here for a second person.
CREATE TABLE approval (
    approval_id  uuid PRIMARY KEY,
    kind         text        NOT NULL,
    warehouse_id text        NOT NULL,
    payload      jsonb       NOT NULL,
    value_vnd    bigint      NOT NULL,
    requested_by text        NOT NULL,
    requested_at timestamptz NOT NULL,
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'rejected')),
    decided_by   text,
    decided_at   timestamptz,
    result       jsonb
);
CREATE INDEX approval_pending ON approval (warehouse_id) WHERE status = 'pending';

CREATE TABLE discrepancy (
    id           bigserial PRIMARY KEY,
    item_id      uuid        NOT NULL,
    warehouse_id text        NOT NULL,
    kind         text        NOT NULL,
    expected     jsonb,
    observed     jsonb,
    context      text        NOT NULL,
    reference_id uuid,
    note         text,
    recorded_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX discrepancy_by_warehouse ON discrepancy (warehouse_id, recorded_at);
CREATE INDEX discrepancy_by_item ON discrepancy (item_id);
