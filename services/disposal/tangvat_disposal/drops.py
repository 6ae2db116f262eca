"""The board takes one item out of an approved batch before execution (`disposal.item_dropped`).

A legal hold placed after the reservation would otherwise strand the batch: custody refuses to hand
the held item over, and execution waits for every reserved item. Dropping it releases only its
reservation (custody answers `custody.reservation_released`); the batch executes the rest.
"""

from __future__ import annotations

import uuid

import asyncpg

from tangvat_disposal import domain, store
from tangvat_disposal.domain import BatchStatus, Reservation
from tangvat_disposal.schemas import DropIn
from tangvat_disposal.service import (
    Disposal,
    Draft,
    Result,
    _command,
    _locked_batch,
    _now,
    _out,
    emit,
    ready_if_answered,
    subject_of,
)
from tangvat_shared.command import CommandContext
from tangvat_shared.errors import Conflict
from tangvat_shared.idempotency import StoredResponse


async def drop_item(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID, item_id: uuid.UUID,
                    body: DropIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        row = await _locked_batch(conn, ctx, batch_id)
        entry = await store.batch_item(conn, batch_id, item_id)
        counts = await store.reservation_counts(conn, batch_id)
        domain.check_drop(row["status"], entry["reservation"] if entry else None,
                          live_items=sum(counts.get(r.value, 0) for r in domain.LIVE_RESERVATIONS))
        now = _now()
        if not await store.drop_item(conn, batch_id, item_id, body.reason, body.deferred, ctx.user, now):
            raise Conflict("the item's reservation changed meanwhile", code="concurrent_change")
        # Free in disposal's read model at once; it cannot be proposed again before custody has put it
        # back in storage (the read model still shows it reserved until then).
        await store.release_items(conn, batch_id, [item_id])
        ids = await emit(conn, ctx.actor, subject_of(batch_id), [Draft("disposal.item_dropped", {
            "batch_id": str(batch_id), "item_id": str(item_id), "reason": body.reason, "deferred": body.deferred,
            "dropped_by": ctx.user})], now, correlation_id=ctx.correlation_id)
        if row["status"] == BatchStatus.RESERVING and entry is not None and entry["reservation"] == Reservation.PENDING:
            await ready_if_answered(conn, batch_id, ctx.actor, correlation_id=ctx.correlation_id)
        after = await store.batch(conn, batch_id)
        status = after["status"] if after is not None else row["status"]
        return 200, _out(batch_id, status, ids, item_id=str(item_id), reservation=Reservation.DROPPED.value,
                         deferred=body.deferred, reason=body.reason)

    return await _command(disposal, ctx, work)
