-- Custody's view of an item lives beside intake's, not in it: the two streams arrive in no agreed order,
-- and a custody event folded before the item's registration must not be lost.
CREATE TABLE item_custody (
    item_id       uuid PRIMARY KEY,
    custody_state text,
    on_hold       boolean NOT NULL DEFAULT false
);
INSERT INTO item_custody (item_id, custody_state, on_hold)
    SELECT item_id, custody_state, on_hold FROM item WHERE custody_state IS NOT NULL OR on_hold;
ALTER TABLE item DROP COLUMN custody_state, DROP COLUMN on_hold;
