-- Each dead letter says why, in a word a metric and a readiness check can count by:
--   unparseable     not JSON, or not a JSON object
--   unknown_type    an event type or schema version this service does not know
--   invalid         an envelope or data that breaks its event's schema
--   handler_failed  a valid event that this service's own handler failed to apply, attempt after attempt:
--                   the read model lacks its effect (an alarm, unlike the poison above)
-- `consumer` is the consumer group that dead-lettered it; `resolved_at` is set by an operator who has
-- dealt with a dead letter (re-applied the event or accepted its loss), so it no longer degrades readiness.
ALTER TABLE dead_letter
    ADD COLUMN kind        text,
    ADD COLUMN consumer    text,
    ADD COLUMN event_type  text,
    ADD COLUMN resolved_at timestamptz;

UPDATE dead_letter SET kind = CASE
    WHEN event_id IS NOT NULL THEN 'handler_failed'
    WHEN reason LIKE 'invalid JSON%' OR reason LIKE 'message is not a JSON object%' THEN 'unparseable'
    WHEN reason LIKE 'unknown event type%' OR reason LIKE '% has no schema version %' THEN 'unknown_type'
    ELSE 'invalid' END;

ALTER TABLE dead_letter
    ALTER COLUMN kind SET NOT NULL,
    ADD CONSTRAINT dead_letter_kind_check
        CHECK (kind IN ('unparseable', 'unknown_type', 'invalid', 'handler_failed'));

-- A record redelivered after a crash is dead-lettered once (rows from before this migration have no consumer).
CREATE UNIQUE INDEX dead_letter_once ON dead_letter (consumer, topic, kafka_partition, kafka_offset);
-- What readiness counts on every probe: the unresolved dead letters of valid events.
CREATE INDEX dead_letter_unresolved ON dead_letter (consumer) WHERE kind = 'handler_failed' AND resolved_at IS NULL;
