"""Item label reprints: each one recorded (who, why, which format) before its label is handed out, and the label
printed with words a person reads (the code, what the item is, the seizure's record, the warehouse).

Who may reprint: an intake officer of the seizing unit (or one above it), and warehouse staff of the warehouse
that holds the item now — a damaged label is found on the shelf. That is the warehouse it was registered to until
custody transfers it (intake's consumer follows custody's transfers: tangvat_intake.handlers); from the dispatch on,
the receiving warehouse's staff and no longer the sender's. Anyone else, like an unknown id: 404."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_intake import SERVICE, domain, store
from tangvat_intake.service import Intake
from tangvat_shared.auth import Principal, Role
from tangvat_shared.command import CommandContext, Decision, Outcome, run_command
from tangvat_shared.errors import NotFound
from tangvat_shared.events.intake import LabelFormat, ReprintReason
from tangvat_shared.history import history
from tangvat_shared.label_print import PrintedLabel


def may_see(principal: Principal, item: Any, *, reading: bool = False) -> bool:
    """An intake officer (or, `reading`, an auditor) of the seizing unit; staff of the warehouse holding it now."""
    roles = {Role.INTAKE_OFFICER, Role.AUDITOR} if reading else {Role.INTAKE_OFFICER}
    return ((principal.has_any(roles) and principal.may_act_for_unit(item["seizing_unit"]))
            or (Role.WAREHOUSE_STAFF in principal.roles
                and principal.may_act_in_warehouse(item["holding_warehouse_id"])))


async def _item(conn: asyncpg.Connection, principal: Principal, item_id: uuid.UUID, *,
                reading: bool = False) -> dict[str, Any]:
    row = await store.item(conn, item_id)
    if row is None or not may_see(principal, row, reading=reading):
        raise NotFound(f"item {item_id} not found")
    return dict(row)


async def reprint_label(intake: Intake, ctx: CommandContext, item_id: uuid.UUID, reason: ReprintReason,
                        note: str | None, label_format: LabelFormat) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        item = await _item(conn, ctx.principal, item_id)
        decided = domain.reprint_label(item, reason, note, label_format, await store.lock_reprints(conn, item_id))
        reprint_id = uuid.uuid4()
        await store.insert_reprint(conn, reprint_id, item_id, decided.reprint_no, reason.value, note,
                                   label_format.value, ctx.user, now)
        return Outcome.created({
            "reprint_id": str(reprint_id), "reprint_no": decided.reprint_no, "format": label_format.value,
            "label_url": f"/items/{item_id}/label-reprints/{reprint_id}/label"}), [decided.draft]

    return await run_command(intake.pool, ctx, SERVICE, work)


async def reprints(intake: Intake, principal: Principal, item_id: uuid.UUID) -> list[dict[str, Any]]:
    async with intake.pool.acquire() as conn:
        await _item(conn, principal, item_id, reading=True)
        return [dict(r) for r in await store.reprints(conn, item_id)]


async def reprinted_label(intake: Intake, principal: Principal, item_id: uuid.UUID, reprint_id: uuid.UUID
                          ) -> tuple[str, str, PrintedLabel]:
    """A recorded reprint's format, title and label: the signed payload with the words printed beside it."""
    async with intake.pool.acquire() as conn:
        item = await _item(conn, principal, item_id)
        row = await store.reprint(conn, reprint_id)
        if row is None or row["item_id"] != item_id:
            raise NotFound(f"reprint {reprint_id} not found", code="unknown_reprint")
        seizure = await store.seizure(conn, item["seizure_id"])
    assert seizure is not None
    lines = (item["description"], f"BB {seizure['record_number']}", f"Kho: {item['holding_warehouse_id']}",
             f"In lại lần {row['reprint_no']} · {row['reprinted_at']:%d/%m/%Y}")
    label = PrintedLabel(intake.label_payload(item_id, item["label_code"]), item["label_code"], lines)
    return row["format"], f"Nhãn in lại — {item['label_code']}", label


async def item_history(intake: Intake, principal: Principal, item_id: uuid.UUID) -> list[dict[str, Any]]:
    """The item's intake events (its reprints among them) for intake's readers and the staff of its warehouse."""
    async with intake.pool.acquire() as conn:
        await _item(conn, principal, item_id, reading=True)
        return history(await store.subject_history(conn, domain.item_subject(item_id)))


async def item_for_reading(conn: asyncpg.Connection, principal: Principal, item_id: uuid.UUID) -> dict[str, Any]:
    """An item as its readers see it (its unit's officers and auditors, its warehouse's staff); else 404."""
    return await _item(conn, principal, item_id, reading=True)
