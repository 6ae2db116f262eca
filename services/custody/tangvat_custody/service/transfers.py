"""Transfers between warehouses: dispatch, receipt, close."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_custody import domain, store
from tangvat_custody import domain_flows as flows
from tangvat_custody import domain_requests as requests
from tangvat_custody.service.common import (
    Custody,
    body,
    command,
    load_items,
    load_location,
    load_scanned,
    moved_alone,
    needs_second_person,
    pending,
    save_discrepancies,
)
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Decision, Outcome
from tangvat_shared.errors import NotFound


async def dispatch_transfer(custody: Custody, ctx: CommandContext, request: requests.Dispatch) -> Outcome:
    """Items leave for another warehouse; above the threshold (their total value) a second person confirms."""
    ctx.principal.require_warehouse(request.from_warehouse_id)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        items = await _dispatchable(conn, ctx, request)
        value = sum(requests.recorded_value(i) for i in items)
        if await needs_second_person(conn, custody, ctx, request.from_warehouse_id, value, now):
            return await pending(conn, ctx, requests.ApprovalKind.TRANSFER_DISPATCH, request.from_warehouse_id,
                                 {"request": request.to_json()}, value, now), []
        await moved_alone(conn, ctx, request.from_warehouse_id, requests.ApprovalKind.TRANSFER_DISPATCH, value, now)
        return await execute_dispatch(conn, ctx, request, requests.UNCONFIRMED, now)

    return await command(custody, ctx, work)


async def _dispatchable(conn: asyncpg.Connection, ctx: CommandContext, request: requests.Dispatch
                        ) -> list[dict[str, Any]]:
    """The items to dispatch, locked, once the receiving warehouse is known and the rules let them leave."""
    if await store.warehouse(conn, request.to_warehouse_id) is None:
        raise NotFound(f"warehouse {request.to_warehouse_id} not found", code="unknown_warehouse")
    found = await load_items(conn, ctx, request.item_ids)
    flows.require_dispatchable(request, found)
    return list(found.values())


async def execute_dispatch(conn: asyncpg.Connection, ctx: CommandContext, request: requests.Dispatch,
                           confirmation: requests.Confirmation, now: datetime) -> Decision:
    items = await _dispatchable(conn, ctx, request)  # again when confirmed: the items may have changed while waiting
    transfer_id = uuid.uuid4()
    decided = flows.dispatch(items, request, transfer_id, confirmation)
    await store.insert_transfer(conn, transfer_id, request.from_warehouse_id, request.to_warehouse_id,
                                request.carrier, confirmation.requested_by or ctx.user, confirmation.confirmed_by,
                                now, [i["item_id"] for i in items])
    await store.save_items(conn, decided.decisions, now)
    return Outcome.created(body("in_transit", transfer_id=transfer_id, items=len(items))), decided.drafts


async def _receivable(conn: asyncpg.Connection, ctx: CommandContext, transfer_id: uuid.UUID) -> dict[str, Any]:
    row = await store.transfer(conn, transfer_id, for_update=True)
    if row is None:
        raise domain.unknown_transfer(transfer_id)
    # Only the receiving warehouse receives or closes: to anyone else (the sender's staff too) it is unknown.
    ctx.principal.require_visible_warehouse(row["to_warehouse_id"], domain.unknown_transfer(transfer_id))
    transfer = dict(row)
    flows.require_receivable(transfer, ctx.user)
    return transfer


async def receive_transfer(custody: Custody, ctx: CommandContext, transfer_id: uuid.UUID, labels: list[str],
                           location_code: str) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        transfer = await _receivable(conn, ctx, transfer_id)
        location = await load_location(conn, custody, ctx, location_code)
        members = {r["item_id"] for r in await store.transfer_items(conn, transfer_id)}
        items = [await load_scanned(conn, custody, ctx, label) for label in labels]
        decided = flows.receive(transfer, location, items, members, now)
        received = decided.of("custody.item_transfer_received")
        await store.save_items(conn, decided.decisions, now)
        await store.mark_transfer_received(conn, transfer_id, received, ctx.user, now)
        return Outcome.done(body("received", transfer_id=transfer_id, items=len(received))), decided.drafts

    return await command(custody, ctx, work)


async def close_transfer(custody: Custody, ctx: CommandContext, transfer_id: uuid.UUID) -> Outcome:
    """Items dispatched but never received become discrepancies, and missing."""

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        transfer = await _receivable(conn, ctx, transfer_id)
        members = [dict(r) for r in await store.transfer_items(conn, transfer_id)]
        unreceived = [m["item_id"] for m in members if m["received_at"] is None]
        items = {i: dict(r) for i, r in (await store.items(conn, unreceived, for_update=True)).items()}
        decided = flows.close_transfer(transfer, members, items)
        await store.save_items(conn, decided.decisions, now)
        await save_discrepancies(conn, ctx, decided.discrepancies, now)
        await store.close_transfer(conn, transfer_id, ctx.user, now)
        return Outcome.done(body("closed", transfer_id=transfer_id, dispatched=len(members),
                                 received=len(members) - len(unreceived), not_received=unreceived)), decided.drafts

    return await command(custody, ctx, work)


async def get_transfer(custody: Custody, principal: Principal, transfer_id: uuid.UUID) -> dict[str, Any]:
    async with custody.pool.acquire() as conn:
        transfer = await store.transfer(conn, transfer_id)
        if transfer is None:
            raise domain.unknown_transfer(transfer_id)
        # Its two warehouses read it (the sender follows what it sent); to any other it is unknown.
        if not principal.may_act_in_warehouse(transfer["from_warehouse_id"]):
            principal.require_visible_warehouse(transfer["to_warehouse_id"], domain.unknown_transfer(transfer_id))
        members = await store.transfer_items(conn, transfer_id)
    return {**dict(transfer), "items": [dict(m) for m in members]}
