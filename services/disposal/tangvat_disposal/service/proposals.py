"""The unit's board and the batches proposed to it: configure, propose, cancel."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from tangvat_disposal import SERVICE, domain, store
from tangvat_disposal.domain import BatchStatus
from tangvat_disposal.schemas import BoardIn, CancelIn, ProposalIn
from tangvat_disposal.service.common import Disposal, answer_body, batch, move, record_named
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Decision, Outcome, run_command
from tangvat_shared.errors import Conflict, NotFound
from tangvat_shared.units import sql_filter


async def board(conn: asyncpg.Connection, unit: str) -> domain.Board | None:
    row = await store.board(conn, unit)
    if row is None:
        return None
    return domain.Board(tuple(row["members"]), row["quorum"], row["rejections_to_reject"])


async def configure_board(disposal: Disposal, ctx: CommandContext, unit: str, body: BoardIn) -> Outcome:
    ctx.principal.require_registry_unit(unit)
    domain.check_board(body.members, body.quorum, body.rejections_to_reject)
    configured = body.model_dump()

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        await store.upsert_board(conn, unit, body.members, body.quorum, body.rejections_to_reject, ctx.user, now)
        drafts = [domain.board_configured(unit, configured)]
        return Outcome.done({"unit": unit, **configured}), drafts

    return await run_command(disposal.pool, ctx, SERVICE, work)


async def get_board(disposal: Disposal, principal: Principal, unit: str) -> dict[str, Any]:
    unknown = NotFound(f"unit {unit} has no board", code="no_board")
    principal.require_visible_unit(unit, unknown)
    async with disposal.pool.acquire() as conn:
        found = await board(conn, unit)
    if found is None:
        raise unknown
    return {"unit": unit, "members": list(found.members), "quorum": found.quorum,
            "rejections_to_reject": found.rejections_to_reject}


def _proposal(body: ProposalIn) -> domain.Proposal:
    return domain.Proposal(unit=body.unit, method=body.method, reason=body.reason, emergency=body.emergency,
                           emergency_reason=body.emergency_reason, deadline=body.deadline,
                           skip_ineligible=body.skip_ineligible)


async def propose(disposal: Disposal, ctx: CommandContext, body: ProposalIn) -> Outcome:
    ctx.principal.require_unit(body.unit)
    domain.check_deadline(body.deadline, datetime.now(UTC))
    proposal = _proposal(body)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        unit_board = await board(conn, body.unit)
        rows: list[dict[str, Any]] = []
        if unit_board is None:
            wanted: list[str] = []
        elif body.item_ids is not None:
            asked = list(dict.fromkeys(body.item_ids))
            rows = await store.items_for_proposal(conn, asked)
            wanted = [str(i) for i in asked]
        else:
            assert body.filter is not None
            f = body.filter
            rows = await store.items_matching(conn, store.ItemMatch(
                sql_filter([body.unit]), f.seizure_id, f.category.value if f.category else None, f.warehouse_id,
                f.legal_status.value if f.legal_status else None,
                None if f.min_age_days is None else now - timedelta(days=f.min_age_days)))
            wanted = [r["item_id"] for r in domain.of_unit(rows, body.unit)]
        items = {r["item_id"]: r for r in rows}  # by the id's text, as the domain names items
        proposed, drafts = domain.propose(proposal, batch_id=uuid.uuid4(), proposer=ctx.user, board=unit_board,
                                          wanted=wanted, items=items, max_items=disposal.max_items_per_batch)
        assert unit_board is not None  # domain.propose refuses a unit without a board
        batch_id, eligible = proposed.batch_id, proposed.item_ids
        await store.insert_batch(
            conn, batch_id=batch_id, unit=proposal.unit, method=proposal.method.value, reason=proposal.reason,
            emergency=proposal.emergency, proposer=ctx.user, status=proposed.status.value,
            item_count=len(eligible), total_value_vnd=proposed.total_value_vnd, quorum=unit_board.quorum,
            rejections_to_reject=unit_board.rejections_to_reject, deadline=proposal.deadline, proposed_at=now)
        await store.insert_batch_items(conn, batch_id, eligible)
        if await store.claim_items(conn, batch_id, eligible) != len(eligible):
            raise Conflict("an item was claimed by another batch meanwhile", code="already_in_batch")
        # The answer names the batch's own event, not its item chunks.
        named = await record_named(conn, ctx, now, drafts[:1])
        return Outcome.created(answer_body(
            batch_id, proposed.status.value, named, item_count=len(eligible), total_value_vnd=proposed.total_value_vnd,
            excluded=proposed.excluded, excluded_items=proposed.excluded_items), event_ids=False), drafts[1:]

    return await run_command(disposal.pool, ctx, SERVICE, work)


async def cancel(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID, body: CancelIn) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        current = await batch(conn, ctx.principal, batch_id, for_update=True)
        drafts = domain.cancel(current, body.reason)
        await move(conn, batch_id, BatchStatus.CANCELLED, cancelled_at=now, cancel_reason=body.reason)
        # Custody releases whatever it reserved for the batch; a batch never reserved costs it nothing.
        await store.release_items(conn, batch_id)
        return Outcome.done(answer_body(batch_id, BatchStatus.CANCELLED.value, [])), drafts

    return await run_command(disposal.pool, ctx, SERVICE, work)
