-- A receipt photo's bytes are kept in the file store by their SHA-256 (tangvat_shared.files): the row keeps the
-- hash and what the pages list. Rows staged before keep their bytes here until their first read moves them.
ALTER TABLE item_photo ALTER COLUMN content DROP NOT NULL;
