"""Transfers between warehouses: dispatch, receipt, close."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from tangvat_custody import domain, store
from tangvat_custody.domain import Draft
from tangvat_custody.schemas import (
    TransferIn,
    TransferReceiptIn,
)
from tangvat_custody.service.common import (
    Custody,
    Result,
    _command,
    _emit,
    _location,
    _now,
    _out,
    _pending,
    _scanned,
)
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext
from tangvat_shared.errors import Conflict, NotFound, RuleViolation
from tangvat_shared.events.custody import DiscrepancyKind
from tangvat_shared.idempotency import StoredResponse
from tangvat_shared.transitions import guard

# --- transfers ---------------------------------------------------------------------------------


async def dispatch_transfer(custody: Custody, ctx: CommandContext, body: TransferIn) -> StoredResponse:
    ctx.principal.require_warehouse(body.from_warehouse_id)

    async def work(conn: asyncpg.Connection) -> Result:
        items = await _transfer_items(conn, ctx, body)
        value = sum(i["value_vnd"] for i in items)
        if domain.needs_second_person(value, custody.two_person_threshold_vnd):
            return await _pending(conn, ctx, "transfer_dispatch", body.from_warehouse_id,
                                  {"request": body.model_dump(mode="json")}, value)
        return await _execute_dispatch(conn, ctx, body, None)

    return await _command(custody, ctx, work)


async def _transfer_items(conn: asyncpg.Connection, ctx: CommandContext, body: TransferIn) -> list[asyncpg.Record]:
    if await store.warehouse(conn, body.to_warehouse_id) is None:
        raise NotFound(f"warehouse {body.to_warehouse_id} not found", code="unknown_warehouse")
    found = await store.items(conn, body.item_ids, for_update=True)
    unknown = [str(i) for i in body.item_ids if i not in found]
    if unknown:
        raise NotFound(f"{len(unknown)} item(s) unknown", code="unknown_item", details=unknown[:100])
    for item in found.values():
        if item["warehouse_id"] != body.from_warehouse_id:
            raise Conflict(f"item {item['item_id']} is not in {body.from_warehouse_id}", code="wrong_warehouse")
        guard("custody.item_transfer_dispatched", domain.status_of(item))
    return list(found.values())


async def _execute_dispatch(conn: asyncpg.Connection, ctx: CommandContext, body: TransferIn,
                            requested_by: str | None) -> Result:
    now = _now()
    items = await _transfer_items(conn, ctx, body)  # again: the items may have changed while waiting
    transfer_id = uuid.uuid4()
    dispatcher = requested_by or ctx.user
    confirmer = ctx.user if requested_by else None
    await store.insert_transfer(conn, transfer_id, body.from_warehouse_id, body.to_warehouse_id, body.carrier,
                                dispatcher, confirmer, now, [i["item_id"] for i in items])
    drafts = [
        domain.item_event(item, "custody.item_transfer_dispatched", transfer_id=transfer_id,
                          from_warehouse_id=body.from_warehouse_id, to_warehouse_id=body.to_warehouse_id,
                          from_location_code=item["location_code"], carrier=body.carrier,
                          requested_by=requested_by, confirmed_by=confirmer)[1]
        for item in items
    ]
    await store.project(conn, "custody.item_transfer_dispatched", [i["item_id"] for i in items], now,
                        warehouse_id=body.to_warehouse_id, transfer_id=transfer_id)
    ids = await _emit(conn, ctx, drafts, now)
    return 201, _out("in_transit", ids, transfer_id=transfer_id, items=len(items))


async def _open_transfer(conn: asyncpg.Connection, ctx: CommandContext, transfer_id: uuid.UUID) -> asyncpg.Record:
    transfer = await store.transfer(conn, transfer_id, for_update=True)
    if transfer is None:
        raise NotFound(f"transfer {transfer_id} not found")
    ctx.principal.require_warehouse(transfer["to_warehouse_id"])
    if transfer["closed_at"] is not None:
        raise Conflict("the transfer is closed", code="transfer_closed")
    if ctx.user in (transfer["dispatched_by"], transfer["confirmed_by"]):
        raise RuleViolation("dispatch and receipt must be done by different people", code="two_person_rule")
    return transfer


async def receive_transfer(custody: Custody, ctx: CommandContext, transfer_id: uuid.UUID,
                           body: TransferReceiptIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        transfer = await _open_transfer(conn, ctx, transfer_id)
        location = await _location(conn, custody, ctx, body.location_code)
        members = {r["item_id"] for r in await store.transfer_items(conn, transfer_id)}
        drafts, received = [], []
        for label in body.labels:
            item = await _scanned(conn, custody, ctx, label)
            if item["item_id"] not in members:
                raise Conflict(f"item {item['item_id']} is not part of this transfer", code="not_in_transfer")
            domain.require_same_warehouse(item, location)
            drafts.append(domain.item_event(item, "custody.item_transfer_received", transfer_id=transfer_id,
                                            warehouse_id=transfer["to_warehouse_id"],
                                            location_code=location["location_code"])[1])
            received.append(item["item_id"])
        await store.project(conn, "custody.item_transfer_received", received, now,
                            location_code=location["location_code"], transfer_id=None, received_at=now)
        await store.mark_transfer_received(conn, transfer_id, received, ctx.user, now)
        ids = await _emit(conn, ctx, drafts, now)
        return 200, _out("received", ids, transfer_id=transfer_id, items=len(received))

    return await _command(custody, ctx, work)


async def close_transfer(custody: Custody, ctx: CommandContext, transfer_id: uuid.UUID) -> StoredResponse:
    """Items dispatched but never received become discrepancies, and missing."""

    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        transfer = await _open_transfer(conn, ctx, transfer_id)
        members = await store.transfer_items(conn, transfer_id)
        unreceived = [r["item_id"] for r in members if r["received_at"] is None]
        drafts: list[Draft] = []
        missing = []
        for item in (await store.items(conn, unreceived, for_update=True)).values():
            if item["state"] != "in_transit" or item["transfer_id"] != transfer_id:
                continue
            drafts.append(domain.discrepancy(item, DiscrepancyKind.NOT_RECEIVED, "received", "not received",
                                             "transfer", transfer_id))
            drafts.append(domain.item_event(item, "custody.item_missing", warehouse_id=item["warehouse_id"],
                                            context="transfer", reference_id=transfer_id,
                                            last_location_code=None)[1])
            missing.append(item["item_id"])
        await store.project(conn, "custody.item_missing", missing, now, transfer_id=None)
        await store.close_transfer(conn, transfer_id, ctx.user, now)
        drafts.append(Draft("custody.transfer_closed", f"transfer/{transfer_id}", {
            "transfer_id": str(transfer_id), "from_warehouse_id": transfer["from_warehouse_id"],
            "to_warehouse_id": transfer["to_warehouse_id"], "dispatched": len(members),
            "received": len(members) - len(unreceived), "not_received": [str(i) for i in unreceived]}))
        ids = await _emit(conn, ctx, drafts, now)
        return 200, _out("closed", ids, transfer_id=transfer_id, dispatched=len(members),
                         received=len(members) - len(unreceived), not_received=unreceived)

    return await _command(custody, ctx, work)


async def get_transfer(custody: Custody, principal: Principal, transfer_id: uuid.UUID) -> dict[str, Any]:
    async with custody.pool.acquire() as conn:
        transfer = await store.transfer(conn, transfer_id)
        if transfer is None:
            raise NotFound(f"transfer {transfer_id} not found")
        if not (principal.may_act_in_warehouse(transfer["from_warehouse_id"])
                or principal.may_act_in_warehouse(transfer["to_warehouse_id"])):
            principal.require_warehouse(transfer["to_warehouse_id"])
        members = await store.transfer_items(conn, transfer_id)
    return {**dict(transfer), "items": [dict(m) for m in members]}
