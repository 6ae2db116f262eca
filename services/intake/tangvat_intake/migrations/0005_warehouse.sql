-- The warehouses custody registered (custody.warehouse_registered, consumed by intake's handlers): an item's
-- destination warehouse must be one of them. Intake's own copy: it never reads custody's database.
CREATE TABLE warehouse (
    warehouse_id  text PRIMARY KEY,
    name          text        NOT NULL,
    registered_at timestamptz NOT NULL
);
