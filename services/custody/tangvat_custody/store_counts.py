"""The SQL of stock counts (kiểm kê): opening one with what it expects, its scans, closing it with its report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_custody.store import ON_SHELF_STATES


async def open_count(conn: asyncpg.Connection, count_id: uuid.UUID, warehouse_id: str, location_code: str | None,
                     blind: bool, by: str, now: datetime) -> int:
    await conn.execute(
        """INSERT INTO stock_count (count_id, warehouse_id, location_code, blind, opened_by, opened_at)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        count_id, warehouse_id, location_code, blind, by, now,
    )
    # Items on the shelves of the warehouse, or of the location and everything under it.
    status = await conn.execute(
        """WITH RECURSIVE scope(code) AS (
               SELECT $3::text WHERE $3::text IS NOT NULL
               UNION ALL SELECT l.location_code FROM location l JOIN scope s ON l.parent_code = s.code)
           INSERT INTO count_expected (count_id, item_id, location_code)
           SELECT $1::uuid, i.item_id, i.location_code FROM item i
            WHERE i.warehouse_id = $2 AND i.state = ANY($4::text[])
              AND ($3::text IS NULL OR i.location_code IN (SELECT code FROM scope))""",
        count_id, warehouse_id, location_code, ON_SHELF_STATES,
    )
    return int(status.split()[-1])


async def open_counts(conn: asyncpg.Connection, warehouse_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT count_id, location_code FROM stock_count WHERE warehouse_id = $1 AND closed_at IS NULL
            ORDER BY opened_at""",
        warehouse_id,
    )


async def stock_count(conn: asyncpg.Connection, count_id: uuid.UUID, *, for_update: bool = False
                      ) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM stock_count WHERE count_id = $1{lock}", count_id)


async def record_count_scan(conn: asyncpg.Connection, count_id: uuid.UUID, item_id: uuid.UUID,
                            location_code: str | None, by: str, now: datetime,
                            device_scanned_at: datetime | None = None) -> bool:
    status = await conn.execute(
        """INSERT INTO count_scan (count_id, item_id, location_code, scanned_by, scanned_at, device_scanned_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
        count_id, item_id, location_code, by, now, device_scanned_at,
    )
    return bool(status.endswith(" 1"))


async def count_expected(conn: asyncpg.Connection, count_id: uuid.UUID) -> dict[uuid.UUID, str | None]:
    rows = await conn.fetch("SELECT item_id, location_code FROM count_expected WHERE count_id = $1", count_id)
    return {r["item_id"]: r["location_code"] for r in rows}


async def count_scans(conn: asyncpg.Connection, count_id: uuid.UUID) -> dict[uuid.UUID, str | None]:
    rows = await conn.fetch("SELECT item_id, location_code FROM count_scan WHERE count_id = $1", count_id)
    return {r["item_id"]: r["location_code"] for r in rows}


async def is_expected(conn: asyncpg.Connection, count_id: uuid.UUID, item_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM count_expected WHERE count_id = $1 AND item_id = $2)", count_id, item_id))


async def close_count(conn: asyncpg.Connection, count_id: uuid.UUID, by: str, now: datetime,
                      report: dict[str, Any]) -> None:
    await conn.execute("UPDATE stock_count SET closed_by = $2, closed_at = $3, report = $4 WHERE count_id = $1",
                       count_id, by, now, report)
