-- The shelf an item last left (checked out, dispatched, missing, handed over to the disposal team):
-- a reservation released after a handover puts the item back there (transitions.Place.RETURNS).
ALTER TABLE item ADD COLUMN shelf_code text REFERENCES location;

-- Before this rule the shelf was not kept. The one that matters (a handover's, to return to) is in
-- custody's own stream: goods still with the disposal team remember it, and goods released from a
-- cancelled batch, which came back to storage on no shelf, go back onto it — as the auditor's fold says.
WITH handover AS (
    SELECT DISTINCT ON (subject) subject, body -> 'data' ->> 'from_location_code' AS from_location_code
      FROM event WHERE event_type = 'custody.item_handed_over' ORDER BY subject, id DESC)
UPDATE item i SET shelf_code = h.from_location_code,
                  location_code = CASE WHEN i.state = 'in_storage' THEN h.from_location_code END
  FROM handover h
 WHERE h.subject = 'item/' || i.item_id::text AND h.from_location_code IS NOT NULL
   AND (i.state = 'handed_over' OR (i.state = 'in_storage' AND i.location_code IS NULL));
