-- A remembered answer keeps the command's outcome (created / done / pending), not an HTTP status:
-- the HTTP layer maps outcomes to status codes in one place.
ALTER TABLE idempotency_key ADD COLUMN outcome text;
UPDATE idempotency_key
   SET outcome = CASE status_code WHEN 201 THEN 'created' WHEN 202 THEN 'pending' ELSE 'done' END;
ALTER TABLE idempotency_key ALTER COLUMN outcome SET NOT NULL,
                            ADD CONSTRAINT idempotency_outcome CHECK (outcome IN ('created', 'done', 'pending')),
                            DROP COLUMN status_code;
