"""Receipt and moves: the scan station's hot path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import asyncpg

from tangvat_custody import domain, store
from tangvat_custody.schemas import (
    CheckInIn,
    MoveIn,
)
from tangvat_custody.service.common import (
    Custody,
    Result,
    _command,
    _container,
    _emit,
    _location,
    _now,
    _out,
    _scanned,
)
from tangvat_shared.command import CommandContext
from tangvat_shared.errors import Conflict
from tangvat_shared.idempotency import StoredResponse
from tangvat_shared.labels import verify_label
from tangvat_shared.transitions import HoldRule, sources_of, transition_for

# --- receipt and moves -------------------------------------------------------------------------


async def _scan_fast(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, label: str,
                     location: Mapping[str, Any], event_type: str, now: datetime, extra_where: str = "",
                     **changes: Any) -> asyncpg.Record | None:
    """The hot path of a scan: one guarded UPDATE whose conditions come from the transition table.

    Returns the item as it was before (state and location) with its other fields, or None when
    the item is not in a state the event allows (or not here); the caller then takes the locked
    path, whose pure guard names the exact reason (409, 403, 404, 422)."""
    item_id, label_code = verify_label(custody.label_key, label)
    transition = transition_for(event_type)
    if transition.hold is not HoldRule.IGNORED:
        return None
    row = await store.guarded_update(conn, item_id, sources_of(event_type), now, label_code=label_code,
                                     warehouse_id=location["warehouse_id"], extra_where=extra_where, **changes)
    if row is None:
        return None
    return cast(asyncpg.Record, {**dict(row), "state": row["old_state"], "location_code": row["old_location_code"]})


async def check_in(custody: Custody, ctx: CommandContext, body: CheckInIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        location = await _location(conn, custody, ctx, body.location_code)
        item = await _scan_fast(conn, custody, ctx, body.label, location, "custody.item_received", now,
                                state="in_storage", location_code=location["location_code"], received_at=now)
        written = item is not None
        if item is None:  # the locked path: raises the precise error, or wins after all
            item = await _scanned(conn, custody, ctx, body.label)
        drafts = domain.check_in(
            item, location,
            quantity_counted=item["quantity"] if body.quantity_counted is None else body.quantity_counted,
            condition=body.condition or item["condition"], seal_intact=body.seal_intact, note=body.note,
        )
        if not written:
            await store.update_item(conn, item["item_id"], now, state="in_storage",
                                    location_code=location["location_code"], received_at=now)
        ids = await _emit(conn, ctx, drafts, now)
        return 200, _out("in_storage", ids, item_id=item["item_id"], location_code=location["location_code"],
                         discrepancies=[d.data["kind"] for d in drafts[1:]])

    return await _command(custody, ctx, work)


async def move(custody: Custody, ctx: CommandContext, body: MoveIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        location = await _location(conn, custody, ctx, body.location_code)
        if body.label is not None:
            item = await _scan_fast(conn, custody, ctx, body.label, location, "custody.item_moved", now,
                                    "AND old.location_code IS DISTINCT FROM $5 AND i.container_id IS NULL",
                                    location_code=location["location_code"])
            written = item is not None
            if item is None:
                item = await _scanned(conn, custody, ctx, body.label)
            draft = domain.move(item, location)
            await _not_counted(conn, location["warehouse_id"], [item["location_code"], location["location_code"]])
            if not written:
                await store.update_item(conn, item["item_id"], now, location_code=location["location_code"])
            ids = await _emit(conn, ctx, [draft], now)
            return 200, _out("moved", ids, item_id=item["item_id"], location_code=location["location_code"])
        assert body.container_code is not None
        container = await _container(conn, ctx, body.container_code)
        if container["warehouse_id"] != location["warehouse_id"]:
            raise Conflict("the container is in another warehouse", code="wrong_warehouse")
        await _not_counted(conn, location["warehouse_id"], [container["location_code"], location["location_code"]])
        # Moving a container moves every item in it: one event per item keeps each item's trail whole.
        packed = await store.items_in_container(conn, container["container_id"])
        drafts = [domain.move(item, location, container["container_id"]) for item in packed
                  if item["location_code"] != location["location_code"]]
        await store.update_items(conn, [i["item_id"] for i in packed], now, location_code=location["location_code"])
        await store.set_container_location(conn, container["container_id"], location["location_code"])
        ids = await _emit(conn, ctx, drafts, now)
        return 200, _out("moved", ids, container_id=container["container_id"], items=len(packed),
                         location_code=location["location_code"])

    return await _command(custody, ctx, work)


async def _not_counted(conn: asyncpg.Connection, warehouse_id: str, codes: Sequence[str | None]) -> None:
    """A move in or out of a location under an open inventory count would falsify the count: refused until
    the count closes (a count of the whole warehouse freezes every move in it). Raised after the fast path
    wrote, it rolls the move back with the rest of the transaction."""
    counts = await store.open_counts(conn, warehouse_id)
    if not counts:
        return
    scope = await store.location_ancestry(conn, [c for c in codes if c])
    for count in counts:
        if count["location_code"] is None or count["location_code"] in scope:
            where = count["location_code"] or f"warehouse {warehouse_id}"
            raise Conflict(f"{where} is being counted (count {count['count_id']}): no moves in or out until it "
                           "closes", code="count_in_progress",
                           details={"count_id": str(count["count_id"]), "location_code": count["location_code"]})
