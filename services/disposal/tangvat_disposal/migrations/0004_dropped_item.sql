-- The board may take one item out of an approved batch before execution (a late legal hold, say):
-- the row stays, listed as dropped with the board's reason, and custody releases its reservation.
ALTER TABLE batch_item DROP CONSTRAINT batch_item_reservation_check;
ALTER TABLE batch_item ADD CONSTRAINT batch_item_reservation_check
    CHECK (reservation IN ('pending', 'reserved', 'unavailable', 'released', 'dropped'));
ALTER TABLE batch_item
    ADD COLUMN drop_reason text,
    ADD COLUMN deferred    boolean,
    ADD COLUMN dropped_by  text,
    ADD COLUMN dropped_at  timestamptz,
    ADD CONSTRAINT batch_item_dropped_check CHECK ((reservation = 'dropped') = (dropped_at IS NOT NULL));
