"""Intake commands and queries: each command loads, lets the domain decide, saves, and answers, in the one
transaction of `tangvat_shared.command.run_command`; the queries sign the labels they hand out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tangvat_intake import SERVICE, csv_import, domain, search, store
from tangvat_intake.domain_attachments import registration_files
from tangvat_intake.label_sheet import Label
from tangvat_intake.schemas import (
    ItemCorrectionIn,
    LegalStatusIn,
    SeizureCorrectionIn,
    SeizureFields,
    SeizureRegistration,
)
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Decision, Outcome, Work, run_command
from tangvat_shared.errors import NotFound, RuleViolation
from tangvat_shared.events.intake import LegalStatus
from tangvat_shared.files import FileStore, LocalFileStore
from tangvat_shared.labels import sign_label, verify_label
from tangvat_shared.units import sql_filter


@dataclass(frozen=True)
class Intake:
    """What intake's commands and queries need: the database, the key its labels are signed with, and the file
    store its photos and documents are kept in (by SHA-256)."""

    pool: asyncpg.Pool
    signing_key: Ed25519PrivateKey
    files: FileStore = field(default_factory=lambda: LocalFileStore(Path(".run/files/intake")))

    def label_payload(self, item_id: uuid.UUID, label_code: str) -> str:
        return sign_label(self.signing_key, item_id, label_code)


async def require_uploaded(intake: Intake, registration: SeizureRegistration) -> None:
    """Every photo and document a registration names must be in the file store already (POST /attachments
    first): an event never names a file nobody kept."""
    refs = registration_files([a.sha256 for a in registration.attachments], [i.photos for i in registration.items])
    missing = [{"loc": loc, "sha256": sha256} for loc, sha256 in refs if not await intake.files.exists(sha256)]
    if missing:
        raise RuleViolation("upload each photo and document first (POST /attachments): these are not in the store",
                            code="attachment_not_uploaded", details=missing)


async def register_seizure(intake: Intake, ctx: CommandContext, registration: SeizureRegistration) -> Outcome:
    ctx.principal.require_unit(registration.seizing_unit)
    await require_uploaded(intake, registration)
    return await run_command(intake.pool, ctx, SERVICE, _registering(ctx, registration))


async def register_seizure_csv(intake: Intake, ctx: CommandContext, fields: SeizureFields,
                               reading: csv_import.CsvItems) -> Outcome:
    """A seizure whose items come from a CSV file: every bad line of the file is reported at once (its own
    problems, a label twice or already in use, a warehouse custody never registered), with its line number."""
    ctx.principal.require_unit(fields.seizing_unit)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        good = csv_import.good_items(reading)
        labels_taken = set(await store.label_codes_taken(conn, [i.label_code for i in good]))
        unknown = await store.unknown_warehouses(conn, sorted({i.warehouse_id for i in good}))
        problems = csv_import.line_problems(reading, labels_taken, unknown)
        if problems:
            raise csv_import.refuse(problems)
        registration = SeizureRegistration.model_validate({**fields.model_dump(), "items": good})
        return await _registering(ctx, registration)(conn, now)

    return await run_command(intake.pool, ctx, SERVICE, work)


def _registering(ctx: CommandContext, registration: SeizureRegistration) -> Work:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        items = registration.items
        record_number_taken = await store.record_number_taken(conn, registration.seizing_unit,
                                                              registration.record_number)
        labels_taken = set(await store.label_codes_taken(conn, [i.label_code for i in items]))
        decided = domain.register(registration.model_dump(mode="json", exclude={"items"}), registration.seized_at,
                                  items, now=now, record_number_taken=record_number_taken, labels_taken=labels_taken)
        await store.insert_seizure(conn, decided, registration.model_dump(exclude={"items"}), ctx.user, now)
        await store.insert_items(conn, decided, now)
        seizure_id = decided.seizure_id
        return Outcome.created({
            "seizure_id": str(seizure_id),
            "record_number": registration.record_number,
            "item_count": decided.item_count,
            "total_value_vnd": decided.total_value_vnd,
            "items_url": f"/seizures/{seizure_id}/items",
            "labels_url": f"/seizures/{seizure_id}/labels.pdf",
        }, event_ids=False), decided.drafts()

    return work


def _accepted(outcome: Outcome) -> Outcome:
    """A correction or decision answers with the id of the one event it recorded."""
    (event_id,) = outcome.body["event_ids"]
    return Outcome(outcome.kind, {"event_id": event_id}, event_ids=False)


async def _seizure(conn: asyncpg.Connection, principal: Principal, seizure_id: uuid.UUID, *,
                   for_update: bool = False) -> dict[str, Any]:
    row = await store.seizure(conn, seizure_id, for_update=for_update)
    unknown = NotFound(f"seizure {seizure_id} not found")
    if row is None:
        raise unknown
    # Outside the caller's units (their own and those below) a seizure does not exist for them: the same 404.
    principal.require_visible_unit(row["seizing_unit"], unknown)
    return dict(row)


async def _item(conn: asyncpg.Connection, principal: Principal, item_id: uuid.UUID, *,
                for_update: bool = False) -> dict[str, Any]:
    row = await store.item(conn, item_id, for_update=for_update)
    unknown = NotFound(f"item {item_id} not found")
    if row is None:
        raise unknown
    principal.require_visible_unit(row["seizing_unit"], unknown)
    return dict(row)


async def correct_item(intake: Intake, ctx: CommandContext, item_id: uuid.UUID,
                       correction: ItemCorrectionIn) -> Outcome:
    requested = correction.model_dump(exclude={"reason"}, exclude_unset=True, mode="json")

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        item = await _item(conn, ctx.principal, item_id, for_update=True)
        decided = domain.correct_item(item, requested, correction.reason)
        await store.update_item(conn, item_id, decided.values)
        if "value_vnd" in decided.values:
            seizure = await _seizure(conn, ctx.principal, item["seizure_id"], for_update=True)
            total = domain.corrected_total(seizure["total_value_vnd"], item["value_vnd"],
                                           int(decided.values["value_vnd"]))
            await store.update_seizure(conn, item["seizure_id"], {"total_value_vnd": total})
        return Outcome.created({}), [decided.draft]

    return _accepted(await run_command(intake.pool, ctx, SERVICE, work))


async def correct_seizure(intake: Intake, ctx: CommandContext, seizure_id: uuid.UUID,
                          correction: SeizureCorrectionIn) -> Outcome:
    requested = correction.model_dump(exclude={"reason"}, exclude_unset=True, mode="json")

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        seizure = await _seizure(conn, ctx.principal, seizure_id, for_update=True)
        decided = domain.correct_seizure(seizure, requested, correction.reason)
        await store.update_seizure(conn, seizure_id, decided.values)
        return Outcome.created({}), [decided.draft]

    return _accepted(await run_command(intake.pool, ctx, SERVICE, work))


async def record_legal_status(intake: Intake, ctx: CommandContext, seizure_id: uuid.UUID,
                              decision: LegalStatusIn) -> Outcome:
    decided_on = decision.model_dump(mode="json")

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        seizure = await _seizure(conn, ctx.principal, seizure_id, for_update=True)
        current = LegalStatus(seizure["legal_status"]) if seizure["legal_status"] else None
        draft = domain.decide_legal_status(seizure_id, current, decided_on)
        await store.set_legal_status(conn, seizure_id, decision.status.value, decided_on)
        return Outcome.created({}), [draft]

    return _accepted(await run_command(intake.pool, ctx, SERVICE, work))


async def get_seizure(intake: Intake, principal: Principal, seizure_id: uuid.UUID) -> dict[str, Any]:
    async with intake.pool.acquire() as conn:
        seizure = await _seizure(conn, principal, seizure_id)
        seizure["items_by_category"] = await store.items_by_category(conn, seizure_id)
    return seizure


def _with_label(intake: Intake, row: Any) -> dict[str, Any]:
    item = dict(row)
    item["label_payload"] = intake.label_payload(row["item_id"], row["label_code"])
    return item


async def list_items(intake: Intake, principal: Principal, seizure_id: uuid.UUID, category: str | None, after: int,
                     limit: int) -> dict[str, Any]:
    """A page of a seizure's items in line order, each with its signed label payload."""
    async with intake.pool.acquire() as conn:
        await _seizure(conn, principal, seizure_id)
        rows = await store.items_page(conn, seizure_id, category=category, after=after, limit=limit)
    return {
        "items": [_with_label(intake, r) for r in rows],
        "next_after": rows[-1]["line_no"] if len(rows) == limit else None,
    }


