"""The board takes one item out of an approved batch before execution (`disposal.item_dropped`).

A legal hold placed after the reservation would otherwise strand the batch: custody refuses to hand
the held item over, and execution waits for every reserved item. Dropping it releases only its
reservation (custody answers `custody.reservation_released`); the batch executes the rest.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from tangvat_disposal import SERVICE, domain, store
from tangvat_disposal.domain import Reservation
from tangvat_disposal.schemas import DropIn
from tangvat_disposal.service.common import Disposal, answer_body, batch, record_named
from tangvat_disposal.service.reservations import ready_if_answered
from tangvat_shared.command import CommandContext, Decision, Outcome, run_command
from tangvat_shared.errors import Conflict


async def drop_item(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID, item_id: uuid.UUID,
                    body: DropIn) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        current = await batch(conn, ctx.principal, batch_id, for_update=True)
        entry = await store.batch_item(conn, batch_id, item_id)
        reservation = entry["reservation"] if entry else None
        counts = await store.reservation_counts(conn, batch_id)
        drafts = domain.drop(current, reservation, item_id=item_id, reason=body.reason, deferred=body.deferred,
                             by=ctx.user, live_items=sum(counts.get(r.value, 0) for r in domain.LIVE_RESERVATIONS))
        if not await store.drop_item(conn, batch_id, item_id, body.reason, body.deferred, ctx.user, now):
            raise Conflict("the item's reservation changed meanwhile", code="concurrent_change")
        # Free in disposal's read model at once; it cannot be proposed again before custody has put it
        # back in storage (the read model still shows it reserved until then).
        await store.release_items(conn, batch_id, [item_id])
        # The answer names the drop, not the batch_ready it may complete.
        named = await record_named(conn, ctx, now, drafts)
        ready = await ready_if_answered(conn, batch_id, current["status"], now) \
            if reservation == Reservation.PENDING else []
        status = domain.BatchStatus.READY.value if ready else current["status"]
        return Outcome.done(answer_body(batch_id, status, named, item_id=str(item_id),
                                        reservation=Reservation.DROPPED.value, deferred=body.deferred,
                                        reason=body.reason), event_ids=False), ready

    return await run_command(disposal.pool, ctx, SERVICE, work)
