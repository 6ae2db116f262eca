"""Returns to owners on a release order: the counter's task list with each deadline, and the hand-back."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import asyncpg

from tangvat_custody import domain_returns as rules
from tangvat_custody import reads, store, store_returns
from tangvat_custody.service.common import Custody, body, command, load_items
from tangvat_shared.auth import ALL, Principal
from tangvat_shared.command import CommandContext, Decision, Outcome
from tangvat_shared.errors import NotFound

VIETNAM = timezone(timedelta(hours=7))  # deadlines are counted in the agency's days, not UTC's


def _today(now: datetime) -> Any:
    return now.astimezone(VIETNAM).date()


async def return_tasks(custody: Custody, principal: Principal, warehouse_id: str | None) -> list[dict[str, Any]]:
    if warehouse_id is not None:
        principal.require_warehouse(warehouse_id)
    scope = None if ALL in principal.warehouses else sorted(principal.warehouses)
    today = _today(datetime.now(VIETNAM))
    async with custody.pool.acquire() as conn:
        rows = await reads.return_tasks(conn, scope, warehouse_id)
    out = []
    for r in rows:
        decision = r["decision"]
        out.append({"seizure_id": r["seizure_id"], "warehouse_id": r["warehouse_id"],
                    "decision_number": decision["decision_number"], "decided_on": decision["decided_on"],
                    "issued_by": decision.get("issued_by"), **rules.task(decision, custody.calendar, today),
                    "items": r["items"]})
    return out


async def return_to_owner(custody: Custody, ctx: CommandContext, request: rules.OwnerReturn,
                          signature_png: bytes | None = None) -> Outcome:
    ctx.principal.require_warehouse(request.warehouse_id)
    rules.check_signature(signature_png)
    if signature_png is not None:
        # Content-addressed: stored before the transaction, a retry stores the same bytes under the same name.
        request = dataclasses.replace(request, signature_sha256=await custody.files.put(signature_png, "image/png"))

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        legal = await store_returns.legal_status(conn, request.seizure_id)
        items = await load_items(conn, ctx, list(request.item_ids))
        return_id = uuid.uuid4()
        decided, due, late = rules.return_to_owner(request, legal, items, return_id=return_id,
                                                   cal=custody.calendar, today=_today(now))
        await store.save_items(conn, decided.decisions, now)
        assert legal is not None  # the rule refused a seizure without a release order
        await store_returns.insert_owner_return(conn, {
            "return_id": return_id, "seizure_id": request.seizure_id, "warehouse_id": request.warehouse_id,
            "decision_number": legal["decision"]["decision_number"], "owner_name": request.owner_name,
            "id_type": request.id_type.value, "id_number": request.id_number,
            "signature_sha256": request.signature_sha256, "item_ids": list(request.item_ids), "due_on": due,
            "late": late, "returned_by": ctx.user, "returned_at": now})
        return Outcome.created(body("returned_to_owner", return_id=return_id, due_on=due, late=late,
                                    item_ids=list(request.item_ids))), decided.drafts

    return await command(custody, ctx, work)


async def get_return(custody: Custody, principal: Principal, return_id: uuid.UUID) -> dict[str, Any]:
    unknown = NotFound(f"return {return_id} not found", code="unknown_return")
    async with custody.pool.acquire() as conn:
        row = await reads.owner_return(conn, return_id)
    if row is None:
        raise unknown
    principal.require_visible_warehouse(row["warehouse_id"], unknown)
    return {**row, "items": row["items"] or []}


async def return_papers(custody: Custody, principal: Principal, return_id: uuid.UUID
                        ) -> tuple[dict[str, Any], bytes | None]:
    """A return as its forms print it, and the owner's signature image (from the file store, hash checked)."""
    row = await get_return(custody, principal, return_id)
    png = await custody.files.get(row["signature_sha256"]) if row["signature_sha256"] else None
    return row, png
