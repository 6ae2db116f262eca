-- Custody's staff hand reserved items over to the disposal team; only those may be executed.
ALTER TABLE batch_item ADD COLUMN handed_over boolean NOT NULL DEFAULT false;
