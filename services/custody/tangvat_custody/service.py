"""Custody commands and queries: one function per command, one transaction each."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tangvat_custody import SERVICE, domain, store
from tangvat_custody.domain import Draft
from tangvat_custody.schemas import (
    CheckInIn,
    CheckOutIn,
    ContainerIn,
    CountIn,
    CountScanIn,
    HandoverIn,
    HoldIn,
    LabelsIn,
    LocationIn,
    MoveIn,
    ReturnIn,
    TransferIn,
    TransferReceiptIn,
    WarehouseIn,
)
from tangvat_shared import outbox
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext
from tangvat_shared.envelope import Actor
from tangvat_shared.errors import Conflict, NotFound, RuleViolation
from tangvat_shared.events.custody import DiscrepancyKind
from tangvat_shared.idempotency import StoredResponse, run_command
from tangvat_shared.labels import InvalidLabel, verify_label
from tangvat_shared.transitions import HoldRule, ItemStatus, fold, guard, place_after, sources_of, transition_for

Result = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class Custody:
    """What every command needs: the database, intake's label key, and the configured limits."""

    pool: asyncpg.Pool
    label_key: Ed25519PublicKey
    two_person_threshold_vnd: int = 100_000_000
    perishable_limit_days: int = 30
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> immutable location facts


def actor_of(principal: Principal) -> Actor:
    return principal.actor


async def _command(custody: Custody, ctx: CommandContext, work: Callable[[asyncpg.Connection], Awaitable[Result]]
                   ) -> StoredResponse:
    return await run_command(custody.pool, ctx.user, ctx.idempotency_key, ctx.request_hash, work)


async def emit(conn: asyncpg.Connection, actor: Actor, drafts: Sequence[Draft], now: datetime, *,
               correlation_id: uuid.UUID | None = None, causation_id: uuid.UUID | None = None) -> list[str]:
    return await outbox.emit(conn, source=SERVICE, actor=actor, now=now, correlation_id=correlation_id,
                             causation_id=causation_id, events=[(d.type, d.subject, d.data) for d in drafts])


async def _emit(conn: asyncpg.Connection, ctx: CommandContext, drafts: Sequence[Draft], now: datetime) -> list[str]:
    await store.insert_discrepancies(conn, [
        (uuid.UUID(d.data["item_id"]), d.data["warehouse_id"], d.data["kind"], d.data["expected"],
         d.data["observed"], d.data["context"], _uuid(d.data.get("reference_id")), d.data.get("note"), ctx.user, now)
        for d in drafts if d.type == "custody.discrepancy_recorded"
    ])
    return await emit(conn, actor_of(ctx.principal), drafts, now, correlation_id=ctx.correlation_id)


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _now() -> datetime:
    return datetime.now(UTC)


async def _item(conn: asyncpg.Connection, ctx: CommandContext, item_id: uuid.UUID) -> asyncpg.Record:
    item = await store.item(conn, item_id, for_update=True)
    if item is None:
        raise NotFound(f"item {item_id} is not known to custody", code="unknown_item")
    ctx.principal.require_warehouse(item["warehouse_id"])
    return item


async def _scanned(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, label: str) -> asyncpg.Record:
    """The item a scanned label names, locked; a forged or altered label never reaches the database."""
    item_id, label_code = verify_label(custody.label_key, label)
    item = await _item(conn, ctx, item_id)
    if item["label_code"] != label_code:
        raise InvalidLabel("the label's code is not this item's label")
    return item


async def _location(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, code: str
                    ) -> Mapping[str, Any]:
    # A location never changes warehouse or code once created: scans may trust a cached copy.
    location = custody.locations.get(code)
    if location is None:
        row = await store.location(conn, code)
        if row is None:
            raise NotFound(f"location {code} not found", code="unknown_location")
        location = {"location_code": row["location_code"], "warehouse_id": row["warehouse_id"],
                    "kind": row["kind"]}
        if len(custody.locations) > 100_000:
            custody.locations.clear()
        custody.locations[code] = location
    ctx.principal.require_warehouse(location["warehouse_id"])
    return location



