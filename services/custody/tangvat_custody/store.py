"""The SQL of custody's commands and consumer (asyncpg); the query routes' read-only SQL is in `reads`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_custody.domain import ItemDecision, discrepancy_row
from tangvat_shared.draft import Draft
from tangvat_shared.transitions import ON_SHELVES, ItemState, sources_of, transition_for

_AWAITING = str(transition_for("custody.item_awaiting_receipt").target)  # the state intake's items arrive in
ON_SHELF_STATES = sorted(s.value for s in ON_SHELVES)  # the states in which an item lies on one of our shelves

# --- warehouses, locations, containers -------------------------------------------------------


async def insert_warehouse(conn: asyncpg.Connection, warehouse_id: str, name: str) -> bool:
    status = await conn.execute(
        "INSERT INTO warehouse (warehouse_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING", warehouse_id, name
    )
    return bool(status.endswith(" 1"))


async def warehouse(conn: asyncpg.Connection, warehouse_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM warehouse WHERE warehouse_id = $1", warehouse_id)


async def insert_location(conn: asyncpg.Connection, code: str, warehouse_id: str, kind: str, parent: str | None,
                          name: str | None) -> None:
    await conn.execute(
        "INSERT INTO location (location_code, warehouse_id, kind, parent_code, name) VALUES ($1, $2, $3, $4, $5)",
        code, warehouse_id, kind, parent, name,
    )


async def location(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM location WHERE location_code = $1", code)



async def insert_container(conn: asyncpg.Connection, container_id: uuid.UUID, code: str, warehouse_id: str,
                           location_code: str | None) -> None:
    await conn.execute(
        """INSERT INTO container (container_id, container_code, warehouse_id, location_code)
           VALUES ($1, $2, $3, $4)""",
        container_id, code, warehouse_id, location_code,
    )


async def container(conn: asyncpg.Connection, code: str, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM container WHERE container_code = $1{lock}", code)


async def set_container_location(conn: asyncpg.Connection, container_id: uuid.UUID, location_code: str) -> None:
    await conn.execute("UPDATE container SET location_code = $2 WHERE container_id = $1", container_id,
                       location_code)


# --- items ------------------------------------------------------------------------------------

_ITEM_INSERT_COLUMNS = ("item_id", "seizure_id", "label_code", "category", "description", "quantity", "unit",
                        "value_vnd", "perishable", "hazardous", "condition", "warehouse_id", "registered_at",
                        "seizing_unit")


async def insert_awaiting(conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> list[asyncpg.Record]:
    """Items registered at intake, awaiting receipt; returns the ones not already known."""
    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [() for _ in _ITEM_INSERT_COLUMNS]
    return await conn.fetch(
        """INSERT INTO item (item_id, seizure_id, label_code, category, description, quantity, unit, value_vnd,
                             perishable, hazardous, condition, warehouse_id, registered_at, seizing_unit, state,
                             state_changed_at, legal_status)
           SELECT u.*, $15::text, u.registered_at, s.status
             FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
                         $8::bigint[], $9::bool[], $10::bool[], $11::text[], $12::text[], $13::timestamptz[],
                         $14::text[])
                  AS u(item_id, seizure_id, label_code, category, description, quantity, unit, value_vnd,
                       perishable, hazardous, condition, warehouse_id, registered_at, seizing_unit)
             LEFT JOIN seizure_legal_status s ON s.seizure_id = u.seizure_id
           ON CONFLICT (item_id) DO NOTHING
           RETURNING item_id""",
        *[list(c) for c in columns], _AWAITING,
    )


async def item(conn: asyncpg.Connection, item_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM item WHERE item_id = $1{lock}", item_id)


async def items(conn: asyncpg.Connection, item_ids: Sequence[uuid.UUID], *, for_update: bool = False
                ) -> dict[uuid.UUID, asyncpg.Record]:
    # Locks in id order, so two bulk commands over overlapping items cannot deadlock.
    lock = " FOR UPDATE" if for_update else ""
    rows = await conn.fetch(
        f"SELECT * FROM item WHERE item_id = ANY($1::uuid[]) ORDER BY item_id{lock}", list(item_ids)
    )
    return {r["item_id"]: r for r in rows}


async def items_of_batch(conn: asyncpg.Connection, batch_id: uuid.UUID,
                         states: Sequence[str] = (ItemState.RESERVED_FOR_DISPOSAL, ItemState.HANDED_OVER),
                         warehouse_id: str | None = None) -> list[asyncpg.Record]:
    """The items a disposal batch holds (reserved, or handed over to the disposal team), locked."""
    return await conn.fetch(
        """SELECT * FROM item WHERE batch_id = $1 AND state = ANY($2::text[])
              AND ($3::text IS NULL OR warehouse_id = $3) ORDER BY item_id FOR UPDATE""",
        batch_id, [str(s) for s in states], warehouse_id,
    )






def _columns(decision: ItemDecision, now: datetime) -> dict[str, Any]:
    """The columns a decision writes: the state the domain returned (stamping when it changed) and its fields."""
    columns = dict(decision.fields)
    if decision.state is not None:
        columns.update(state=decision.state.value, state_changed_at=now)
    return columns


async def save_item(conn: asyncpg.Connection, decision: ItemDecision, now: datetime) -> None:
    """Write what the domain decided for a locked item."""
    columns = _columns(decision, now)
    assignments = "".join(f", {c} = ${i + 2}" for i, c in enumerate(columns))
    await conn.execute(f"UPDATE item SET version = version + 1{assignments} WHERE item_id = $1",
                       decision.item_id, *columns.values())


async def save_item_if(conn: asyncpg.Connection, decision: ItemDecision, now: datetime, *, version: int,
                       event_type: str) -> bool:
    """Write what the domain decided from an unlocked read, if the item is still as read: the same version,
    in a state the transition table allows `event_type` in. False when someone changed it meanwhile (the
    caller then decides again on the locked row)."""
    columns = _columns(decision, now)
    assignments = "".join(f", {c} = ${i + 4}" for i, c in enumerate(columns))
    status = await conn.execute(
        f"""UPDATE item SET version = version + 1{assignments}
             WHERE item_id = $1 AND version = $2 AND state = ANY($3::text[])""",
        decision.item_id, version, sources_of(event_type), *columns.values(),
    )
    return bool(status.endswith(" 1"))


async def save_items(conn: asyncpg.Connection, decisions: Sequence[ItemDecision], now: datetime) -> None:
    """Write many decisions: one UPDATE per distinct change (a container's items all move to one shelf)."""
    groups: dict[tuple[Any, ...], list[ItemDecision]] = {}
    for decision in decisions:
        key = (decision.state, *sorted(decision.fields.items()))
        groups.setdefault(key, []).append(decision)
    for group in groups.values():
        columns = _columns(group[0], now)
        assignments = "".join(f", {c} = ${i + 2}" for i, c in enumerate(columns))
        await conn.execute(f"UPDATE item SET version = version + 1{assignments} WHERE item_id = ANY($1::uuid[])",
                           [d.item_id for d in group], *columns.values())




async def apply_correction(conn: asyncpg.Connection, item_id: uuid.UUID, changes: dict[str, Any]) -> None:
    columns = list(changes)
    assignments = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(columns))
    await conn.execute(f"UPDATE item SET {assignments} WHERE item_id = $1", item_id, *changes.values())


