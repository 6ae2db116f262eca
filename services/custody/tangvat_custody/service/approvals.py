"""The two-person rule: a pending request confirmed or rejected by a second, different person."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from tangvat_custody import domain, store
from tangvat_custody.schemas import (
    CheckOutIn,
    HandoverIn,
    TransferIn,
)
from tangvat_custody.service.checkouts import _execute_check_out
from tangvat_custody.service.common import (
    Custody,
    Result,
    _command,
    _now,
    _out,
)
from tangvat_custody.service.handover import _execute_handover
from tangvat_custody.service.transfers import _execute_dispatch
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext
from tangvat_shared.errors import Conflict, NotFound
from tangvat_shared.idempotency import StoredResponse

# --- two-person rule ---------------------------------------------------------------------------




async def confirm_approval(custody: Custody, ctx: CommandContext, approval_id: uuid.UUID) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        approval = await _approval(conn, ctx, approval_id)
        domain.require_second_person(approval["requested_by"], ctx.user)
        payload = approval["payload"]
        if approval["kind"] == "check_out":
            result = await _execute_check_out(conn, custody, ctx, uuid.UUID(payload["item_id"]),
                                              CheckOutIn.model_validate(payload["request"]), approval["requested_by"])
        elif approval["kind"] == "disposal_handover":
            result = await _execute_handover(conn, custody, ctx, HandoverIn.model_validate(payload["request"]),
                                             approval["requested_by"])
        else:
            result = await _execute_dispatch(conn, ctx, TransferIn.model_validate(payload["request"]),
                                             approval["requested_by"])
        await store.decide_approval(conn, approval_id, "confirmed", ctx.user, _now(), result[1])
        return result

    return await _command(custody, ctx, work)


async def reject_approval(custody: Custody, ctx: CommandContext, approval_id: uuid.UUID) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        await _approval(conn, ctx, approval_id)
        await store.decide_approval(conn, approval_id, "rejected", ctx.user, _now(), None)
        return 200, _out("rejected", [], approval_id=approval_id)

    return await _command(custody, ctx, work)


async def _approval(conn: asyncpg.Connection, ctx: CommandContext, approval_id: uuid.UUID) -> asyncpg.Record:
    approval = await store.approval(conn, approval_id, for_update=True)
    if approval is None:
        raise NotFound(f"approval {approval_id} not found")
    ctx.principal.require_warehouse(approval["warehouse_id"])
    if approval["status"] != "pending":
        raise Conflict(f"approval is already {approval['status']}", code=f"approval_{approval['status']}")
    return approval


async def pending_approvals(custody: Custody, principal: Principal, warehouse_id: str) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await store.pending_approvals(conn, warehouse_id)]
