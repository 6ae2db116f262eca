"""All SQL of the intake service."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_intake.domain import CHUNK, Registration
from tangvat_intake.search import SeizureSearch
from tangvat_shared.units import UnitFilter

ITEM_COLUMNS = (
    "item_id", "seizure_id", "line_no", "category", "description", "brand", "quantity", "unit",
    "value_vnd", "perishable", "hazardous", "condition", "photos", "label_code", "warehouse_id",
    "registered_at",
)

_ITEM_FIELDS = """item_id, seizure_id, line_no, category, description, brand, quantity, unit, value_vnd,
                  perishable, hazardous, condition, photos, label_code, warehouse_id"""


async def label_codes_taken(conn: asyncpg.Connection, codes: list[str]) -> list[str]:
    rows = await conn.fetch("SELECT label_code FROM item WHERE label_code = ANY($1::text[])", codes)
    return [r["label_code"] for r in rows]


async def record_number_taken(conn: asyncpg.Connection, unit: str, record_number: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM seizure WHERE seizing_unit = $1 AND record_number = $2)",
            unit,
            record_number,
        )
    )


async def insert_seizure(conn: asyncpg.Connection, registration: Registration, fields: Mapping[str, Any],
                         registered_by: str, registered_at: datetime) -> None:
    """The seizure's row; `fields` are its validated fields as Python values (enums, datetimes)."""
    s = fields
    await conn.execute(
        """INSERT INTO seizure (seizure_id, record_number, seizing_unit, agency, officers, seized_at, province,
                                address, legal_basis, case_id, violation_categories, offender, notes, attachments,
                                item_count, total_value_vnd, registered_by, registered_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)""",
        registration.seizure_id, s["record_number"], s["seizing_unit"], s["agency"].value, s["officers"],
        s["seized_at"], s["province"], s["address"], s["legal_basis"], s["case_id"],
        [c.value for c in s["violation_categories"]],
        _jsonable(s["offender"]), s["notes"], [_jsonable(a) for a in s["attachments"]],
        registration.item_count, registration.total_value_vnd, registered_by, registered_at,
    )


async def insert_items(conn: asyncpg.Connection, registration: Registration, registered_at: datetime) -> None:
    """Every item of a registration, one COPY per 5,000 rows (the rows of one chunk at a time in memory)."""
    seizure_id = str(registration.seizure_id)
    for start in range(0, registration.item_count, CHUNK):
        ids = registration.item_ids(start, start + CHUNK)
        rows = [
            (item_id, seizure_id, start + offset + 1, item.category.value, item.description, item.brand,
             item.quantity, item.unit, item.value_vnd, item.perishable, item.hazardous, item.condition,
             item.photos, item.label_code, item.warehouse_id, registered_at)
            for offset, (item_id, item) in enumerate(zip(ids, registration.items[start : start + CHUNK], strict=True))
        ]
        await conn.copy_records_to_table("item", records=rows, columns=ITEM_COLUMNS)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (v.value if hasattr(v, "value") else v) for k, v in value.items()}
    return value


async def seizure(
    conn: asyncpg.Connection, seizure_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM seizure WHERE seizure_id = $1{lock}", seizure_id)


async def items_by_category(conn: asyncpg.Connection, seizure_id: uuid.UUID) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT category, count(*) AS n FROM item WHERE seizure_id = $1 GROUP BY category", seizure_id
    )
    return {r["category"]: r["n"] for r in rows}


