"""Custody's read side: items, history, custody at a time, warehouse figures."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tangvat_custody import domain, reads, store
from tangvat_custody import domain_flows as flows
from tangvat_custody.service.common import Custody
from tangvat_shared.auth import ALL, Principal
from tangvat_shared.history import history
from tangvat_shared.labels import InvalidLabel, verify_label


async def get_item(custody: Custody, principal: Principal, item_id: uuid.UUID) -> dict[str, Any]:
    async with custody.pool.acquire() as conn:
        item = await store.item(conn, item_id)
    if item is None:
        raise domain.unknown_item(item_id)
    # Kept outside the caller's warehouses (awaiting receipt there too): as unknown as an id nobody registered.
    principal.require_visible_warehouse(item["warehouse_id"], domain.unknown_item(item_id))
    return dict(item)


async def item_by_label(custody: Custody, principal: Principal, label: str) -> dict[str, Any]:
    item_id, label_code = verify_label(custody.label_key, label)
    item = await get_item(custody, principal, item_id)
    if item["label_code"] != label_code:
        raise InvalidLabel("the label's code is not this item's label")
    return item


async def item_history(custody: Custody, principal: Principal, item_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every event recorded about the item, in order (`HistoryEntry`s)."""
    await get_item(custody, principal, item_id)
    async with custody.pool.acquire() as conn:
        return history(await reads.item_events(conn, item_id))


async def custody_at(custody: Custody, principal: Principal, item_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    """Who held the item, where, in what state at time `at`: a fold of its custody events."""
    await get_item(custody, principal, item_id)
    async with custody.pool.acquire() as conn:
        events = await reads.item_events(conn, item_id, until=at)
    return flows.custody_at(item_id, at, events)


async def items_at_location(custody: Custody, principal: Principal, code: str, at: datetime | None
                            ) -> list[uuid.UUID]:
    async with custody.pool.acquire() as conn:
        location = await store.location(conn, code)
        if location is None:
            raise domain.unknown_location(code)
        principal.require_visible_warehouse(location["warehouse_id"], domain.unknown_location(code))
        if at is None:
            return [r["item_id"] for r in await reads.items_at(conn, code)]
        return [r["item_id"] for r in await reads.items_at_time(conn, code, at)]


async def container_contents(custody: Custody, principal: Principal, code: str) -> dict[str, Any]:
    """A container, where it stands and what it holds; outside the caller's warehouses, as unknown as a code
    nobody registered."""
    async with custody.pool.acquire() as conn:
        container = await store.container(conn, code)
        if container is None:
            raise domain.unknown_container(code)
        principal.require_visible_warehouse(container["warehouse_id"], domain.unknown_container(code))
        items = [dict(r) for r in await reads.container_items(conn, container["container_id"])]
    return {**dict(container), "items": items}


async def warehouse_summary(custody: Custody, principal: Principal, warehouse_id: str) -> dict[str, Any]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return {"warehouse_id": warehouse_id, "states": await reads.state_counts(conn, warehouse_id),
                "on_hold": await reads.on_hold_count(conn, warehouse_id)}


async def storage_age(custody: Custody, principal: Principal, warehouse_id: str) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        rows = await reads.storage_age(conn, warehouse_id, datetime.now(UTC))
    return [{"bucket": r["bucket"], "items": r["n"], "oldest_received_at": r["oldest"]} for r in rows]


async def perishables_past_limit(custody: Custody, principal: Principal, warehouse_id: str, limit: int
                                 ) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    cutoff = datetime.now(UTC) - timedelta(days=custody.perishable_limit_days)
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await reads.perishables_past(conn, warehouse_id, cutoff, limit)]


async def overdue(custody: Custody, principal: Principal, warehouse_id: str, limit: int) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await reads.overdue(conn, warehouse_id, datetime.now(UTC), limit)]


async def warehouse_items(custody: Custody, principal: Principal, warehouse_id: str, state: str | None,
                          after: str, limit: int, q: str | None = None) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await reads.items_in_state(conn, warehouse_id, state, after, limit, q)]


async def search_items(custody: Custody, principal: Principal, q: str, after: str, limit: int
                       ) -> list[dict[str, Any]]:
    """The items matching `q` in every warehouse the caller's scope covers (all of them for `*`); a scope of no
    warehouse finds nothing."""
    warehouses = None if ALL in principal.warehouses else sorted(principal.warehouses)
    if warehouses == []:
        return []
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await reads.search_items(conn, warehouses, q, after, limit)]


async def discrepancies(custody: Custody, principal: Principal, warehouse_id: str, limit: int
                        ) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await reads.discrepancies(conn, warehouse_id, limit)]


async def locations(custody: Custody, principal: Principal, warehouse_id: str) -> list[dict[str, Any]]:
    principal.require_registry_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await reads.locations(conn, warehouse_id)]
