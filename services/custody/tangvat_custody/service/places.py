"""Warehouses, locations and containers, and packing items into containers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_custody import domain, store
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


async def register_warehouse(custody: Custody, ctx: CommandContext, warehouse_id: str, name: str) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        if not await store.insert_warehouse(conn, warehouse_id, name):
            raise Conflict(f"warehouse {warehouse_id} exists", code="warehouse_exists")
        draft = Draft("custody.warehouse_registered", f"warehouse/{warehouse_id}",
                      {"warehouse_id": warehouse_id, "name": name})
        return Outcome.created(body("registered", warehouse_id=warehouse_id)), [draft]

    return await command(custody, ctx, work)


async def _require_warehouse(conn: asyncpg.Connection, warehouse_id: str) -> None:
    if await store.warehouse(conn, warehouse_id) is None:
        raise NotFound(f"warehouse {warehouse_id} not found", code="unknown_warehouse")


async def create_location(custody: Custody, ctx: CommandContext, warehouse_id: str, location_code: str, kind: str,
                          parent_code: str | None, name: str | None) -> Outcome:
    ctx.principal.require_registry_warehouse(warehouse_id)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        await _require_warehouse(conn, warehouse_id)
        parent = None
        if parent_code is not None:
            parent = await load_location(conn, custody, ctx, parent_code, registry=True)
        domain.location_placement(warehouse_id, kind, parent)
        if await store.location(conn, location_code) is not None:
            raise Conflict(f"location {location_code} exists", code="location_exists")
        await store.insert_location(conn, location_code, warehouse_id, kind, parent_code, name)
        draft = Draft("custody.location_created", f"location/{location_code}", {
            "warehouse_id": warehouse_id, "location_code": location_code, "kind": kind, "parent_code": parent_code,
            "name": name})
        return Outcome.created(body("created", location_code=location_code)), [draft]

    return await command(custody, ctx, work)


async def create_container(custody: Custody, ctx: CommandContext, warehouse_id: str, container_code: str,
                           location_code: str | None) -> Outcome:
    ctx.principal.require_warehouse(warehouse_id)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        await _require_warehouse(conn, warehouse_id)
        location = None
        if location_code is not None:
            location = await load_location(conn, custody, ctx, location_code)
        domain.require_location_in(warehouse_id, location)
        if await store.container(conn, container_code) is not None:
            raise Conflict(f"container {container_code} exists", code="container_exists")
        container_id = uuid.uuid4()
        await store.insert_container(conn, container_id, container_code, warehouse_id, location_code)
        draft = Draft("custody.container_created", f"container/{container_id}", {
            "container_id": str(container_id), "warehouse_id": warehouse_id, "container_code": container_code,
            "location_code": location_code})
        return Outcome.created(body("created", container_id=container_id)), [draft]

    return await command(custody, ctx, work)


# --- packing ------------------------------------------------------------------------------------


async def pack(custody: Custody, ctx: CommandContext, code: str, labels: Sequence[str]) -> Outcome:
    return await _scan_into(custody, ctx, code, labels, domain.pack, "packed")


async def unpack(custody: Custody, ctx: CommandContext, code: str, labels: Sequence[str]) -> Outcome:
    return await _scan_into(custody, ctx, code, labels, domain.unpack, "unpacked")


async def _scan_into(custody: Custody, ctx: CommandContext, code: str, labels: Sequence[str],
                     decide: Callable[[Mapping[str, Any], Mapping[str, Any]], domain.ItemDecision],
                     status: str) -> Outcome:
    """Each scanned label packed into (or unpacked from) the container, in one transaction."""

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        container = await load_container(conn, ctx, code)
        drafts: list[Draft] = []
        for label in labels:
            decision = decide(await load_scanned(conn, custody, ctx, label), container)
            await store.save_item(conn, decision, now)
            drafts.append(decision.event)
        return Outcome.done(body(status, items=len(drafts))), drafts

    return await command(custody, ctx, work)
