"""Warehouses, locations and containers, and packing items into containers."""

from __future__ import annotations

import uuid

import asyncpg

from tangvat_custody import domain, store
from tangvat_custody.schemas import (
    ContainerIn,
    LabelsIn,
    LocationIn,
    WarehouseIn,
)
from tangvat_custody.service.common import (
    Custody,
    Result,
    _command,
    _container,
    _emit,
    _location,
    _now,
    _out,
    _scanned,
)
from tangvat_shared.command import CommandContext, Draft
from tangvat_shared.errors import Conflict, NotFound, RuleViolation
from tangvat_shared.idempotency import StoredResponse

# --- warehouses, locations, containers -------------------------------------------------------


async def register_warehouse(custody: Custody, ctx: CommandContext, body: WarehouseIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        if not await store.insert_warehouse(conn, body.warehouse_id, body.name):
            raise Conflict(f"warehouse {body.warehouse_id} exists", code="warehouse_exists")
        draft = Draft("custody.warehouse_registered", f"warehouse/{body.warehouse_id}", body.model_dump())
        return 201, _out("registered", await _emit(conn, ctx, [draft], _now()), warehouse_id=body.warehouse_id)

    return await _command(custody, ctx, work)


async def create_location(custody: Custody, ctx: CommandContext, warehouse_id: str, body: LocationIn
                          ) -> StoredResponse:
    ctx.principal.require_warehouse(warehouse_id)

    async def work(conn: asyncpg.Connection) -> Result:
        if await store.warehouse(conn, warehouse_id) is None:
            raise NotFound(f"warehouse {warehouse_id} not found", code="unknown_warehouse")
        if body.parent_code is not None:
            parent = await _location(conn, custody, ctx, body.parent_code)
            if parent["warehouse_id"] != warehouse_id:
                raise RuleViolation("the parent location is in another warehouse", code="wrong_warehouse")
            order = ["zone", "shelf", "bin"]
            if order.index(parent["kind"]) >= order.index(body.kind):
                raise RuleViolation(f"a {body.kind} cannot be inside a {parent['kind']}", code="bad_hierarchy")
        elif body.kind != "zone":
            raise RuleViolation("only a zone may have no parent", code="bad_hierarchy")
        if await store.location(conn, body.location_code) is not None:
            raise Conflict(f"location {body.location_code} exists", code="location_exists")
        await store.insert_location(conn, body.location_code, warehouse_id, body.kind, body.parent_code, body.name)
        draft = Draft("custody.location_created", f"location/{body.location_code}",
                      {"warehouse_id": warehouse_id, **body.model_dump()})
        return 201, _out("created", await _emit(conn, ctx, [draft], _now()), location_code=body.location_code)

    return await _command(custody, ctx, work)


async def create_container(custody: Custody, ctx: CommandContext, warehouse_id: str, body: ContainerIn
                           ) -> StoredResponse:
    ctx.principal.require_warehouse(warehouse_id)

    async def work(conn: asyncpg.Connection) -> Result:
        if await store.warehouse(conn, warehouse_id) is None:
            raise NotFound(f"warehouse {warehouse_id} not found", code="unknown_warehouse")
        if body.location_code is not None:
            location = await _location(conn, custody, ctx, body.location_code)
            if location["warehouse_id"] != warehouse_id:
                raise RuleViolation("the location is in another warehouse", code="wrong_warehouse")
        if await store.container(conn, body.container_code) is not None:
            raise Conflict(f"container {body.container_code} exists", code="container_exists")
        container_id = uuid.uuid4()
        await store.insert_container(conn, container_id, body.container_code, warehouse_id, body.location_code)
        draft = Draft("custody.container_created", f"container/{container_id}", {
            "container_id": str(container_id), "warehouse_id": warehouse_id, **body.model_dump()})
        return 201, _out("created", await _emit(conn, ctx, [draft], _now()), container_id=container_id)

    return await _command(custody, ctx, work)


async def pack(custody: Custody, ctx: CommandContext, code: str, body: LabelsIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        container = await _container(conn, ctx, code)
        drafts: list[Draft] = []
        for label in body.labels:
            item = await _scanned(conn, custody, ctx, label)
            if item["warehouse_id"] != container["warehouse_id"]:
                raise Conflict("item and container are in different warehouses", code="wrong_warehouse")
            if item["container_id"] is not None:
                raise Conflict(f"item {item['item_id']} is already packed", code="already_packed")
            where = container["location_code"] or item["location_code"]
            _, draft = domain.item_event(item, "custody.item_packed", warehouse_id=item["warehouse_id"],
                                         container_id=container["container_id"], location_code=where)
            drafts.append(draft)
            await store.update_item(conn, item["item_id"], now, container_id=container["container_id"],
                                    location_code=where)
        return 200, _out("packed", await _emit(conn, ctx, drafts, now), items=len(drafts))

    return await _command(custody, ctx, work)


async def unpack(custody: Custody, ctx: CommandContext, code: str, body: LabelsIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        container = await _container(conn, ctx, code)
        drafts: list[Draft] = []
        for label in body.labels:
            item = await _scanned(conn, custody, ctx, label)
            if item["container_id"] != container["container_id"]:
                raise Conflict(f"item {item['item_id']} is not in container {code}", code="not_in_container")
            _, draft = domain.item_event(item, "custody.item_unpacked", warehouse_id=item["warehouse_id"],
                                         container_id=container["container_id"], location_code=item["location_code"])
            drafts.append(draft)
            await store.update_item(conn, item["item_id"], now, container_id=None)
        return 200, _out("unpacked", await _emit(conn, ctx, drafts, now), items=len(drafts))

    return await _command(custody, ctx, work)
