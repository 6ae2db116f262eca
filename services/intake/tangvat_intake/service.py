"""Intake commands and queries: one function per command, one transaction each."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tangvat_intake import SERVICE, domain, store
from tangvat_intake.schemas import (
    ItemCorrectionIn,
    LegalStatusIn,
    SeizureCorrectionIn,
    SeizureRegistration,
)
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext
from tangvat_shared.envelope import Actor
from tangvat_shared.errors import Conflict, NotFound
from tangvat_shared.events.intake import LegalStatus
from tangvat_shared.idempotency import StoredResponse, remember, replay_or_lock
from tangvat_shared.outbox import append_records, emit


def actor_of(principal: Principal) -> Actor:
    return principal.actor


async def _emit(conn: asyncpg.Connection, ctx: CommandContext, event_type: str, subject: str,
                data: dict[str, Any]) -> uuid.UUID:
    (event_id,) = await emit(conn, source=SERVICE, actor=ctx.principal.actor, events=[(event_type, subject, data)],
                             now=datetime.now(UTC), correlation_id=ctx.correlation_id)
    return uuid.UUID(event_id)


async def register_seizure(
    pool: asyncpg.Pool,
    ctx: CommandContext,
    registration: SeizureRegistration,
    *,
    request_hash: str,
    idempotency_key: str | None,
) -> StoredResponse:
    ctx.principal.require_unit(registration.seizing_unit)
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        if idempotency_key:
            stored = await replay_or_lock(conn, ctx.principal.user_id, idempotency_key, request_hash)
            if stored is not None:
                return stored
        plan = domain.plan_registration(
            registration, actor=actor_of(ctx.principal), now=now, correlation_id=ctx.correlation_id
        )
        if await store.record_number_taken(conn, registration.seizing_unit, registration.record_number):
            raise Conflict(
                f"record number {registration.record_number} already registered by {registration.seizing_unit}",
                code="duplicate_record_number",
            )
        taken = set(await store.label_codes_taken(conn, [i.label_code for i in registration.items]))
        if taken:
            rows = [
                {"row": n, "field": "label_code", "message": f"label {i.label_code} is already in use"}
                for n, i in enumerate(registration.items, start=1)
                if i.label_code in taken
            ]
            raise Conflict(f"{len(rows)} label code(s) already in use", code="duplicate_label", details=rows[:1000])
        await store.insert_seizure(conn, plan, ctx.principal.user_id, now)
        await append_records(conn, [plan.seizure_event()])
        for item_rows, events in plan.chunks():
            await store.insert_items(conn, item_rows)
            await append_records(conn, events)
        body = {
            "seizure_id": str(plan.seizure_id),
            "record_number": registration.record_number,
            "item_count": len(registration.items),
            "total_value_vnd": plan.total_value_vnd,
            "items_url": f"/seizures/{plan.seizure_id}/items",
            "labels_url": f"/seizures/{plan.seizure_id}/labels.pdf",
        }
        if idempotency_key:
            await remember(conn, ctx.principal.user_id, idempotency_key, request_hash, "created", body)
    return StoredResponse("created", body)


async def get_seizure(pool: asyncpg.Pool, principal: Principal, seizure_id: uuid.UUID) -> dict[str, Any]:
    async with pool.acquire() as conn:
        row = await store.seizure(conn, seizure_id)
        if row is None:
            raise NotFound(f"seizure {seizure_id} not found")
        principal.require_unit(row["seizing_unit"])
        counts = await store.items_by_category(conn, seizure_id)
    result = dict(row)
    result["items_by_category"] = counts
    return result


async def list_items(
    pool: asyncpg.Pool, principal: Principal, seizure_id: uuid.UUID, category: str | None, after: int, limit: int
) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        row = await store.seizure(conn, seizure_id)
        if row is None:
            raise NotFound(f"seizure {seizure_id} not found")
        principal.require_unit(row["seizing_unit"])
        return await store.items_page(conn, seizure_id, category=category, after=after, limit=limit)


async def get_item(pool: asyncpg.Pool, principal: Principal, item_id: uuid.UUID) -> asyncpg.Record:
    async with pool.acquire() as conn:
        row = await store.item(conn, item_id)
    if row is None:
        raise NotFound(f"item {item_id} not found")
    principal.require_unit(row["seizing_unit"])
    return row


async def item_history(pool: asyncpg.Pool, principal: Principal, item_id: uuid.UUID) -> list[asyncpg.Record]:
    await get_item(pool, principal, item_id)
    async with pool.acquire() as conn:
        return await store.subject_history(conn, domain.item_subject(item_id))


async def correct_item(
    pool: asyncpg.Pool, ctx: CommandContext, item_id: uuid.UUID, correction: ItemCorrectionIn
) -> uuid.UUID:
    async with pool.acquire() as conn, conn.transaction():
        row = await store.item(conn, item_id, for_update=True)
        if row is None:
            raise NotFound(f"item {item_id} not found")
        ctx.principal.require_unit(row["seizing_unit"])
        changes = domain.corrections(row, correction, domain.ITEM_NULLABLE)
        new_values = {c.field: c.new for c in changes}
        await store.update_item(conn, item_id, new_values)
        if "value_vnd" in new_values:
            seizure = await store.seizure(conn, row["seizure_id"], for_update=True)
            assert seizure is not None
            total = seizure["total_value_vnd"] - row["value_vnd"] + int(new_values["value_vnd"])  # type: ignore[arg-type]
            await store.update_seizure(conn, row["seizure_id"], {"total_value_vnd": total})
        return await _emit(conn, ctx, "intake.item_corrected", domain.item_subject(item_id), {
            "item_id": str(item_id),
            "seizure_id": str(row["seizure_id"]),
            "changes": [c.model_dump(mode="json") for c in changes],
            "reason": correction.reason,
        })


async def correct_seizure(
    pool: asyncpg.Pool, ctx: CommandContext, seizure_id: uuid.UUID, correction: SeizureCorrectionIn
) -> uuid.UUID:
    async with pool.acquire() as conn, conn.transaction():
        row = await store.seizure(conn, seizure_id, for_update=True)
        if row is None:
            raise NotFound(f"seizure {seizure_id} not found")
        ctx.principal.require_unit(row["seizing_unit"])
        changes = domain.corrections(row, correction, domain.SEIZURE_NULLABLE)
        await store.update_seizure(conn, seizure_id, {c.field: c.new for c in changes})
        return await _emit(conn, ctx, "intake.seizure_corrected", domain.seizure_subject(seizure_id), {
            "seizure_id": str(seizure_id),
            "changes": [c.model_dump(mode="json") for c in changes],
            "reason": correction.reason,
        })


async def record_legal_status(
    pool: asyncpg.Pool, ctx: CommandContext, seizure_id: uuid.UUID, decision: LegalStatusIn
) -> uuid.UUID:
    async with pool.acquire() as conn, conn.transaction():
        row = await store.seizure(conn, seizure_id, for_update=True)
        if row is None:
            raise NotFound(f"seizure {seizure_id} not found")
        ctx.principal.require_unit(row["seizing_unit"])
        current = LegalStatus(row["legal_status"]) if row["legal_status"] else None
        draft = domain.decide_legal_status(current, decision)
        await store.set_legal_status(conn, seizure_id, decision.status.value, draft.data)
        data = dict(draft.data, seizure_id=str(seizure_id))
        return await _emit(conn, ctx, draft.type, domain.seizure_subject(seizure_id), data)


async def labels(pool: asyncpg.Pool, principal: Principal, seizure_id: uuid.UUID, after: int,
                 limit: int) -> tuple[asyncpg.Record, list[asyncpg.Record]]:
    async with pool.acquire() as conn:
        row = await store.seizure(conn, seizure_id)
        if row is None:
            raise NotFound(f"seizure {seizure_id} not found")
        principal.require_unit(row["seizing_unit"])
        return row, await store.labels_page(conn, seizure_id, after, limit)
