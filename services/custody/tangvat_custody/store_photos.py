"""The SQL of photos taken at receipt: staged one by one, then named by the receipt that records them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg


async def insert_photo(conn: asyncpg.Connection, photo_id: uuid.UUID, item_id: uuid.UUID, warehouse_id: str,
                       media_type: str, size_bytes: int, sha256: str, by: str, now: datetime) -> int:
    """Stage a photo of an item (its bytes are in the file store, by `sha256`); answers how many photos the item
    has (this one included)."""
    await conn.execute(
        """INSERT INTO item_photo (photo_id, item_id, warehouse_id, media_type, size_bytes, sha256,
                                   uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        photo_id, item_id, warehouse_id, media_type, size_bytes, sha256, by, now)
    return int(await conn.fetchval("SELECT count(*) FROM item_photo WHERE item_id = $1", item_id))


async def photo_count(conn: asyncpg.Connection, item_id: uuid.UUID) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM item_photo WHERE item_id = $1", item_id))


async def staged_photos(conn: asyncpg.Connection, photo_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, asyncpg.Record]:
    """The named photos (locked, without their bytes): a receipt names each at most once."""
    rows = await conn.fetch(
        """SELECT photo_id, item_id, media_type, size_bytes, sha256, received_at FROM item_photo
            WHERE photo_id = ANY($1::uuid[]) ORDER BY photo_id FOR UPDATE""", list(photo_ids))
    return {r["photo_id"]: r for r in rows}


async def mark_photos_received(conn: asyncpg.Connection, photo_ids: Sequence[uuid.UUID], now: datetime) -> None:
    await conn.execute("UPDATE item_photo SET received_at = $2 WHERE photo_id = ANY($1::uuid[])", list(photo_ids), now)


async def forget_photo_bytes(conn: asyncpg.Connection, sha256: str) -> None:
    """Drop the bytes a photo staged before the file store kept in its row, once the store holds them."""
    await conn.execute("UPDATE item_photo SET content = NULL WHERE sha256 = $1 AND content IS NOT NULL", sha256)
