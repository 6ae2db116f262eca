"""Execution: the destruction, sale, transfer or return of a ready batch's reserved, handed-over items, and the
witnesses of a destruction, each confirming (or withdrawing) from their own session."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from tangvat_disposal import SERVICE, domain_execution, store, store_execution
from tangvat_disposal.domain import BatchStatus, Reservation
from tangvat_disposal.schemas import ExecutionIn, WitnessIn
from tangvat_disposal.service.common import Disposal, answer_body, batch, move, record_named
from tangvat_disposal.service.evidence import require_uploaded
from tangvat_shared.auth import canonical_user_id
from tangvat_shared.command import CommandContext, Decision, Outcome, run_command
from tangvat_shared.errors import Conflict
from tangvat_shared.events.disposal import Method


async def confirm_witness(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID, body: WitnessIn) -> Outcome:
    """The caller attends the batch's destruction as a witness: who they are is their session's id."""
    witness = {"user_id": ctx.principal.user_id, "name": body.name, "organisation": body.organisation}

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        current = await batch(conn, ctx.principal, batch_id, for_update=True)
        confirmed: list[str] = []
        hit: str | None = None
        if current["status"] == BatchStatus.READY and current["method"] == Method.DESTROY:
            confirmed = domain_execution.witness_ids(await store_execution.witnesses(conn, batch_id))
            reserved = await store.batch_item_ids(conn, batch_id, Reservation.RESERVED.value)
            if reserved:
                hits = await store.chain_hits(conn, reserved, [canonical_user_id(ctx.principal.user_id)])
                hit = next(iter(hits.values()), None)
        kept, drafts = domain_execution.confirm_witness(current, witness, confirmed=confirmed, in_chain=hit)
        if not await store_execution.insert_witness(conn, batch_id, kept, now):
            raise Conflict("this witness has already confirmed", code="already_witnessed")
        return Outcome.done(answer_body(batch_id, current["status"], [], witness=kept["user_id"],
                                        witnesses=len(confirmed) + 1)), drafts

    return await run_command(disposal.pool, ctx, SERVICE, work)


async def withdraw_witness(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID) -> Outcome:
    """The caller, who confirmed attending by mistake, withdraws before the execution is recorded: who they are
    is their session's id (nobody withdraws another)."""

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        current = await batch(conn, ctx.principal, batch_id, for_update=True)
        confirmed = (domain_execution.witness_ids(await store_execution.witnesses(conn, batch_id))
                     if current["status"] == BatchStatus.READY else [])
        who, drafts = domain_execution.withdraw_witness(current, ctx.principal.user_id, confirmed=confirmed)
        if not await store_execution.delete_witness(conn, batch_id, who):
            raise Conflict("this person has not confirmed as a witness of the batch", code="not_a_witness")
        return Outcome.done(answer_body(batch_id, current["status"], [], withdrawn=who,
                                        witnesses=len(confirmed) - 1)), drafts

    return await run_command(disposal.pool, ctx, SERVICE, work)


async def execute(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID, body: ExecutionIn) -> Outcome:
    execution = body.model_dump(mode="json", exclude={"confirmed_item_ids"})
    await require_uploaded(disposal, body.evidence)  # every hash the record names points to a kept file

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        current = await batch(conn, ctx.principal, batch_id, for_update=True)
        reserved: list[uuid.UUID] = []
        waiting: list[uuid.UUID] = []
        witnessed: list[dict[str, object]] = []
        in_chain: dict[str, str] = {}
        previous: list[str] | None = None
        if current["status"] == BatchStatus.READY:  # else the domain refuses the move before it looks further
            reserved = await store.batch_item_ids(conn, batch_id, Reservation.RESERVED.value)
            waiting = await store.not_handed_over(conn, batch_id, reserved) if reserved else []
            if current["method"] == Method.DESTROY:
                witnessed = await store_execution.witnesses(conn, batch_id)
                ids = domain_execution.witness_ids(witnessed)
                if reserved and ids:
                    # Checked again: someone may have handled an item after confirming as its witness.
                    in_chain = await store.chain_hits(conn, reserved, ids)
                previous = await store_execution.previous_witnesses(conn, current["unit"])
        done, drafts = domain_execution.execute(current, execution, confirmed=body.confirmed_item_ids,
                                                reserved=reserved, not_handed_over=waiting, witnessed=witnessed,
                                                in_chain=in_chain, previous_pair=previous, recorder=ctx.user,
                                                now=now)
        await move(conn, batch_id, BatchStatus.EXECUTED, executed_at=now, execution=done.record,
                   witness_pair=done.witness_pair)
        await store.mark_executed(conn, batch_id, reserved)
        # The answer names the batch's execution, not its item chunks.
        named = await record_named(conn, ctx, now, drafts[:1])
        return Outcome.done(answer_body(batch_id, BatchStatus.EXECUTED.value, named, executed_items=len(reserved)),
                            event_ids=False), drafts[1:]

    return await run_command(disposal.pool, ctx, SERVICE, work)
