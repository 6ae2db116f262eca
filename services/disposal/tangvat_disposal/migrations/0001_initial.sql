-- Disposal's read model of items (folded from intake's and custody's events) and its own batches.

CREATE TABLE item (
    item_id       uuid PRIMARY KEY,
    seizure_id    uuid        NOT NULL,
    seizing_unit  text        NOT NULL,
    category      text        NOT NULL,
    description   text        NOT NULL,
    quantity      integer     NOT NULL,
    unit          text        NOT NULL,
    value_vnd     bigint      NOT NULL,
    perishable    boolean     NOT NULL,
    hazardous     boolean     NOT NULL,
    warehouse_id  text        NOT NULL,
    label_code    text        NOT NULL,
    custody_state text,
    on_hold       boolean     NOT NULL DEFAULT false,
    -- The one open batch that claims the item: an item is never in two live proposals.
    batch_id      uuid,
    registered_at timestamptz NOT NULL
);
CREATE INDEX item_by_seizure ON item (seizure_id, category);
CREATE INDEX item_by_batch ON item (batch_id) WHERE batch_id IS NOT NULL;

CREATE TABLE seizure_legal_status (
    seizure_id      uuid PRIMARY KEY,
    status          text        NOT NULL CHECK (status IN ('confiscated', 'release_ordered')),
    decision_number text        NOT NULL,
    recorded_at     timestamptz NOT NULL
);

-- Chain of custody: every person a custody event names as its actor, per item.
CREATE TABLE custody_actor (
    item_id uuid NOT NULL,
    user_id text NOT NULL,
    PRIMARY KEY (item_id, user_id)
);
CREATE INDEX custody_actor_by_user ON custody_actor (user_id);

CREATE TABLE board (
    unit                 text PRIMARY KEY,
    members              text[]  NOT NULL,
    quorum               integer NOT NULL CHECK (quorum >= 1),
    rejections_to_reject integer NOT NULL CHECK (rejections_to_reject >= 1),
    configured_by        text    NOT NULL,
    configured_at        timestamptz NOT NULL,
    CHECK (quorum <= cardinality(members) AND rejections_to_reject <= cardinality(members))
);

CREATE TABLE batch (
    batch_id        uuid PRIMARY KEY,
    unit            text        NOT NULL,
    method          text        NOT NULL CHECK (method IN ('destroy', 'auction', 'transfer', 'return')),
    reason          text        NOT NULL,
    emergency       boolean     NOT NULL,
    proposer        text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected', 'reserving',
                                                            'ready', 'executed', 'cancelled')),
    item_count      integer     NOT NULL,
    total_value_vnd bigint      NOT NULL,
    quorum          integer     NOT NULL,
    rejections_to_reject integer NOT NULL,
    deadline        timestamptz,
    proposed_at     timestamptz NOT NULL,
    decided_at      timestamptz,
    ready_at        timestamptz,
    executed_at     timestamptz,
    cancelled_at    timestamptz,
    cancel_reason   text,
    execution       jsonb,
    witness_pair    text[]
);
CREATE INDEX batch_by_unit ON batch (unit, proposed_at);

CREATE TABLE batch_item (
    batch_id    uuid NOT NULL REFERENCES batch,
    item_id     uuid NOT NULL,
    -- pending until custody answers; unavailable items stay listed with custody's reason.
    reservation text NOT NULL DEFAULT 'pending'
        CHECK (reservation IN ('pending', 'reserved', 'unavailable', 'released')),
    reason      text,
    executed    boolean NOT NULL DEFAULT false,
    -- custody's final word after execution: disposed | released, or why it refused.
    outcome     text,
    PRIMARY KEY (batch_id, item_id)
);

CREATE TABLE vote (
    batch_id uuid NOT NULL REFERENCES batch,
    member   text NOT NULL,
    decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
    reason   text NOT NULL,
    cast_at  timestamptz NOT NULL,
    -- One vote per member per batch, whatever races the application checks miss.
    PRIMARY KEY (batch_id, member)
);
