"""Handover of a batch's reserved items to the disposal team."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_custody import domain_flows as flows
from tangvat_custody import domain_requests as requests
from tangvat_custody import store
from tangvat_custody.service.common import (
    Custody,
    body,
    command,
    load_scanned,
    moved_alone,
    needs_second_person,
    pending,
)
from tangvat_shared.command import CommandContext, Decision, Outcome
from tangvat_shared.transitions import ItemState


async def hand_over(custody: Custody, ctx: CommandContext, request: requests.Handover) -> Outcome:
    """Release a batch's reserved items to the disposal team; above the threshold (the items' total
    value) it waits for a second, different staff member's confirmation."""
    ctx.principal.require_warehouse(request.warehouse_id)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        items = await _handover_items(conn, custody, ctx, request)
        value = sum(requests.recorded_value(i) for i in items)
        if await needs_second_person(conn, custody, ctx, request.warehouse_id, value, now):
            return await pending(conn, ctx, requests.ApprovalKind.DISPOSAL_HANDOVER, request.warehouse_id,
                                 {"request": request.to_json()}, value, now), []
        await moved_alone(conn, ctx, request.warehouse_id, requests.ApprovalKind.DISPOSAL_HANDOVER, value, now)
        return await execute_handover(conn, custody, ctx, request, requests.UNCONFIRMED, now, items)

    return await command(custody, ctx, work)


async def _handover_items(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, request: requests.Handover
                          ) -> list[dict[str, Any]]:
    """The items the handover names, locked: the scanned ones, or every one of the batch reserved here."""
    if request.labels is None:
        rows = await store.items_of_batch(conn, request.batch_id, (ItemState.RESERVED_FOR_DISPOSAL,),
                                          request.warehouse_id)
        items = [dict(r) for r in rows]
    else:
        items = [await load_scanned(conn, custody, ctx, label) for label in dict.fromkeys(request.labels)]
    flows.require_handover(request, items)
    return items


async def execute_handover(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, request: requests.Handover,
                           confirmation: requests.Confirmation, now: datetime,
                           items: list[dict[str, Any]] | None = None) -> Decision:
    if items is None:  # a confirmation: the items may have changed while it waited
        items = await _handover_items(conn, custody, ctx, request)
    handover_id = uuid.uuid4()
    decided = flows.hand_over(items, request, handover_id, confirmation)
    await store.save_items(conn, decided.decisions, now)
    return Outcome.done(body("handed_over", handover_id=handover_id, batch_id=request.batch_id, items=len(items),
                             value_vnd=sum(i["value_vnd"] for i in items))), decided.drafts
