"""The two-person rule: a pending request confirmed or rejected by a second, different person."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_custody import SERVICE, domain, store_approvals
from tangvat_custody import domain_requests as requests
from tangvat_custody.service.checkouts import execute_check_out
from tangvat_custody.service.common import Custody, body, command
from tangvat_custody.service.handover import execute_handover
from tangvat_custody.service.transfers import execute_dispatch
from tangvat_custody.service.worklist import approval_views
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Decision, Outcome, record


async def confirm_approval(custody: Custody, ctx: CommandContext, approval_id: uuid.UUID) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        approval = await _approval(conn, ctx, approval_id)
        status = requests.decide_approval(approval, ctx.user, confirm=True)
        outcome, drafts = await _execute(conn, custody, ctx, approval, now)
        # The approval keeps what its confirmation did, event ids included: recorded here rather than by the
        # kernel after `work`, so that the stored result can name them.
        ids = await record(conn, source=SERVICE, actor=ctx.actor, drafts=drafts, now=now,
                           correlation_id=ctx.correlation_id)
        answer = {**outcome.body, "event_ids": ids}
        await store_approvals.decide_approval(conn, approval_id, status, ctx.user, now, answer)
        return Outcome(outcome.kind, answer, event_ids=False), []

    return await command(custody, ctx, work)


async def _execute(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, approval: Mapping[str, Any],
                   now: datetime) -> Decision:
    """The command that waited, as its requester asked it, now confirmed by the caller."""
    payload = approval["payload"]
    confirmation = requests.Confirmation(approval["requested_by"], ctx.user)
    kind = requests.ApprovalKind(approval["kind"])
    if kind is requests.ApprovalKind.CHECK_OUT:
        return await execute_check_out(conn, ctx, uuid.UUID(payload["item_id"]),
                                       requests.CheckOut.from_json(payload["request"]), confirmation, now)
    if kind is requests.ApprovalKind.DISPOSAL_HANDOVER:
        return await execute_handover(conn, custody, ctx, requests.Handover.from_json(payload["request"]),
                                      confirmation, now)
    return await execute_dispatch(conn, ctx, requests.Dispatch.from_json(payload["request"]), confirmation, now)


async def reject_approval(custody: Custody, ctx: CommandContext, approval_id: uuid.UUID) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        approval = await _approval(conn, ctx, approval_id)
        status = requests.decide_approval(approval, ctx.user, confirm=False)
        await store_approvals.decide_approval(conn, approval_id, status, ctx.user, now, None)
        return Outcome.done(body(status, approval_id=approval_id)), []

    return await command(custody, ctx, work)


async def _approval(conn: asyncpg.Connection, ctx: CommandContext, approval_id: uuid.UUID) -> dict[str, Any]:
    row = await store_approvals.approval(conn, approval_id, for_update=True)
    if row is None:
        raise domain.unknown_approval(approval_id)
    ctx.principal.require_visible_warehouse(row["warehouse_id"], domain.unknown_approval(approval_id))
    return dict(row)


async def pending_approvals(custody: Custody, principal: Principal, warehouse_id: str) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        pending = await store_approvals.pending_approvals(conn, warehouse_id)
        return await approval_views(conn, [dict(r) for r in pending])
