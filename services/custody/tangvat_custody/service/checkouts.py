"""Check-out to a lab, a court or an expert, and return."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from tangvat_custody import domain_flows as flows
from tangvat_custody import domain_requests as requests
from tangvat_custody import store
from tangvat_custody.domain_scan_time import require_scanned_at, stamp
from tangvat_custody.service.common import (
    Custody,
    body,
    command,
    load_item,
    load_location,
    moved_alone,
    needs_second_person,
    pending,
    save_discrepancies,
)
from tangvat_shared.command import CommandContext, Decision, Outcome


async def check_out(custody: Custody, ctx: CommandContext, item_id: uuid.UUID, request: requests.CheckOut,
                    scanned_at: datetime | None = None) -> Outcome:
    """The item leaves for its holder; above the threshold (its value) it waits for a second person (then the
    confirmation is the act: its event carries no scan instant)."""

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        require_scanned_at(scanned_at, now)
        item = await load_item(conn, ctx, item_id)
        flows.require_check_out(item, request, now)
        value = requests.recorded_value(item)
        if await needs_second_person(conn, custody, ctx, item["warehouse_id"], value, now):
            return await pending(conn, ctx, requests.ApprovalKind.CHECK_OUT, item["warehouse_id"],
                                 {"item_id": str(item_id), "request": request.to_json()}, value, now), []
        await moved_alone(conn, ctx, item["warehouse_id"], requests.ApprovalKind.CHECK_OUT, value, now)
        outcome, drafts = await execute_check_out(conn, ctx, item_id, request, requests.UNCONFIRMED, now)
        return outcome, stamp(drafts, scanned_at)

    return await command(custody, ctx, work)


async def execute_check_out(conn: asyncpg.Connection, ctx: CommandContext, item_id: uuid.UUID,
                            request: requests.CheckOut, confirmation: requests.Confirmation, now: datetime) -> Decision:
    item = await load_item(conn, ctx, item_id)  # again when confirmed: it may have changed while waiting
    decided = flows.check_out(item, request, confirmation)
    await store.save_items(conn, decided.decisions, now)
    return Outcome.created(body("checked_out", item_id=item_id, due_at=request.due_at)), decided.drafts


async def return_item(custody: Custody, ctx: CommandContext, item_id: uuid.UUID, location_code: str,
                      condition: str | None, scanned_at: datetime | None = None) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        require_scanned_at(scanned_at, now)
        item = await load_item(conn, ctx, item_id)
        location = await load_location(conn, custody, ctx, location_code)
        decided = flows.return_item(item, location, condition)
        await store.save_items(conn, decided.decisions, now)
        await save_discrepancies(conn, ctx, decided.discrepancies, now)
        return Outcome.done(body("in_storage", item_id=item_id)), stamp(decided.drafts, scanned_at)

    return await command(custody, ctx, work)
