"""Disposal's read-only query SQL (the pages' and the auditors' reads); what writes stays in store.py."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from tangvat_shared.units import UnitFilter


async def custody_actors(conn: asyncpg.Connection, item_id: uuid.UUID) -> list[str]:
    rows = await conn.fetch("SELECT user_id FROM custody_actor WHERE item_id = $1 ORDER BY user_id", item_id)
    return [r["user_id"] for r in rows]


async def confirmed_witnesses(conn: asyncpg.Connection, batch_id: uuid.UUID) -> list[dict[str, Any]]:
    """Who has confirmed attending the batch's destruction so far, as the page shows them to the recorder."""
    rows = await conn.fetch("""SELECT user_id, name, organisation, confirmed_at FROM batch_witness WHERE batch_id = $1
                               ORDER BY confirmed_at, user_id""", batch_id)
    return [dict(r) for r in rows]


async def list_batches(conn: asyncpg.Connection, units: UnitFilter | None, status: str | None, limit: int
                       ) -> list[asyncpg.Record]:
    """The newest batches of the units `units` covers (None: every unit's)."""
    return await conn.fetch(
        """SELECT * FROM batch WHERE ($1::text[] IS NULL OR unit = ANY($1::text[]) OR unit LIKE ANY($2::text[]))
           AND ($3::text IS NULL OR status = $3) ORDER BY proposed_at DESC LIMIT $4""",
        None if units is None else units.exact, None if units is None else units.below, status, limit,
    )


async def batch_items(conn: asyncpg.Connection, batch_id: uuid.UUID, offset: int = 0, limit: int | None = None
                      ) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT b.*, i.category, i.description, i.quantity, i.unit, i.value_vnd, i.label_code, i.seizure_id,
                  c.custody_state, coalesce(c.on_hold, false) AS on_hold
           FROM batch_item b JOIN item i USING (item_id) LEFT JOIN item_custody c USING (item_id)
           WHERE b.batch_id = $1
           ORDER BY i.label_code, b.item_id OFFSET $2 LIMIT $3""",
        batch_id, offset, limit,
    )


async def outcome_counts(conn: asyncpg.Connection, batch_id: uuid.UUID) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT outcome, count(*) AS n FROM batch_item WHERE batch_id = $1 AND outcome IS NOT NULL GROUP BY 1",
        batch_id,
    )
    return {r["outcome"]: r["n"] for r in rows}


async def unavailable(conn: asyncpg.Connection, batch_id: uuid.UUID, limit: int = 1000) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT item_id, reason FROM batch_item WHERE batch_id = $1 AND reservation = 'unavailable'
           ORDER BY item_id LIMIT $2""",
        batch_id, limit,
    )


async def dropped(conn: asyncpg.Connection, batch_id: uuid.UUID, limit: int = 1000) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT b.item_id, b.drop_reason, b.deferred, b.dropped_by, b.dropped_at, i.label_code, i.description,
                  i.quantity, i.unit, i.value_vnd
           FROM batch_item b JOIN item i USING (item_id)
           WHERE b.batch_id = $1 AND b.reservation = 'dropped' ORDER BY b.dropped_at, b.item_id LIMIT $2""",
        batch_id, limit,
    )


async def batch_event_bodies(conn: asyncpg.Connection, batch_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch("SELECT body FROM event WHERE subject = $1 ORDER BY id", f"batch/{batch_id}")
    return [r["body"] for r in rows]


async def signed_forms(conn: asyncpg.Connection, batch_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM signed_form WHERE batch_id = $1 ORDER BY signed_at DESC", batch_id)


async def signed_form(conn: asyncpg.Connection, form_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM signed_form WHERE form_id = $1", form_id)
