"""The SQL of the two-person rule: approvals a second person decides, and each person's rolling window of moves
made alone."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg


async def insert_approval(conn: asyncpg.Connection, approval_id: uuid.UUID, kind: str, warehouse_id: str,
                          payload: dict[str, Any], value_vnd: int, by: str, now: datetime) -> None:
    await conn.execute(
        """INSERT INTO approval (approval_id, kind, warehouse_id, payload, value_vnd, requested_by, requested_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        approval_id, kind, warehouse_id, payload, value_vnd, by, now,
    )


async def approval(conn: asyncpg.Connection, approval_id: uuid.UUID, *, for_update: bool = False
                   ) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM approval WHERE approval_id = $1{lock}", approval_id)


async def decide_approval(conn: asyncpg.Connection, approval_id: uuid.UUID, status: str, by: str, now: datetime,
                          result: dict[str, Any] | None) -> None:
    await conn.execute(
        "UPDATE approval SET status = $2, decided_by = $3, decided_at = $4, result = $5 WHERE approval_id = $1",
        approval_id, status, by, now, result,
    )


async def pending_approvals(conn: asyncpg.Connection, warehouse_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM approval WHERE warehouse_id = $1 AND status = 'pending' ORDER BY requested_at",
        warehouse_id,
    )


# --- the two-person rule's rolling window ---------------------------------------------------------


async def lock_solo_moves(conn: asyncpg.Connection, user_id: str, warehouse_id: str) -> None:
    """One person's moves in one warehouse decide one at a time: two requests at once cannot both read a
    window without the other."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('solo_move/' || $1 || '/' || $2, 0))",
                       user_id, warehouse_id)


async def solo_moves_since(conn: asyncpg.Connection, user_id: str, warehouse_id: str, since: datetime) -> int:
    """The value this person moved alone in this warehouse since `since`."""
    total = await conn.fetchval(
        """SELECT COALESCE(sum(value_vnd), 0) FROM solo_move
            WHERE user_id = $1 AND warehouse_id = $2 AND moved_at > $3""", user_id, warehouse_id, since)
    return int(total)


async def record_solo_move(conn: asyncpg.Connection, user_id: str, warehouse_id: str, kind: str, value_vnd: int,
                           now: datetime) -> None:
    await conn.execute(
        "INSERT INTO solo_move (user_id, warehouse_id, kind, value_vnd, moved_at) VALUES ($1, $2, $3, $4, $5)",
        user_id, warehouse_id, kind, value_vnd, now)
