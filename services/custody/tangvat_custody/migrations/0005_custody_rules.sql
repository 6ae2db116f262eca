-- The highest value custody ever recorded for an item: the two-person rule weighs it, so a correction
-- down (150M -> 1,000 VND) does not let one person move the item alone. Kept by the database on every
-- write of value_vnd, whichever path writes it (registration, correction).
ALTER TABLE item ADD COLUMN highest_value_vnd bigint;
UPDATE item SET highest_value_vnd = value_vnd;
ALTER TABLE item ALTER COLUMN highest_value_vnd SET NOT NULL;

CREATE FUNCTION item_keep_highest_value() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.highest_value_vnd := GREATEST(NEW.value_vnd, COALESCE(NEW.highest_value_vnd, NEW.value_vnd));
    ELSE
        NEW.highest_value_vnd := GREATEST(OLD.highest_value_vnd, NEW.value_vnd);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER item_keep_highest_value BEFORE INSERT OR UPDATE OF value_vnd ON item
    FOR EACH ROW EXECUTE FUNCTION item_keep_highest_value();

-- The seizing unit of the item (intake.item_registered names it): a legal hold is placed and lifted by
-- the board of that unit only. Items registered before this column have none (only national scope).
ALTER TABLE item ADD COLUMN seizing_unit text;

-- What each person moved alone (check-out, dispatch, handover without a second person), per warehouse:
-- the two-person rule weighs the sum over a rolling window, so splitting a move into pieces is no way
-- around it.
CREATE TABLE solo_move (
    id           bigserial   PRIMARY KEY,
    user_id      text        NOT NULL,
    warehouse_id text        NOT NULL,
    kind         text        NOT NULL,
    value_vnd    bigint      NOT NULL,
    moved_at     timestamptz NOT NULL
);
CREATE INDEX solo_move_by_person ON solo_move (user_id, warehouse_id, moved_at);
