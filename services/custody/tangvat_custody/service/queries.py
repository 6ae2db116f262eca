"""Custody's read side: items, history, custody at a time, warehouse figures."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from tangvat_custody import store
from tangvat_custody.service.common import (
    Custody,
    _now,
)
from tangvat_shared.auth import Principal
from tangvat_shared.errors import NotFound
from tangvat_shared.labels import InvalidLabel, verify_label
from tangvat_shared.transitions import ItemStatus, fold, place_after, transition_for

# --- queries -------------------------------------------------------------------------------------


async def get_item(custody: Custody, principal: Principal, item_id: uuid.UUID) -> asyncpg.Record:
    async with custody.pool.acquire() as conn:
        item = await store.item(conn, item_id)
    if item is None:
        raise NotFound(f"item {item_id} is not known to custody", code="unknown_item")
    principal.require_warehouse(item["warehouse_id"])
    return item


async def item_by_label(custody: Custody, principal: Principal, label: str) -> asyncpg.Record:
    item_id, label_code = verify_label(custody.label_key, label)
    item = await get_item(custody, principal, item_id)
    if item["label_code"] != label_code:
        raise InvalidLabel("the label's code is not this item's label")
    return item


async def item_history(custody: Custody, principal: Principal, item_id: uuid.UUID) -> list[asyncpg.Record]:
    await get_item(custody, principal, item_id)
    async with custody.pool.acquire() as conn:
        return await store.item_events(conn, item_id)


async def custody_at(custody: Custody, principal: Principal, item_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    """Who held the item, where, in what state at time `at`: a fold of its custody events."""
    await get_item(custody, principal, item_id)
    async with custody.pool.acquire() as conn:
        events = await store.item_events(conn, item_id, until=at)
    status = ItemStatus(None)
    out: dict[str, Any] = {"item_id": item_id, "at": at, "state": None, "on_hold": False, "warehouse_id": None,
                           "location_code": None, "holder": None, "holder_kind": None, "last_event_type": None,
                           "last_event_at": None, "last_actor_id": None}
    shelf = None
    for event in events:
        data = event["body"]["data"]
        status = fold([event["event_type"]], status)
        out["location_code"], shelf = place_after(transition_for(event["event_type"]).place, data,
                                                  out["location_code"], shelf)
        warehouse = data.get("warehouse_id") or data.get("to_warehouse_id")
        if warehouse:
            out["warehouse_id"] = warehouse
        if event["event_type"] == "custody.item_checked_out":
            out["holder"], out["holder_kind"] = data["holder"], data["holder_kind"]
        elif event["event_type"] == "custody.item_handed_over":
            out["holder"], out["holder_kind"] = data["recipient"], "disposal"
        elif event["event_type"] in ("custody.item_returned", "custody.reservation_released"):
            out["holder"], out["holder_kind"] = None, None
        if event["event_type"] not in ("custody.item_unavailable", "custody.item_still_reserved"):
            out.update(last_event_type=event["event_type"], last_event_at=event["occurred_at"],
                       last_actor_id=event["body"]["actorid"])
    if status.state is not None:
        out["state"], out["on_hold"] = status.state.value, status.on_hold
        if out["holder"] is None and status.state.value in ("in_storage", "reserved_for_disposal",
                                                            "awaiting_receipt"):
            out["holder"], out["holder_kind"] = out["warehouse_id"], "warehouse"
    return out


async def items_at_location(custody: Custody, principal: Principal, code: str, at: datetime | None
                            ) -> list[uuid.UUID]:
    async with custody.pool.acquire() as conn:
        location = await store.location(conn, code)
        if location is None:
            raise NotFound(f"location {code} not found", code="unknown_location")
        principal.require_warehouse(location["warehouse_id"])
        if at is None:
            return [r["item_id"] for r in await store.items_at(conn, code)]
        return [r["item_id"] for r in await store.items_at_time(conn, code, at)]


async def warehouse_summary(custody: Custody, principal: Principal, warehouse_id: str) -> dict[str, Any]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return {"warehouse_id": warehouse_id, "states": await store.state_counts(conn, warehouse_id),
                "on_hold": await store.on_hold_count(conn, warehouse_id)}


async def storage_age(custody: Custody, principal: Principal, warehouse_id: str) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        rows = await store.storage_age(conn, warehouse_id, _now())
    return [{"bucket": r["bucket"], "items": r["n"], "oldest_received_at": r["oldest"]} for r in rows]


async def perishables_past_limit(custody: Custody, principal: Principal, warehouse_id: str, limit: int
                                 ) -> list[asyncpg.Record]:
    principal.require_warehouse(warehouse_id)
    cutoff = _now() - timedelta(days=custody.perishable_limit_days)
    async with custody.pool.acquire() as conn:
        return await store.perishables_past(conn, warehouse_id, cutoff, limit)


async def overdue(custody: Custody, principal: Principal, warehouse_id: str, limit: int) -> list[asyncpg.Record]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return await store.overdue(conn, warehouse_id, _now(), limit)


async def warehouse_items(custody: Custody, principal: Principal, warehouse_id: str, state: str | None,
                          after: str, limit: int) -> list[asyncpg.Record]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return await store.items_in_state(conn, warehouse_id, state, after, limit)


async def discrepancies(custody: Custody, principal: Principal, warehouse_id: str, limit: int
                        ) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await store.discrepancies(conn, warehouse_id, limit)]


async def locations(custody: Custody, principal: Principal, warehouse_id: str) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await store.locations(conn, warehouse_id)]
