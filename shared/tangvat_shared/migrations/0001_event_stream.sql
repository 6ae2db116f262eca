-- The service's own event stream: the outbox the relay publishes from, and the chain it signs.
CREATE TABLE event (
    id             bigserial PRIMARY KEY,
    event_id       uuid        NOT NULL UNIQUE,
    event_type     text        NOT NULL,
    subject        text        NOT NULL,
    occurred_at    timestamptz NOT NULL,
    correlation_id uuid,
    -- The CloudEvents envelope without sequence/prevhash/hash, which the relay assigns.
    body           jsonb       NOT NULL,
    stream_seq     bigint UNIQUE,
    prev_hash      text,
    hash           text,
    CHECK ((stream_seq IS NULL) = (hash IS NULL) AND (hash IS NULL) = (prev_hash IS NULL))
);
CREATE INDEX event_unsequenced ON event (id) WHERE stream_seq IS NULL;
CREATE INDEX event_by_subject ON event (subject, id);

-- Events are facts: once sequenced nothing about them changes, and nothing is deleted.
CREATE FUNCTION event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'event rows are never deleted';
    END IF;
    IF OLD.stream_seq IS NOT NULL OR NEW.body IS DISTINCT FROM OLD.body
       OR NEW.event_id <> OLD.event_id OR NEW.event_type <> OLD.event_type
       OR NEW.subject <> OLD.subject OR NEW.occurred_at <> OLD.occurred_at THEN
        RAISE EXCEPTION 'event % is immutable', OLD.event_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
    FOR EACH ROW EXECUTE FUNCTION event_is_append_only();

-- One row per stream: chain head, what the broker has acknowledged, and the relay lease.
CREATE TABLE stream_head (
    stream           text PRIMARY KEY,
    last_seq         bigint NOT NULL DEFAULT 0,
    last_hash        text   NOT NULL DEFAULT repeat('0', 64),
    published_seq    bigint NOT NULL DEFAULT 0,
    relay_holder     text,
    relay_token      bigint NOT NULL DEFAULT 0,
    relay_expires_at timestamptz,
    CHECK (published_seq <= last_seq)
);

CREATE TABLE stream_checkpoint (
    stream       text        NOT NULL,
    seq          bigint      NOT NULL,
    hash         text        NOT NULL,
    signed_at    timestamptz NOT NULL,
    key_id       text        NOT NULL,
    signature    text        NOT NULL,
    published_at timestamptz,
    PRIMARY KEY (stream, seq)
);

-- Events this service consumed; claimed in the same transaction as their effect.
CREATE TABLE inbox (
    event_id     uuid PRIMARY KEY,
    source       text        NOT NULL,
    event_type   text        NOT NULL,
    topic        text        NOT NULL,
    kafka_partition integer  NOT NULL,
    kafka_offset bigint      NOT NULL,
    outcome      text        NOT NULL CHECK (outcome IN ('applied', 'dead_lettered')),
    received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dead_letter (
    id              bigserial PRIMARY KEY,
    event_id        uuid,
    topic           text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    reason          text        NOT NULL,
    raw             bytea,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- HTTP idempotency: a retried command with the same key replays the first answer.
CREATE TABLE idempotency_key (
    key           text        NOT NULL,
    principal     text        NOT NULL,
    request_hash  text        NOT NULL,
    status_code   integer     NOT NULL,
    response      jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
