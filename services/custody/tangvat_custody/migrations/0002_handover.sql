-- Reserved items are handed over to the disposal team (two people above the value threshold)
-- before disposal may execute them.
ALTER TABLE item DROP CONSTRAINT item_state_check;
ALTER TABLE item ADD CONSTRAINT item_state_check CHECK (state IN ('awaiting_receipt', 'in_storage', 'in_transit',
    'checked_out', 'missing', 'reserved_for_disposal', 'handed_over', 'disposed', 'released'));
ALTER TABLE item ADD COLUMN handover_id uuid;
