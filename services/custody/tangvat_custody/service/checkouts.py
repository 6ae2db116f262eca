"""Check-out to a lab, a court or an expert, and return."""

from __future__ import annotations

import uuid

import asyncpg

from tangvat_custody import domain, store
from tangvat_custody.schemas import (
    CheckOutIn,
    ReturnIn,
)
from tangvat_custody.service.common import (
    Custody,
    Result,
    _command,
    _emit,
    _item,
    _location,
    _now,
    _out,
    _pending,
)
from tangvat_shared.command import CommandContext
from tangvat_shared.errors import RuleViolation
from tangvat_shared.events.custody import DiscrepancyKind
from tangvat_shared.idempotency import StoredResponse
from tangvat_shared.transitions import guard

# --- check-out and return ----------------------------------------------------------------------


async def check_out(custody: Custody, ctx: CommandContext, item_id: uuid.UUID, body: CheckOutIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        item = await _item(conn, ctx, item_id)
        guard("custody.item_checked_out", domain.status_of(item))
        if body.due_at <= _now():
            raise RuleViolation("the due date must be in the future", code="due_in_past")
        if domain.needs_second_person(item["value_vnd"], custody.two_person_threshold_vnd):
            return await _pending(conn, ctx, "check_out", item["warehouse_id"],
                                  {"item_id": str(item_id), "request": body.model_dump(mode="json")},
                                  item["value_vnd"])
        return await _execute_check_out(conn, custody, ctx, item_id, body, None)

    return await _command(custody, ctx, work)


async def _execute_check_out(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, item_id: uuid.UUID,
                             body: CheckOutIn, requested_by: str | None) -> Result:
    now = _now()
    item = await _item(conn, ctx, item_id)
    _, draft = domain.item_event(
        item, "custody.item_checked_out", warehouse_id=item["warehouse_id"], holder=body.holder,
        holder_kind=body.holder_kind, purpose=body.purpose, due_at=body.due_at,
        from_location_code=item["location_code"], requested_by=requested_by,
        confirmed_by=ctx.user if requested_by else None,
    )
    await store.project(conn, "custody.item_checked_out", [item_id], now, holder=body.holder,
                        holder_kind=body.holder_kind.value, purpose=body.purpose, due_at=body.due_at)
    return 201, _out("checked_out", await _emit(conn, ctx, [draft], now), item_id=item_id, due_at=body.due_at)


async def return_item(custody: Custody, ctx: CommandContext, item_id: uuid.UUID, body: ReturnIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        item = await _item(conn, ctx, item_id)
        location = await _location(conn, custody, ctx, body.location_code)
        domain.require_same_warehouse(item, location)
        condition = body.condition or item["condition"]
        _, draft = domain.item_event(item, "custody.item_returned", warehouse_id=item["warehouse_id"],
                                     holder=item["holder"] or "unknown", location_code=location["location_code"],
                                     condition=condition)
        drafts = [draft]
        if condition != item["condition"]:
            drafts.append(domain.discrepancy(item, DiscrepancyKind.CONDITION, item["condition"], condition,
                                             "return", None))
        await store.project(conn, "custody.item_returned", [item_id], now, location_code=location["location_code"],
                            holder=None, holder_kind=None, purpose=None, due_at=None)
        return 200, _out("in_storage", await _emit(conn, ctx, drafts, now), item_id=item_id)

    return await _command(custody, ctx, work)
