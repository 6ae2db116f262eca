"""Handover of a batch's reserved items to the disposal team."""

from __future__ import annotations

import uuid

import asyncpg

from tangvat_custody import domain, store
from tangvat_custody.schemas import (
    HandoverIn,
)
from tangvat_custody.service.common import (
    Custody,
    Result,
    _command,
    _emit,
    _now,
    _out,
    _pending,
    _scanned,
)
from tangvat_shared.command import CommandContext
from tangvat_shared.errors import Conflict
from tangvat_shared.idempotency import StoredResponse
from tangvat_shared.transitions import guard

# --- handover to the disposal team ----------------------------------------------------------------


async def hand_over(custody: Custody, ctx: CommandContext, body: HandoverIn) -> StoredResponse:
    """Release a batch's reserved items to the disposal team; above the threshold (the items' total
    value) it waits for a second, different staff member's confirmation."""
    ctx.principal.require_warehouse(body.warehouse_id)

    async def work(conn: asyncpg.Connection) -> Result:
        items = await _handover_items(conn, custody, ctx, body)
        value = sum(i["value_vnd"] for i in items)
        if domain.needs_second_person(value, custody.two_person_threshold_vnd):
            return await _pending(conn, ctx, "disposal_handover", body.warehouse_id,
                                  {"request": body.model_dump(mode="json")}, value)
        return await _execute_handover(conn, custody, ctx, body, None, items)

    return await _command(custody, ctx, work)


async def _handover_items(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, body: HandoverIn
                          ) -> list[asyncpg.Record]:
    if body.labels is None:
        items = await store.items_of_batch(conn, body.batch_id, ("reserved_for_disposal",), body.warehouse_id)
        if not items:
            raise Conflict(f"no item of batch {body.batch_id} is reserved in {body.warehouse_id}",
                           code="nothing_to_hand_over")
    else:
        items = [await _scanned(conn, custody, ctx, label) for label in dict.fromkeys(body.labels)]
    others = [str(i["item_id"]) for i in items if i["batch_id"] != body.batch_id]
    if others:
        raise Conflict(f"{len(others)} item(s) are not reserved for batch {body.batch_id}",
                       code="not_reserved_for_batch", details={"item_ids": others[:1000]})
    for item in items:
        if item["warehouse_id"] != body.warehouse_id:
            raise Conflict(f"item {item['item_id']} is not in {body.warehouse_id}", code="wrong_warehouse")
        guard("custody.item_handed_over", domain.status_of(item))
    return items


async def _execute_handover(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, body: HandoverIn,
                            requested_by: str | None, items: list[asyncpg.Record] | None = None) -> Result:
    now = _now()
    if items is None:  # a confirmation: the items may have changed while it waited
        items = await _handover_items(conn, custody, ctx, body)
    handover_id = uuid.uuid4()
    batch, handover = str(body.batch_id), str(handover_id)  # once, not per item's event
    drafts = [
        domain.item_event(item, "custody.item_handed_over", batch_id=batch, handover_id=handover,
                          warehouse_id=item["warehouse_id"], recipient=body.recipient,
                          from_location_code=item["location_code"], requested_by=requested_by,
                          confirmed_by=ctx.user if requested_by else None, location_code=None)[1]
        for item in items
    ]
    await store.project(conn, "custody.item_handed_over", [i["item_id"] for i in items], now,
                        handover_id=handover_id)
    ids = await _emit(conn, ctx, drafts, now)
    return 200, _out("handed_over", ids, handover_id=handover_id, batch_id=body.batch_id, items=len(items),
                     value_vnd=sum(i["value_vnd"] for i in items))