def _out(status: str, event_ids: list[str], **fields: Any) -> dict[str, Any]:
    return {"status": status, "event_ids": event_ids, **{k: domain._json(v) for k, v in fields.items()}}


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


async def _container(conn: asyncpg.Connection, ctx: CommandContext, code: str) -> asyncpg.Record:
    container = await store.container(conn, code, for_update=True)
    if container is None:
        raise NotFound(f"container {code} not found", code="unknown_container")
    ctx.principal.require_warehouse(container["warehouse_id"])
    return container


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


# --- receipt and moves -------------------------------------------------------------------------


async def _scan_fast(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, label: str,
                     location: Mapping[str, Any], event_type: str, now: datetime, extra_where: str = "",
                     **changes: Any) -> asyncpg.Record | None:
    """The hot path of a scan: one guarded UPDATE whose conditions come from the transition table.

    Returns the item as it was before (state and location) with its other fields, or None when
    the item is not in a state the event allows (or not here); the caller then takes the locked
    path, whose pure guard names the exact reason (409, 403, 404, 422)."""
    item_id, label_code = verify_label(custody.label_key, label)
    transition = transition_for(event_type)
    if transition.hold is not HoldRule.IGNORED:
        return None
    row = await store.guarded_update(conn, item_id, sources_of(event_type), now, label_code=label_code,
                                     warehouse_id=location["warehouse_id"], extra_where=extra_where, **changes)
    if row is None:
        return None
    return cast(asyncpg.Record, {**dict(row), "state": row["old_state"], "location_code": row["old_location_code"]})