async def items_page(
    conn: asyncpg.Connection, seizure_id: uuid.UUID, *, category: str | None, after: int, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {_ITEM_FIELDS} FROM item
             WHERE seizure_id = $1 AND ($2::text IS NULL OR category = $2) AND line_no > $3
             ORDER BY line_no LIMIT $4""",
        seizure_id, category, after, limit,
    )


async def item(conn: asyncpg.Connection, item_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(
        f"SELECT {_ITEM_FIELDS}, (SELECT seizing_unit FROM seizure s WHERE s.seizure_id = i.seizure_id)"
        " AS seizing_unit, coalesce(holding_warehouse_id, warehouse_id) AS holding_warehouse_id"
        f" FROM item i WHERE item_id = $1{lock}",
        item_id,
    )


async def set_holding_warehouses(conn: asyncpg.Connection, holders: dict[uuid.UUID, str]) -> None:
    """Where custody says each item is held now (items intake never registered are left alone)."""
    await conn.execute(
        """UPDATE item SET holding_warehouse_id = h.warehouse_id
           FROM unnest($1::uuid[], $2::text[]) AS h(item_id, warehouse_id) WHERE item.item_id = h.item_id""",
        list(holders), list(holders.values()))


async def update_item(conn: asyncpg.Connection, item_id: uuid.UUID, changes: dict[str, Any]) -> None:
    columns = list(changes)
    assignments = ", ".join(f"{column} = ${i + 2}" for i, column in enumerate(columns))
    await conn.execute(f"UPDATE item SET {assignments} WHERE item_id = $1", item_id, *changes.values())


async def update_seizure(conn: asyncpg.Connection, seizure_id: uuid.UUID, changes: dict[str, Any]) -> None:
    columns = list(changes)
    assignments = ", ".join(f"{column} = ${i + 2}" for i, column in enumerate(columns))
    await conn.execute(f"UPDATE seizure SET {assignments} WHERE seizure_id = $1", seizure_id, *changes.values())


async def set_legal_status(conn: asyncpg.Connection, seizure_id: uuid.UUID, status: str,
                           decision: dict[str, Any]) -> None:
    await conn.execute(
        "UPDATE seizure SET legal_status = $2, legal_decision = $3 WHERE seizure_id = $1",
        seizure_id, status, decision,
    )


async def subject_history(conn: asyncpg.Connection, subject: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT event_id, event_type, stream_seq, occurred_at, body FROM event
            WHERE subject = $1 ORDER BY id""",
        subject,
    )


