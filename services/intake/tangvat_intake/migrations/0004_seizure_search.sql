-- Seizure search (GET /seizures): Vietnamese-aware matching on columns folded by tv_fold, unaccented lower case
-- ("Bắc Ninh" is kept as "bac ninh"), with trigram indexes so that a part of a word is found without a scan.
-- tv_fold's table is tangvat_intake.folding.FOLDS written out (tests/unit/test_intake_folding.py compares them);
-- the search folds what was typed with the same table. pg_trgm is a trusted extension: the database's owner
-- (the service's role) may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION tv_fold(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT btrim(regexp_replace(lower(translate($1,
        'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ' || U&'\0300\0301\0302\0303\0304\0305\0306\0307\0308\0309\030A\030B\030C\030D\030E\030F\0310\0311\0312\0313\0314\0315\0316\0317\0318\0319\031A\031B\031C\031D\031E\031F\0320\0321\0322\0323\0324\0325\0326\0327\0328\0329\032A\032B\032C\032D\032E\032F\0330\0331\0332\0333\0334\0335\0336\0337\0338\0339\033A\033B\033C\033D\033E\033F\0340\0341\0342\0343\0344\0345\0346\0347\0348\0349\034A\034B\034C\034D\034E\034F\0350\0351\0352\0353\0354\0355\0356\0357\0358\0359\035A\035B\035C\035D\035E\035F\0360\0361\0362\0363\0364\0365\0366\0367\0368\0369\036A\036B\036C\036D\036E\036F',
        'AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzOoUuAaIiOoUuUuUuUuUuAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyAaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwyAaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy')), '\s+', ' ', 'g'))
$$;

ALTER TABLE seizure
    ADD COLUMN record_folded text GENERATED ALWAYS AS (tv_fold(record_number)) STORED,
    ADD COLUMN case_folded text GENERATED ALWAYS AS (tv_fold(coalesce(case_id, ''))) STORED,
    ADD COLUMN offender_folded text GENERATED ALWAYS AS (
        tv_fold(coalesce(offender ->> 'name', '') || ' ' || coalesce(offender ->> 'id_number', ''))) STORED,
    ADD COLUMN search_folded text GENERATED ALWAYS AS (tv_fold(
        record_number || ' ' || coalesce(case_id, '') || ' ' || coalesce(offender ->> 'name', '') || ' '
        || coalesce(offender ->> 'id_number', '') || ' ' || province || ' ' || address || ' '
        || coalesce(notes, ''))) STORED;

ALTER TABLE item ADD COLUMN brand_folded text GENERATED ALWAYS AS (tv_fold(brand)) STORED;

CREATE INDEX seizure_by_unit_time ON seizure (seizing_unit, seized_at DESC, seizure_id DESC);
CREATE INDEX seizure_by_time ON seizure (seized_at DESC, seizure_id DESC);
CREATE INDEX seizure_record_trgm ON seizure USING gin (record_folded gin_trgm_ops);
CREATE INDEX seizure_case_trgm ON seizure USING gin (case_folded gin_trgm_ops);
CREATE INDEX seizure_offender_trgm ON seizure USING gin (offender_folded gin_trgm_ops);
CREATE INDEX seizure_search_trgm ON seizure USING gin (search_folded gin_trgm_ops);
CREATE INDEX item_brand_trgm ON item USING gin (brand_folded gin_trgm_ops) WHERE brand IS NOT NULL;
CREATE INDEX item_by_warehouse ON item (warehouse_id, seizure_id);
