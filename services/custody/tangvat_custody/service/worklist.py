"""What needs doing in a warehouse, for the staff's home page: open counts, and the requests waiting for a
second person told in full (the item, its description, holder, purpose, due date, who asked)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from tangvat_custody import domain_requests as requests
from tangvat_custody import reads
from tangvat_custody.service.common import Custody
from tangvat_shared.auth import Principal
from tangvat_shared.transitions import ItemState

# How many of a request's items the list names; `item_count` says how many there are in all.
NAMED_ITEMS = 20


async def open_counts(custody: Custody, principal: Principal, warehouse_id: str) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await reads.open_counts(conn, warehouse_id)]


async def approval_views(conn: asyncpg.Connection, rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each pending approval with what it would do, read from its stored request: only items of the approval's
    own warehouse are named (the caller was checked for that warehouse)."""
    return [{**row, **await _what(conn, row)} for row in rows]


async def _what(conn: asyncpg.Connection, row: Mapping[str, Any]) -> dict[str, Any]:
    payload, warehouse_id = row["payload"], row["warehouse_id"]
    kind = requests.ApprovalKind(row["kind"])
    out: dict[str, Any] = {}
    if kind is requests.ApprovalKind.CHECK_OUT:
        wanted = requests.CheckOut.from_json(payload["request"])
        out |= {"holder": wanted.holder, "holder_kind": wanted.holder_kind.value, "purpose": wanted.purpose,
                "due_at": wanted.due_at}
        items = await reads.items_named(conn, warehouse_id, [uuid.UUID(payload["item_id"])])
    elif kind is requests.ApprovalKind.DISPOSAL_HANDOVER:
        handover = requests.Handover.from_json(payload["request"])
        out |= {"holder": handover.recipient, "batch_id": handover.batch_id}
        items = await reads.batch_items_in(conn, warehouse_id, handover.batch_id,
                                           [ItemState.RESERVED_FOR_DISPOSAL.value])
    else:
        dispatch = requests.Dispatch.from_json(payload["request"])
        out |= {"to_warehouse_id": dispatch.to_warehouse_id, "holder": dispatch.carrier}
        items = await reads.items_named(conn, warehouse_id, dispatch.item_ids)
    out["item_count"] = len(items)
    out["items"] = [dict(i) for i in items[:NAMED_ITEMS]]
    return out