async def check_in(custody: Custody, ctx: CommandContext, body: CheckInIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        location = await _location(conn, custody, ctx, body.location_code)
        item = await _scan_fast(conn, custody, ctx, body.label, location, "custody.item_received", now,
                                state="in_storage", location_code=location["location_code"], received_at=now)
        written = item is not None
        if item is None:  # the locked path: raises the precise error, or wins after all
            item = await _scanned(conn, custody, ctx, body.label)
        drafts = domain.check_in(
            item, location,
            quantity_counted=item["quantity"] if body.quantity_counted is None else body.quantity_counted,
            condition=body.condition or item["condition"], seal_intact=body.seal_intact, note=body.note,
        )
        if not written:
            await store.update_item(conn, item["item_id"], now, state="in_storage",
                                    location_code=location["location_code"], received_at=now)
        ids = await _emit(conn, ctx, drafts, now)
        return 200, _out("in_storage", ids, item_id=item["item_id"], location_code=location["location_code"],
                         discrepancies=[d.data["kind"] for d in drafts[1:]])

    return await _command(custody, ctx, work)


async def move(custody: Custody, ctx: CommandContext, body: MoveIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        location = await _location(conn, custody, ctx, body.location_code)
        if body.label is not None:
            item = await _scan_fast(conn, custody, ctx, body.label, location, "custody.item_moved", now,
                                    "AND old.location_code IS DISTINCT FROM $5 AND i.container_id IS NULL",
                                    location_code=location["location_code"])
            written = item is not None
            if item is None:
                item = await _scanned(conn, custody, ctx, body.label)
            draft = domain.move(item, location)
            await _not_counted(conn, location["warehouse_id"], [item["location_code"], location["location_code"]])
            if not written:
                await store.update_item(conn, item["item_id"], now, location_code=location["location_code"])
            ids = await _emit(conn, ctx, [draft], now)
            return 200, _out("moved", ids, item_id=item["item_id"], location_code=location["location_code"])
        assert body.container_code is not None
        container = await _container(conn, ctx, body.container_code)
        if container["warehouse_id"] != location["warehouse_id"]:
            raise Conflict("the container is in another warehouse", code="wrong_warehouse")
        await _not_counted(conn, location["warehouse_id"], [container["location_code"], location["location_code"]])
        # Moving a container moves every item in it: one event per item keeps each item's trail whole.
        packed = await store.items_in_container(conn, container["container_id"])
        drafts = [domain.move(item, location, container["container_id"]) for item in packed
                  if item["location_code"] != location["location_code"]]
        await store.update_items(conn, [i["item_id"] for i in packed], now, location_code=location["location_code"])
        await store.set_container_location(conn, container["container_id"], location["location_code"])
        ids = await _emit(conn, ctx, drafts, now)
        return 200, _out("moved", ids, container_id=container["container_id"], items=len(packed),
                         location_code=location["location_code"])

    return await _command(custody, ctx, work)


async def _not_counted(conn: asyncpg.Connection, warehouse_id: str, codes: Sequence[str | None]) -> None:
    """A move in or out of a location under an open inventory count would falsify the count: refused until
    the count closes (a count of the whole warehouse freezes every move in it). Raised after the fast path
    wrote, it rolls the move back with the rest of the transaction."""
    counts = await store.open_counts(conn, warehouse_id)
    if not counts:
        return
    scope = await store.location_ancestry(conn, [c for c in codes if c])
    for count in counts:
        if count["location_code"] is None or count["location_code"] in scope:
            where = count["location_code"] or f"warehouse {warehouse_id}"
            raise Conflict(f"{where} is being counted (count {count['count_id']}): no moves in or out until it "
                           "closes", code="count_in_progress",
                           details={"count_id": str(count["count_id"]), "location_code": count["location_code"]})


# --- two-person rule ---------------------------------------------------------------------------


async def _pending(conn: asyncpg.Connection, ctx: CommandContext, kind: str, warehouse_id: str,
                   payload: dict[str, Any], value_vnd: int) -> Result:
    approval_id = uuid.uuid4()
    await store.insert_approval(conn, approval_id, kind, warehouse_id, payload, value_vnd, ctx.user, _now())
    return 202, _out("pending_confirmation", [], approval_id=approval_id, value_vnd=value_vnd,
                     confirm_url=f"/approvals/{approval_id}/confirm")


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


# --- handover to the disposal team ----------------------------------------------------------------


async def hand_over(custody: Custody, ctx: CommandContext, body: HandoverIn) -> StoredResponse:
    """Release a batch's reserved items to the disposal team; above the threshold (the items' total
    value) it waits for a second, different staff member's confirmation."""
    ctx.principal.require_warehouse(body.warehouse_id)

    async def work(conn: asyncpg.Connection) -> Result:
        items = await _handover_items(conn, custody, ctx, body)
        value = sum(i["value_vnd"] for i in items)
        if domain.needs_second_person(value, custody.two_person_threshold_vnd):
            return await _pending(conn, ctx, "disposal_handover", body.warehouse_id,
                                  {"request": body.model_dump(mode="json")}, value)
        return await _execute_handover(conn, custody, ctx, body, None, items)

    return await _command(custody, ctx, work)


async def _handover_items(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, body: HandoverIn
                          ) -> list[asyncpg.Record]:
    if body.labels is None:
        items = await store.items_of_batch(conn, body.batch_id, ("reserved_for_disposal",), body.warehouse_id)
        if not items:
            raise Conflict(f"no item of batch {body.batch_id} is reserved in {body.warehouse_id}",
                           code="nothing_to_hand_over")
    else:
        items = [await _scanned(conn, custody, ctx, label) for label in dict.fromkeys(body.labels)]
    others = [str(i["item_id"]) for i in items if i["batch_id"] != body.batch_id]
    if others:
        raise Conflict(f"{len(others)} item(s) are not reserved for batch {body.batch_id}",
                       code="not_reserved_for_batch", details={"item_ids": others[:1000]})
    for item in items:
        if item["warehouse_id"] != body.warehouse_id:
            raise Conflict(f"item {item['item_id']} is not in {body.warehouse_id}", code="wrong_warehouse")
        guard("custody.item_handed_over", domain.status_of(item))
    return items


async def _execute_handover(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, body: HandoverIn,
                            requested_by: str | None, items: list[asyncpg.Record] | None = None) -> Result:
    now = _now()
    if items is None:  # a confirmation: the items may have changed while it waited
        items = await _handover_items(conn, custody, ctx, body)
    handover_id = uuid.uuid4()
    batch, handover = str(body.batch_id), str(handover_id)  # once, not per item's event
    drafts = [
        domain.item_event(item, "custody.item_handed_over", batch_id=batch, handover_id=handover,
                          warehouse_id=item["warehouse_id"], recipient=body.recipient,
                          from_location_code=item["location_code"], requested_by=requested_by,
                          confirmed_by=ctx.user if requested_by else None, location_code=None)[1]
        for item in items
    ]
    await store.project(conn, "custody.item_handed_over", [i["item_id"] for i in items], now,
                        handover_id=handover_id)
    ids = await _emit(conn, ctx, drafts, now)
    return 200, _out("handed_over", ids, handover_id=handover_id, batch_id=body.batch_id, items=len(items),
                     value_vnd=sum(i["value_vnd"] for i in items))


# --- legal hold ----------------------------------------------------------------------------------


async def set_hold(custody: Custody, ctx: CommandContext, item_id: uuid.UUID, body: HoldIn, place: bool
                   ) -> StoredResponse:
    event_type = "custody.legal_hold_placed" if place else "custody.legal_hold_lifted"

    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        item = await _item(conn, ctx, item_id)
        _, draft = domain.item_event(item, event_type, warehouse_id=item["warehouse_id"], reason=body.reason)
        await store.update_item(conn, item_id, now, on_hold=place, hold_reason=body.reason if place else None)
        return 200, _out("on_hold" if place else "hold_lifted", await _emit(conn, ctx, [draft], now),
                         item_id=item_id)

    return await _command(custody, ctx, work)


# --- inventory counts -----------------------------------------------------------------------------


async def open_count(custody: Custody, ctx: CommandContext, body: CountIn) -> StoredResponse:
    ctx.principal.require_warehouse(body.warehouse_id)

    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        if await store.warehouse(conn, body.warehouse_id) is None:
            raise NotFound(f"warehouse {body.warehouse_id} not found", code="unknown_warehouse")
        if body.location_code is not None:
            location = await _location(conn, custody, ctx, body.location_code)
            if location["warehouse_id"] != body.warehouse_id:
                raise RuleViolation("the location is in another warehouse", code="wrong_warehouse")
        count_id = uuid.uuid4()
        expected = await store.open_count(conn, count_id, body.warehouse_id, body.location_code, body.blind,
                                          ctx.user, now)
        draft = Draft("custody.count_opened", f"count/{count_id}", {
            "count_id": str(count_id), "warehouse_id": body.warehouse_id, "location_code": body.location_code,
            "blind": body.blind, "expected": expected})
        fields: dict[str, Any] = {"count_id": count_id, "blind": body.blind}
        if not body.blind:
            fields["expected"] = expected
        return 201, _out("open", await _emit(conn, ctx, [draft], now), **fields)

    return await _command(custody, ctx, work)


async def _open_count(conn: asyncpg.Connection, ctx: CommandContext, count_id: uuid.UUID, lock: bool
                      ) -> asyncpg.Record:
    count = await store.stock_count(conn, count_id, for_update=lock)
    if count is None:
        raise NotFound(f"count {count_id} not found")
    ctx.principal.require_warehouse(count["warehouse_id"])
    if count["closed_at"] is not None:
        raise Conflict("the count is closed", code="count_closed")
    return count


async def scan_count(custody: Custody, ctx: CommandContext, count_id: uuid.UUID, body: CountScanIn
                     ) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        count = await _open_count(conn, ctx, count_id, lock=False)
        item_id, label_code = verify_label(custody.label_key, body.label)
        item = await store.item(conn, item_id)
        if item is not None and item["label_code"] != label_code:
            raise InvalidLabel("the label's code is not this item's label")
        where = body.location_code or count["location_code"]
        new = await store.record_count_scan(conn, count_id, item_id, where, ctx.user, _now())
        fields: dict[str, Any] = {"count_id": count_id, "item_id": item_id, "first_scan": new}
        if not count["blind"]:  # blind counts never tell the counter what was expected
            fields["expected"] = await store.is_expected(conn, count_id, item_id)
        return 200, _out("scanned", [], **fields)

    return await _command(custody, ctx, work)


async def get_count(custody: Custody, principal: Principal, count_id: uuid.UUID) -> dict[str, Any]:
    async with custody.pool.acquire() as conn:
        count = await store.stock_count(conn, count_id)
        if count is None:
            raise NotFound(f"count {count_id} not found")
        principal.require_warehouse(count["warehouse_id"])
        scans = await store.count_scans(conn, count_id)
        out: dict[str, Any] = {k: count[k] for k in ("count_id", "warehouse_id", "location_code", "blind",
                                                      "opened_by", "opened_at", "closed_by", "closed_at")}
        out["scanned"] = len(scans)
        if count["closed_at"] is not None:
            out["report"] = count["report"]
        elif not count["blind"]:
            expected = await store.count_expected(conn, count_id)
            out["expected_item_ids"] = sorted(str(i) for i in expected)
    return out


async def close_count(custody: Custody, ctx: CommandContext, count_id: uuid.UUID) -> StoredResponse:
    """The report; items expected but not found are flagged missing, missing items found come back."""

    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        count = await _open_count(conn, ctx, count_id, lock=True)
        expected = await store.count_expected(conn, count_id)
        scans = await store.count_scans(conn, count_id)
        report = domain.count_report(expected, scans)
        drafts: list[Draft] = []
        flagged, left = [], []
        missing_ids = [uuid.UUID(i) for i in report["missing"]]
        for item in (await store.items(conn, missing_ids, for_update=True)).values():
            try:
                drafts.append(domain.item_event(item, "custody.item_missing", warehouse_id=item["warehouse_id"],
                                                context="count", reference_id=count_id,
                                                last_location_code=item["location_code"])[1])
            except Conflict:  # it left the shelves during the count (checked out, dispatched)
                left.append(str(item["item_id"]))
                continue
            flagged.append(item["item_id"])
        await store.project(conn, "custody.item_missing", flagged, now, batch_id=None)
        found_again = []
        unexpected_ids = [uuid.UUID(i) for i in report["unexpected"]]
        for item in (await store.items(conn, unexpected_ids, for_update=True)).values():
            where = scans[item["item_id"]]
            if item["state"] == "missing" and item["warehouse_id"] == count["warehouse_id"] and where:
                drafts.append(domain.item_event(item, "custody.item_found", warehouse_id=item["warehouse_id"],
                                                reference_id=count_id, location_code=where)[1])
                await store.project(conn, "custody.item_found", [item["item_id"]], now, location_code=where)
                found_again.append(str(item["item_id"]))
            elif item["state"] not in ("disposed", "released"):
                drafts.append(domain.discrepancy(item, DiscrepancyKind.UNEXPECTED, item["location_code"], where,
                                                 "count", count_id))
        report.update(flagged_missing=[str(i) for i in flagged], left_during_count=left, found_again=found_again)
        await store.close_count(conn, count_id, ctx.user, now, report)
        drafts.append(Draft("custody.count_closed", f"count/{count_id}", {
            "count_id": str(count_id), "warehouse_id": count["warehouse_id"],
            "location_code": count["location_code"], "expected": report["expected"],
            "found": len(report["found"]), "unexpected": len(report["unexpected"]),
            "missing": len(report["missing"])}))
        ids = await _emit(conn, ctx, drafts, now)
        return 200, _out("closed", ids, count_id=count_id, report=report)

    return await _command(custody, ctx, work)


# --- queries -------------------------------------------------------------------------------------


async def get_item(custody: Custody, principal: Principal, item_id: uuid.UUID) -> asyncpg.Record:
    async with custody.pool.acquire() as conn:
        item = await store.item(conn, item_id)
    if item is None:
        raise NotFound(f"item {item_id} is not known to custody", code="unknown_item")
    principal.require_warehouse(item["warehouse_id"])
    return item


async def item_by_label(custody: Custody, principal: Principal, label: str) -> asyncpg.Record:
    item_id, label_code = verify_label(custody.label_key, label)
    item = await get_item(custody, principal, item_id)
    if item["label_code"] != label_code:
        raise InvalidLabel("the label's code is not this item's label")
    return item


async def item_history(custody: Custody, principal: Principal, item_id: uuid.UUID) -> list[asyncpg.Record]:
    await get_item(custody, principal, item_id)
    async with custody.pool.acquire() as conn:
        return await store.item_events(conn, item_id)


async def custody_at(custody: Custody, principal: Principal, item_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    """Who held the item, where, in what state at time `at`: a fold of its custody events."""
    await get_item(custody, principal, item_id)
    async with custody.pool.acquire() as conn:
        events = await store.item_events(conn, item_id, until=at)
    status = ItemStatus(None)
    out: dict[str, Any] = {"item_id": item_id, "at": at, "state": None, "on_hold": False, "warehouse_id": None,
                           "location_code": None, "holder": None, "holder_kind": None, "last_event_type": None,
                           "last_event_at": None, "last_actor_id": None}
    shelf = None
    for event in events:
        data = event["body"]["data"]
        status = fold([event["event_type"]], status)
        out["location_code"], shelf = place_after(transition_for(event["event_type"]).place, data,
                                                  out["location_code"], shelf)
        warehouse = data.get("warehouse_id") or data.get("to_warehouse_id")
        if warehouse:
            out["warehouse_id"] = warehouse
        if event["event_type"] == "custody.item_checked_out":
            out["holder"], out["holder_kind"] = data["holder"], data["holder_kind"]
        elif event["event_type"] == "custody.item_handed_over":
            out["holder"], out["holder_kind"] = data["recipient"], "disposal"
        elif event["event_type"] in ("custody.item_returned", "custody.reservation_released"):
            out["holder"], out["holder_kind"] = None, None
        if event["event_type"] not in ("custody.item_unavailable", "custody.item_still_reserved"):
            out.update(last_event_type=event["event_type"], last_event_at=event["occurred_at"],
                       last_actor_id=event["body"]["actorid"])
    if status.state is not None:
        out["state"], out["on_hold"] = status.state.value, status.on_hold
        if out["holder"] is None and status.state.value in ("in_storage", "reserved_for_disposal",
                                                            "awaiting_receipt"):
            out["holder"], out["holder_kind"] = out["warehouse_id"], "warehouse"
    return out


async def items_at_location(custody: Custody, principal: Principal, code: str, at: datetime | None
                            ) -> list[uuid.UUID]:
    async with custody.pool.acquire() as conn:
        location = await store.location(conn, code)
        if location is None:
            raise NotFound(f"location {code} not found", code="unknown_location")
        principal.require_warehouse(location["warehouse_id"])
        if at is None:
            return [r["item_id"] for r in await store.items_at(conn, code)]
        return [r["item_id"] for r in await store.items_at_time(conn, code, at)]


async def warehouse_summary(custody: Custody, principal: Principal, warehouse_id: str) -> dict[str, Any]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return {"warehouse_id": warehouse_id, "states": await store.state_counts(conn, warehouse_id),
                "on_hold": await store.on_hold_count(conn, warehouse_id)}


async def storage_age(custody: Custody, principal: Principal, warehouse_id: str) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        rows = await store.storage_age(conn, warehouse_id, _now())
    return [{"bucket": r["bucket"], "items": r["n"], "oldest_received_at": r["oldest"]} for r in rows]


async def perishables_past_limit(custody: Custody, principal: Principal, warehouse_id: str, limit: int
                                 ) -> list[asyncpg.Record]:
    principal.require_warehouse(warehouse_id)
    cutoff = _now() - timedelta(days=custody.perishable_limit_days)
    async with custody.pool.acquire() as conn:
        return await store.perishables_past(conn, warehouse_id, cutoff, limit)


async def overdue(custody: Custody, principal: Principal, warehouse_id: str, limit: int) -> list[asyncpg.Record]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return await store.overdue(conn, warehouse_id, _now(), limit)


async def warehouse_items(custody: Custody, principal: Principal, warehouse_id: str, state: str | None,
                          after: str, limit: int) -> list[asyncpg.Record]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return await store.items_in_state(conn, warehouse_id, state, after, limit)


async def discrepancies(custody: Custody, principal: Principal, warehouse_id: str, limit: int
                        ) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await store.discrepancies(conn, warehouse_id, limit)]


async def locations(custody: Custody, principal: Principal, warehouse_id: str) -> list[dict[str, Any]]:
    principal.require_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await store.locations(conn, warehouse_id)]
