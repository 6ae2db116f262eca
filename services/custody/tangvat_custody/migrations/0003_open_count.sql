-- Every move asks whether its locations are under an open count: usually none is, and this says so at once.
CREATE INDEX stock_count_open ON stock_count (warehouse_id) WHERE closed_at IS NULL;
