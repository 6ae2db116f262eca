-- The stream becomes three append-only parts, so that the relay never rewrites an event row:
--   event_record  the facts, as written by the service's transactions (immutable);
--   outbox        the queue of events not yet sequenced, with their canonical JSON bytes;
--   event_seal    each event's place in the chain (sequence, prevhash, hash), written by the relay.
-- `event` stays readable as a view over the first and the last.
ALTER TABLE event RENAME TO event_record;
DROP TRIGGER event_append_only ON event_record;
DROP FUNCTION event_is_append_only();

CREATE TABLE event_seal (
    event_id   uuid   PRIMARY KEY,
    stream_seq bigint NOT NULL UNIQUE,
    prev_hash  text   NOT NULL,
    hash       text   NOT NULL
);
INSERT INTO event_seal (event_id, stream_seq, prev_hash, hash)
    SELECT event_id, stream_seq, prev_hash, hash FROM event_record WHERE stream_seq IS NOT NULL;

CREATE TABLE outbox (
    id       bigserial PRIMARY KEY,
    event_id uuid  NOT NULL,
    subject  text  NOT NULL,
    -- RFC 8785 JSON of the unsequenced envelope; NULL only for rows queued before this migration.
    payload  bytea
);
INSERT INTO outbox (event_id, subject)
    SELECT event_id, subject FROM event_record WHERE stream_seq IS NULL ORDER BY id;

DROP INDEX event_unsequenced;
ALTER TABLE event_record DROP COLUMN stream_seq, DROP COLUMN prev_hash, DROP COLUMN hash;

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$;
CREATE TRIGGER event_record_append_only BEFORE UPDATE OR DELETE ON event_record
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER event_seal_append_only BEFORE UPDATE OR DELETE ON event_seal
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE VIEW event AS
    SELECT r.id, r.event_id, r.event_type, r.subject, r.occurred_at, r.correlation_id, r.body,
           s.stream_seq, s.prev_hash, s.hash
      FROM event_record r LEFT JOIN event_seal s USING (event_id);
