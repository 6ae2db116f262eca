-- A count scan queued on a handheld while offline reaches custody later: the instant the device scanned it,
-- beside scanned_at (when custody recorded it). The scanned item's events carry the same instant in their data.
ALTER TABLE count_scan ADD COLUMN device_scanned_at timestamptz;
