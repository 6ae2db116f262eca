"""The destruction minutes of an executed batch: printed from the execution record, signed on the tablet (load ->
decide -> save -> answer: the signatures and the signed PDF to the file store, the row and `disposal.form_signed`
with their hashes in one transaction), and a signed copy read back byte for byte."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tangvat_disposal import SERVICE, domain_execution, domain_paperwork, reads, store_execution
from tangvat_disposal.service.common import Disposal, batch
from tangvat_disposal.service.queries import _batch_view
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Decision, Outcome, run_command
from tangvat_shared.errors import NotFound
from tangvat_shared.forms.signing import SignatureIn, accept_signatures

PDF = "application/pdf"


async def _load(conn: asyncpg.Connection, principal: Principal, batch_id: uuid.UUID
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    row = await batch(conn, principal, batch_id)
    domain_execution.check_certificate(row["method"], row["status"])
    view = await _batch_view(conn, row)
    return view, [dict(r) for r in await reads.batch_items(conn, batch_id) if r["executed"]]


async def minutes_pdf(disposal: Disposal, principal: Principal, batch_id: uuid.UUID) -> bytes:
    async with disposal.pool.acquire() as conn:
        view, items = await _load(conn, principal, batch_id)
    return await asyncio.to_thread(domain_paperwork.render, view, items, datetime.now(UTC))


async def sign_minutes(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID,
                       signatures: Sequence[SignatureIn]) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        view, items = await _load(conn, ctx.principal, batch_id)  # another unit's batch: unknown, whatever was sent
        captured = accept_signatures(domain_paperwork.parties(view), signatures)
        pdf = await asyncio.to_thread(domain_paperwork.render, view, items, now, captured)
        for c in captured:
            await disposal.files.put(c.png, "image/png")
        pdf_sha256 = await disposal.files.put(pdf, PDF)
        row, draft = domain_paperwork.sign(view, items, captured, pdf_sha256, len(pdf), ctx.user, ctx.actor.role,
                                           now, uuid.uuid4())
        await store_execution.insert_signed_form(conn, row)
        form_id = row["form_id"]
        return Outcome.created({"status": "signed", "form_id": str(form_id), "form": domain_paperwork.FORM,
                                "batch_id": str(batch_id), "pdf_sha256": pdf_sha256, "item_count": len(items),
                                "signatures": row["signatures"], "download_url": f"/signed-forms/{form_id}/pdf"}
                               ), [draft]

    return await run_command(disposal.pool, ctx, SERVICE, work)


def unknown_signed_form(form_id: uuid.UUID) -> NotFound:
    return NotFound(f"signed form {form_id} not found", code="unknown_signed_form")


async def signed_minutes(disposal: Disposal, principal: Principal, batch_id: uuid.UUID) -> list[dict[str, Any]]:
    async with disposal.pool.acquire() as conn:
        await batch(conn, principal, batch_id)
        rows = await reads.signed_forms(conn, batch_id)
    return [{"form_id": str(r["form_id"]), "form": r["form"], "batch_id": str(r["batch_id"]),
             "item_count": len(r["item_ids"]), "pdf_sha256": r["pdf_sha256"], "signatures": r["signatures"],
             "signed_by": r["signed_by"], "signed_at": r["signed_at"].isoformat(),
             "download_url": f"/signed-forms/{r['form_id']}/pdf"} for r in rows]


async def signed_form_pdf(disposal: Disposal, principal: Principal, form_id: uuid.UUID) -> tuple[bytes, str]:
    async with disposal.pool.acquire() as conn:
        row = await reads.signed_form(conn, form_id)
    if row is None:
        raise unknown_signed_form(form_id)
    principal.require_visible_unit(row["unit"], unknown_signed_form(form_id))
    return await disposal.files.get(row["pdf_sha256"]), row["pdf_sha256"]
