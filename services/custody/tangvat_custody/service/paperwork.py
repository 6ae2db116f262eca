"""Custody's paperwork: a form printed from what custody knows (unsigned, to read before signing), a form signed
on the tablet (load -> decide -> save -> answer: the signatures and the signed PDF go to the file store, the row
and `custody.form_signed` with their hashes in one transaction), and a signed form read back byte for byte."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tangvat_custody import domain, reads, store, store_paperwork
from tangvat_custody.domain_paperwork import PARTIES, FormKind, Subject, draft_pdf, sign, signed_pdf
from tangvat_custody.service.common import Custody, body, command
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Decision, Outcome
from tangvat_shared.errors import NotFound, RuleViolation
from tangvat_shared.forms.signing import SignatureIn, accept_signatures
from tangvat_shared.history import history

PDF = "application/pdf"


def unknown_subject(form: FormKind, subject_id: uuid.UUID) -> NotFound:
    return NotFound(f"no {form} for {subject_id} in the caller's warehouses", code="unknown_form_subject",
                    details={"form": str(form), "subject_id": str(subject_id)})


def unknown_signed_form(form_id: uuid.UUID) -> NotFound:
    return NotFound(f"signed form {form_id} not found", code="unknown_signed_form")


async def _warehouse_name(conn: asyncpg.Connection, warehouse_id: str) -> str:
    row = await reads.warehouse(conn, warehouse_id)
    return str(row["name"]) if row is not None else warehouse_id


async def load_subject(conn: asyncpg.Connection, principal: Principal, form: FormKind, subject_id: uuid.UUID,
                       warehouse_id: str | None) -> Subject:
    """What the form lists, in the caller's warehouses only: another warehouse's subject is as unknown as an id
    nobody used (a receipt's forms name their warehouse: one seizure may be received in several)."""
    unknown = unknown_subject(form, subject_id)
    extra: dict[str, Any] = {}
    if form in (FormKind.RECEIPT_MINUTES, FormKind.WAREHOUSE_RECEIPT):
        if warehouse_id is None:
            raise RuleViolation("a receipt's forms name the warehouse the goods were received in",
                                code="warehouse_required", details=[{"loc": ["query", "warehouse_id"]}])
        principal.require_visible_warehouse(warehouse_id, unknown)
        items = [dict(r) for r in await reads.received_items(conn, subject_id, warehouse_id)]
        if form is FormKind.WAREHOUSE_RECEIPT and items:
            events = await reads.received_events(conn, [i["item_id"] for i in items])
            by_item = {r["subject"]: r["body"]["data"] for r in events}
            extra["counted"] = {i["label_code"]: int(by_item[f"item/{i['item_id']}"]["quantity_counted"])
                                for i in items if f"item/{i['item_id']}" in by_item}
        where = warehouse_id
    elif form is FormKind.TRANSFER_MINUTES:
        transfer = await store.transfer(conn, subject_id)
        if transfer is None or not (principal.may_act_in_warehouse(transfer["from_warehouse_id"])
                                    or principal.may_act_in_warehouse(transfer["to_warehouse_id"])):
            raise unknown
        extra["transfer"] = dict(transfer)
        items = [dict(r) for r in await reads.transfer_goods(conn, subject_id)]
        where = transfer["to_warehouse_id"] if principal.may_act_in_warehouse(transfer["to_warehouse_id"]) \
            else transfer["from_warehouse_id"]
    elif form is FormKind.HANDOVER_MINUTES:
        items = [dict(r) for r in await reads.handed_over_items(conn, subject_id)]
        if not items:
            raise unknown
        where = items[0]["warehouse_id"]
        principal.require_visible_warehouse(where, unknown)
        event = await reads.last_event_of(conn, items[0]["item_id"], "custody.item_handed_over")
        extra["handed_over"] = event["body"]["data"] if event is not None else {}
    else:
        item = await store.item(conn, subject_id)
        if item is None:
            raise domain.unknown_item(subject_id)
        principal.require_visible_warehouse(item["warehouse_id"], domain.unknown_item(subject_id))
        items, where = [dict(item)], item["warehouse_id"]
        extra["events"] = [{"type": e["type"], "at": e["occurred_at"], "event_id": e["event_id"],
                            "actor": e["actor_id"], "data": e["data"]}
                           for e in history(await reads.item_events(conn, subject_id))]
    return Subject(form, subject_id, where, await _warehouse_name(conn, where), items, extra)


async def form_pdf(custody: Custody, principal: Principal, form: FormKind, subject_id: uuid.UUID,
                   warehouse_id: str | None) -> bytes:
    """The form unsigned, as custody knows its subject now."""
    async with custody.pool.acquire() as conn:
        subject = await load_subject(conn, principal, form, subject_id, warehouse_id)
    return await asyncio.to_thread(draft_pdf, subject, datetime.now(UTC))


async def sign_form(custody: Custody, ctx: CommandContext, form: FormKind, subject_id: uuid.UUID,
                    warehouse_id: str | None, signatures: Sequence[SignatureIn]) -> Outcome:
    """Sign a form: the signatures checked against the form's boxes, kept in the file store, drawn into the PDF,
    which is kept too; the row and the event name every hash. One signature covers every item the form lists."""
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        # Whose subject it is before what was sent: outside the caller's warehouses the answer is the unknown
        # subject's, whatever the pads hold.
        subject = await load_subject(conn, ctx.principal, form, subject_id, warehouse_id)
        captured = accept_signatures(PARTIES[form], signatures)
        pdf = await asyncio.to_thread(signed_pdf, subject, captured, now)
        # Content-addressed: a transaction that rolls back leaves at worst an unnamed file, never a wrong one.
        for c in captured:
            await custody.files.put(c.png, "image/png")
        pdf_sha256 = await custody.files.put(pdf, PDF)
        signed = sign(subject, captured, pdf_sha256, len(pdf), ctx.user, ctx.actor.role, now, uuid.uuid4())
        await store_paperwork.insert_signed_form(conn, signed.row)
        form_id = signed.row["form_id"]
        return Outcome.created(body("signed", form_id=form_id, form=str(form), subject_id=subject_id,
                                    warehouse_id=subject.warehouse_id, pdf_sha256=pdf_sha256,
                                    item_count=len(subject.items), signatures=signed.row["signatures"],
                                    download_url=f"/signed-forms/{form_id}/pdf")), [signed.draft]

    return await command(custody, ctx, work)


def _listed(row: asyncpg.Record) -> dict[str, Any]:
    return {"form_id": row["form_id"], "form": row["form"], "subject_id": row["subject_id"],
            "warehouse_id": row["warehouse_id"], "item_count": len(row["item_ids"]), "pdf_sha256": row["pdf_sha256"],
            "signatures": row["signatures"], "signed_by": row["signed_by"], "signed_at": row["signed_at"],
            "download_url": f"/signed-forms/{row['form_id']}/pdf"}


async def signed_forms(custody: Custody, principal: Principal, form: FormKind, subject_id: uuid.UUID
                       ) -> list[dict[str, Any]]:
    """The signed copies of a form of a subject, newest first, those of the caller's warehouses."""
    async with custody.pool.acquire() as conn:
        rows = await reads.signed_forms(conn, str(form), subject_id)
    return [_listed(r) for r in rows if principal.may_act_in_warehouse(r["warehouse_id"])]


async def signed_form_pdf(custody: Custody, principal: Principal, form_id: uuid.UUID) -> tuple[bytes, str]:
    """The signed PDF exactly as kept (the store checks its bytes against the hash the event recorded)."""
    async with custody.pool.acquire() as conn:
        row = await reads.signed_form(conn, form_id)
    if row is None:
        raise unknown_signed_form(form_id)
    principal.require_visible_warehouse(row["warehouse_id"], unknown_signed_form(form_id))
    return await custody.files.get(row["pdf_sha256"]), row["pdf_sha256"]
