-- The warehouse that holds the item now, as custody's transfers tell it (custody.item_transfer_dispatched /
-- _received, applied by intake's consumer); NULL until its first transfer: the warehouse it was registered to.
ALTER TABLE item ADD COLUMN holding_warehouse_id text;