async def record_legal_status(conn: asyncpg.Connection, seizure_ids: list[uuid.UUID], statuses: list[str],
                              decisions: list[dict[str, Any]]) -> None:
    await conn.execute(
        """INSERT INTO seizure_legal_status (seizure_id, status, decision)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])
           ON CONFLICT (seizure_id) DO UPDATE SET status = excluded.status, decision = excluded.decision""",
        seizure_ids, statuses, decisions,
    )
    await conn.execute(
        """UPDATE item i SET legal_status = u.status
             FROM unnest($1::uuid[], $2::text[]) AS u(seizure_id, status) WHERE i.seizure_id = u.seizure_id""",
        seizure_ids, statuses,
    )


async def items_in_container(conn: asyncpg.Connection, container_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM item WHERE container_id = $1 ORDER BY item_id FOR UPDATE", container_id)


# --- discrepancies, transfers (counts, approvals, photos: store_counts, store_approvals, store_photos) --


async def insert_discrepancies(conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        await conn.executemany(
            """INSERT INTO discrepancy (item_id, warehouse_id, kind, expected, observed, context, reference_id,
                                        note, recorded_by, recorded_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            rows,
        )


async def save_discrepancies(conn: asyncpg.Connection, drafts: Sequence[Draft], by: str, now: datetime) -> None:
    """The warehouse's rows for the discrepancies a command decided on (their events go to the chain)."""
    await insert_discrepancies(conn, [discrepancy_row(d, by, now) for d in drafts])



async def insert_transfer(conn: asyncpg.Connection, transfer_id: uuid.UUID, source: str, target: str,
                          carrier: str | None, dispatched_by: str, confirmed_by: str | None, now: datetime,
                          item_ids: list[uuid.UUID]) -> None:
    await conn.execute(
        """INSERT INTO transfer (transfer_id, from_warehouse_id, to_warehouse_id, carrier, dispatched_by,
                                 confirmed_by, dispatched_at) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        transfer_id, source, target, carrier, dispatched_by, confirmed_by, now,
    )
    await conn.execute(
        "INSERT INTO transfer_item (transfer_id, item_id) SELECT $1::uuid, unnest($2::uuid[])", transfer_id, item_ids
    )


async def transfer(conn: asyncpg.Connection, transfer_id: uuid.UUID, *, for_update: bool = False
                   ) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM transfer WHERE transfer_id = $1{lock}", transfer_id)


async def transfer_items(conn: asyncpg.Connection, transfer_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM transfer_item WHERE transfer_id = $1 ORDER BY item_id", transfer_id
    )


async def mark_transfer_received(conn: asyncpg.Connection, transfer_id: uuid.UUID, item_ids: list[uuid.UUID],
                                 by: str, now: datetime) -> None:
    await conn.execute(
        """UPDATE transfer_item SET received_at = $3, received_by = $4
            WHERE transfer_id = $1 AND item_id = ANY($2::uuid[])""",
        transfer_id, item_ids, now, by,
    )


async def close_transfer(conn: asyncpg.Connection, transfer_id: uuid.UUID, by: str, now: datetime) -> None:
    await conn.execute("UPDATE transfer SET closed_at = $2, received_by = $3 WHERE transfer_id = $1",
                       transfer_id, now, by)


async def location_ancestry(conn: asyncpg.Connection, codes: Sequence[str]) -> set[str]:
    """The locations and every location above them (bin -> shelf -> zone)."""
    rows = await conn.fetch(
        """WITH RECURSIVE up(code) AS (
               SELECT unnest($1::text[])
               UNION SELECT l.parent_code FROM location l JOIN up ON l.location_code = up.code
                      WHERE l.parent_code IS NOT NULL)
           SELECT code FROM up""",
        list(codes),
    )
    return {r["code"] for r in rows}
