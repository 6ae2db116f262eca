"""Execution: the destruction, sale, transfer or return of a ready batch's reserved, handed-over items."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from tangvat_disposal import SERVICE, domain_execution, store
from tangvat_disposal.domain import BatchStatus, Reservation
from tangvat_disposal.schemas import ExecutionIn
from tangvat_disposal.service.common import Disposal, answer_body, batch, move, record_named
from tangvat_shared.command import CommandContext, Decision, Outcome, run_command
from tangvat_shared.events.disposal import Method


async def execute(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID, body: ExecutionIn) -> Outcome:
    execution = body.model_dump(mode="json", exclude={"confirmed_item_ids"})
    witnesses = domain_execution.witness_ids(execution)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        current = await batch(conn, ctx.principal, batch_id, for_update=True)
        reserved: list[uuid.UUID] = []
        waiting: list[uuid.UUID] = []
        in_chain: dict[str, str] = {}
        previous: list[str] | None = None
        if current["status"] == BatchStatus.READY:  # else the domain refuses the move before it looks further
            reserved = await store.batch_item_ids(conn, batch_id, Reservation.RESERVED.value)
            waiting = await store.not_handed_over(conn, batch_id, reserved) if reserved else []
            if current["method"] == Method.DESTROY and reserved and witnesses:
                in_chain = await store.chain_hits(conn, reserved, witnesses)
                previous = await store.previous_witnesses(conn, current["unit"])
        done, drafts = domain_execution.execute(current, execution, confirmed=body.confirmed_item_ids,
                                                reserved=reserved, not_handed_over=waiting, in_chain=in_chain,
                                                previous_pair=previous)
        await move(conn, batch_id, BatchStatus.EXECUTED, executed_at=now, execution=done.record,
                   witness_pair=done.witness_pair)
        await store.mark_executed(conn, batch_id, reserved)
        # The answer names the batch's execution, not its item chunks.
        named = await record_named(conn, ctx, now, drafts[:1])
        return Outcome.done(answer_body(batch_id, BatchStatus.EXECUTED.value, named, executed_items=len(reserved)),
                            event_ids=False), drafts[1:]

    return await run_command(disposal.pool, ctx, SERVICE, work)