async def labels_page(conn: asyncpg.Connection, seizure_id: uuid.UUID, after: int, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT item_id, line_no, label_code, category, description, warehouse_id FROM item
            WHERE seizure_id = $1 AND line_no > $2 ORDER BY line_no LIMIT $3""",
        seizure_id, after, limit,
    )


# --- label reprints -------------------------------------------------------------------------------

async def lock_reprints(conn: asyncpg.Connection, item_id: uuid.UUID) -> int:
    """How many times the item's label was reprinted, with the item locked so that two reprints number apart."""
    await conn.execute("SELECT 1 FROM item WHERE item_id = $1 FOR UPDATE", item_id)
    return int(await conn.fetchval("SELECT count(*) FROM label_reprint WHERE item_id = $1", item_id) or 0)


async def insert_reprint(conn: asyncpg.Connection, reprint_id: uuid.UUID, item_id: uuid.UUID, reprint_no: int,
                         reason: str, note: str | None, label_format: str, user: str, now: datetime) -> None:
    await conn.execute(
        """INSERT INTO label_reprint (reprint_id, item_id, reprint_no, reason, note, format, reprinted_by,
                                      reprinted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        reprint_id, item_id, reprint_no, reason, note, label_format, user, now)


async def reprints(conn: asyncpg.Connection, item_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM label_reprint WHERE item_id = $1 ORDER BY reprint_no", item_id)


async def reprint(conn: asyncpg.Connection, reprint_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM label_reprint WHERE reprint_id = $1", reprint_id)


# --- warehouses (custody's registrations) and the seizure search ----------------------------------------------

async def insert_warehouses(conn: asyncpg.Connection, rows: list[tuple[str, str, datetime]]) -> None:
    await conn.executemany(
        "INSERT INTO warehouse (warehouse_id, name, registered_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", rows)


async def unknown_warehouses(conn: asyncpg.Connection, warehouse_ids: list[str]) -> set[str]:
    """Those of `warehouse_ids` that custody never registered."""
    rows = await conn.fetch(
        """SELECT w FROM unnest($1::text[]) AS w
            WHERE NOT EXISTS (SELECT 1 FROM warehouse WHERE warehouse_id = w)""", warehouse_ids)
    return {r["w"] for r in rows}


SEARCH_COLUMNS = """s.seizure_id, s.record_number, s.seizing_unit, s.agency, s.seized_at, s.province, s.address,
                    s.case_id, s.offender, s.violation_categories, s.item_count, s.total_value_vnd, s.legal_status"""


async def search_seizures(conn: asyncpg.Connection, search: SeizureSearch, units: UnitFilter | None,
                          limit: int) -> list[asyncpg.Record]:
    """Seizures newest first matching every filter given, within the caller's units; folded text matches by
    trigram index, `before` continues a page (seized_at, seizure_id) after the last one shown."""
    before_at, before_id = search.before if search.before else (None, None)
    return await conn.fetch(
        f"""SELECT {SEARCH_COLUMNS} FROM seizure s
             WHERE ($1::text[] IS NULL OR s.seizing_unit = ANY($1::text[]) OR s.seizing_unit LIKE ANY($2::text[]))
               AND ($3::text IS NULL OR s.search_folded LIKE $3)
               AND ($4::text IS NULL OR s.record_folded LIKE $4)
               AND ($5::text IS NULL OR s.case_folded LIKE $5)
               AND ($6::text IS NULL OR s.offender_folded LIKE $6)
               AND ($7::text IS NULL OR s.seizure_id IN (SELECT i.seizure_id FROM item i
                                                         WHERE i.brand IS NOT NULL AND i.brand_folded LIKE $7))
               AND ($8::text IS NULL OR s.seizure_id IN (SELECT i.seizure_id FROM item i WHERE i.warehouse_id = $8))
               AND ($9::timestamptz IS NULL OR s.seized_at >= $9)
               AND ($10::timestamptz IS NULL OR s.seized_at < $10)
               AND (NOT $11::boolean OR s.legal_status IS NULL)
               AND ($12::text IS NULL OR s.legal_status = $12)
               AND ($13::timestamptz IS NULL OR (s.seized_at, s.seizure_id) < ($13, $14::uuid))
             ORDER BY s.seized_at DESC, s.seizure_id DESC LIMIT $15""",
        None if units is None else units.exact, None if units is None else units.below,
        search.text, search.record_number, search.case_id, search.offender, search.brand, search.warehouse_id,
        search.seized_from, search.seized_until, search.undecided, search.legal_status, before_at, before_id, limit)
# --- photos and documents added after registration (their bytes in the file store) ------------------------------


async def insert_attachment(conn: asyncpg.Connection, seizure_id: uuid.UUID, item_id: uuid.UUID | None, sha256: str,
                            name: str, media_type: str, size_bytes: int, by: str, now: datetime) -> bool:
    """Record an attachment; False when the seizure already has this file (the same bytes are the same file)."""
    added = await conn.fetchval(
        """INSERT INTO attachment (seizure_id, sha256, item_id, name, media_type, size_bytes, added_by, added_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING true""",
        seizure_id, sha256, item_id, name, media_type, size_bytes, by, now)
    return bool(added)


async def attachments(conn: asyncpg.Connection, seizure_id: uuid.UUID, item_id: uuid.UUID | None = None
                      ) -> list[asyncpg.Record]:
    """A seizure's attachments (only one item's, with `item_id`), oldest first."""
    return await conn.fetch(
        """SELECT seizure_id, sha256, item_id, name, media_type, size_bytes, added_by, added_at FROM attachment
            WHERE seizure_id = $1 AND ($2::uuid IS NULL OR item_id = $2) ORDER BY added_at, sha256""",
        seizure_id, item_id)


async def item_photo_hashes(conn: asyncpg.Connection, seizure_id: uuid.UUID) -> list[str]:
    """The photos a seizure's items were registered with (by SHA-256)."""
    rows = await conn.fetch("SELECT DISTINCT unnest(photos) AS sha256 FROM item WHERE seizure_id = $1", seizure_id)
    return [r["sha256"] for r in rows]