async def get_item(intake: Intake, principal: Principal, item_id: uuid.UUID) -> dict[str, Any]:
    """An item with its signed label payload."""
    async with intake.pool.acquire() as conn:
        return _with_label(intake, await _item(conn, principal, item_id))


async def label_sheet(intake: Intake, principal: Principal, seizure_id: uuid.UUID, after: int,
                      limit: int) -> tuple[str, list[Label]]:
    """The title and the signed labels of one sheet of a seizure's items (`after` a line number)."""
    async with intake.pool.acquire() as conn:
        seizure = await _seizure(conn, principal, seizure_id)
        rows = await store.labels_page(conn, seizure_id, after, limit)
    return f"BB {seizure['record_number']}", [
        Label(intake.label_payload(r["item_id"], r["label_code"]), r["label_code"],
              f"#{r['line_no']} {r['description']}", r["warehouse_id"])
        for r in rows
    ]


def check_label(intake: Intake, payload: str) -> dict[str, Any]:
    """The item id and label code of a genuine label; a forged or altered one is refused (`invalid_label`)."""
    item_id, label_code = verify_label(intake.signing_key.public_key(), payload)
    return {"item_id": item_id, "label_code": label_code}


async def search_seizures(intake: Intake, principal: Principal, filters: search.SeizureSearch,
                          limit: int) -> dict[str, Any]:
    """A page of the seizures of the caller's units (their own and those below) matching the filters."""
    async with intake.pool.acquire() as conn:
        rows = await store.search_seizures(conn, filters, sql_filter(principal.units), limit)
    return {
        "seizures": [dict(r) for r in rows],
        "next_after": search.cursor(rows[-1]["seized_at"], rows[-1]["seizure_id"]) if len(rows) == limit else None,
    }
