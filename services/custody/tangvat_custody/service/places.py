"""Warehouses, locations and containers, and packing items into containers."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from tangvat_custody import domain, store
from tangvat_custody.schemas import ContainerIn, LabelsIn, LocationIn, WarehouseIn
from tangvat_custody.service.common import (
    Custody,
    body,
    command,
    load_container,
    load_location,
    load_scanned,
)
from tangvat_shared.command import CommandContext, Decision, Draft, Outcome
from tangvat_shared.errors import Conflict, NotFound

# --- warehouses, locations, containers -------------------------------------------------------


async def register_warehouse(custody: Custody, ctx: CommandContext, request: WarehouseIn) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        if not await store.insert_warehouse(conn, request.warehouse_id, request.name):
            raise Conflict(f"warehouse {request.warehouse_id} exists", code="warehouse_exists")
        draft = Draft("custody.warehouse_registered", f"warehouse/{request.warehouse_id}", request.model_dump())
        return Outcome.created(body("registered", warehouse_id=request.warehouse_id)), [draft]

    return await command(custody, ctx, work)


async def _require_warehouse(conn: asyncpg.Connection, warehouse_id: str) -> None:
    if await store.warehouse(conn, warehouse_id) is None:
        raise NotFound(f"warehouse {warehouse_id} not found", code="unknown_warehouse")


async def create_location(custody: Custody, ctx: CommandContext, warehouse_id: str, request: LocationIn
                          ) -> Outcome:
    ctx.principal.require_warehouse(warehouse_id)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        await _require_warehouse(conn, warehouse_id)
        parent = None
        if request.parent_code is not None:
            parent = await load_location(conn, custody, ctx, request.parent_code)
        domain.location_placement(warehouse_id, request.kind, parent)
        if await store.location(conn, request.location_code) is not None:
            raise Conflict(f"location {request.location_code} exists", code="location_exists")
        await store.insert_location(conn, request.location_code, warehouse_id, request.kind, request.parent_code,
                                    request.name)
        draft = Draft("custody.location_created", f"location/{request.location_code}",
                      {"warehouse_id": warehouse_id, **request.model_dump()})
        return Outcome.created(body("created", location_code=request.location_code)), [draft]

    return await command(custody, ctx, work)


async def create_container(custody: Custody, ctx: CommandContext, warehouse_id: str, request: ContainerIn
                           ) -> Outcome:
    ctx.principal.require_warehouse(warehouse_id)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        await _require_warehouse(conn, warehouse_id)
        location = None
        if request.location_code is not None:
            location = await load_location(conn, custody, ctx, request.location_code)
        domain.require_location_in(warehouse_id, location)
        if await store.container(conn, request.container_code) is not None:
            raise Conflict(f"container {request.container_code} exists", code="container_exists")
        container_id = uuid.uuid4()
        await store.insert_container(conn, container_id, request.container_code, warehouse_id,
                                     request.location_code)
        draft = Draft("custody.container_created", f"container/{container_id}", {
            "container_id": str(container_id), "warehouse_id": warehouse_id, **request.model_dump()})
        return Outcome.created(body("created", container_id=container_id)), [draft]

    return await command(custody, ctx, work)


# --- packing ------------------------------------------------------------------------------------


async def pack(custody: Custody, ctx: CommandContext, code: str, request: LabelsIn) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        container = await load_container(conn, ctx, code)
        drafts: list[Draft] = []
        for label in request.labels:
            decision = domain.pack(await load_scanned(conn, custody, ctx, label), container)
            await store.save_item(conn, decision, now)
            drafts.append(decision.event)
        return Outcome.done(body("packed", items=len(drafts))), drafts

    return await command(custody, ctx, work)


async def unpack(custody: Custody, ctx: CommandContext, code: str, request: LabelsIn) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        container = await load_container(conn, ctx, code)
        drafts: list[Draft] = []
        for label in request.labels:
            decision = domain.unpack(await load_scanned(conn, custody, ctx, label), container)
            await store.save_item(conn, decision, now)
            drafts.append(decision.event)
        return Outcome.done(body("unpacked", items=len(drafts))), drafts

    return await command(custody, ctx, work)
