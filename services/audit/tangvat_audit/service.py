"""The auditor service's queries; each one records that it was made, in the same transaction."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tangvat_audit import store
from tangvat_audit.attachments import FileRef, attachment_findings, file_refs
from tangvat_audit.audit import AuditResult, run_audit
from tangvat_audit.dead_letters import DeadLetter, read_dead_letters
from tangvat_audit.log_reader import STREAMS, Record, read_stream
from tangvat_audit.report import as_html, as_json
from tangvat_audit.report_pdf import as_pdf
from tangvat_shared.auth import Principal
from tangvat_shared.errors import NotFound
from tangvat_shared.events.registry import spec_for
from tangvat_shared.files import FileStore
from tangvat_shared.kafka import event_topic
from tangvat_shared.keys import load_public_key
from tangvat_shared.outbox import emit

SERVICE = "audit"


async def _record(conn: asyncpg.Connection, principal: Principal, event_type: str, subject: str,
                  data: dict[str, Any], correlation_id: uuid.UUID | None) -> None:
    spec_for(event_type).model.model_validate(data)  # a record that breaks its own schema is a bug: fail the read
    await emit(conn, source=SERVICE, actor=principal.actor, events=[(event_type, subject, data)],
               now=datetime.now(UTC), correlation_id=correlation_id)


async def item_timeline(pool: asyncpg.Pool, principal: Principal, item_id: uuid.UUID,
                        correlation_id: uuid.UUID | None) -> list[dict[str, Any]]:
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            """SELECT event_id, stream, sequence, event_type, occurred_at, actor_id, actor_role, data FROM item_step
                WHERE item_id = $1 ORDER BY occurred_at, stream, sequence""", item_id)
        # An auditor of some units reads only their items: another unit's item (or one whose registration has
        # not reached the projection yet) is as unknown as an id nobody registered.
        units = [r["data"]["seizing_unit"] for r in rows if r["event_type"] == "intake.item_registered"]
        principal.require_visible_unit(units[-1] if units else None,
                                       NotFound(f"item {item_id} not found", code="unknown_item"))
        await _record(conn, principal, "audit.item_timeline_viewed", f"item/{item_id}",
                      {"item_id": str(item_id), "steps_shown": len(rows)}, correlation_id)
    return [dict(r) for r in rows]


def _verify(logs: dict[str, list[Record]], dead_letters: dict[str, list[DeadLetter]],
            keys: dict[str, Ed25519PublicKey], until: datetime | None) -> tuple[AuditResult, list[FileRef]]:
    return run_audit(logs, keys, until=until, dead_letters=dead_letters), file_refs(logs)


def _render(result: AuditResult, location: str | None, ran_at: datetime) -> tuple[dict[str, Any], str, bytes]:
    report = as_json(result)
    if location:
        report["location"] = {"code": location, "items": result.ledger.location_contents(location)}
    return report, as_html(result), as_pdf(result, location=report.get("location"), generated_at=ran_at)


async def run_report(pool: asyncpg.Pool, principal: Principal, bootstrap: str, keys_dir: Path,
                     until: datetime | None, location: str | None,
                     correlation_id: uuid.UUID | None, stores: Mapping[str, FileStore] | None = None
                     ) -> dict[str, Any]:
    """A full replay of the log, kept as a past report; its hash is recorded with who asked for it. With
    `stores` (each service's file store), every file an event names is checked in its store."""
    ran_at = datetime.now(UTC)
    keys = {s: load_public_key((keys_dir / f"{s}.pub.pem").read_bytes()) for s in STREAMS
            if (keys_dir / f"{s}.pub.pem").exists()}
    logs = {stream: await read_stream(bootstrap, event_topic(stream)) for stream in STREAMS}
    dead_letters = await read_dead_letters(bootstrap)
    # Seconds of CPU: in a worker thread, so that the event loop keeps answering (health checks,
    # timelines) between the interpreter's thread switches instead of stalling until it is done.
    result, refs = await asyncio.to_thread(_verify, logs, dead_letters, keys, until)
    del logs
    if stores is not None:
        result.findings += await attachment_findings(refs, stores)
    report, report_html, report_pdf = await asyncio.to_thread(_render, result, location, ran_at)
    report_json = orjson.dumps(report, option=orjson.OPT_SORT_KEYS, default=str)
    digest = hashlib.sha256(report_json).hexdigest()
    events_replayed = sum(s.events for s in result.streams.values())
    stored = store.StoredReport(
        report_id=uuid.uuid4(), ran_at=ran_at, finished_at=datetime.now(UTC), actor_id=principal.actor.user_id,
        actor_role=principal.actor.role, until_at=until, location_code=location, clean=result.clean,
        finding_count=len(result.findings), findings_by_kind=dict(Counter(f.kind for f in result.findings)),
        events_replayed=events_replayed, report_sha256=digest, report_json=report_json.decode(),
        report_html=report_html, report_pdf=report_pdf,
    )
    async with pool.acquire() as conn, conn.transaction():
        await store.insert_report(conn, stored)
        await _record(conn, principal, "audit.report_exported", f"report/{digest}", {
            "report_sha256": digest, "clean": result.clean, "findings": len(result.findings),
            "events_replayed": events_replayed, "until": until.isoformat() if until else None,
        }, correlation_id)
    report["report_sha256"] = digest
    report["id"] = str(stored.report_id)
    return report


async def list_reports(pool: asyncpg.Pool, principal: Principal, after: uuid.UUID | None, limit: int,
                       correlation_id: uuid.UUID | None) -> list[dict[str, Any]]:
    async with pool.acquire() as conn, conn.transaction():
        rows = await store.list_reports(conn, after, limit)
        await _record(conn, principal, "audit.reports_listed", "reports", {
            "after": str(after) if after else None, "reports_shown": len(rows)}, correlation_id)
    return [store.summary(r) for r in rows]


async def read_report(pool: asyncpg.Pool, principal: Principal, report_id: uuid.UUID, rendering: str,
                      correlation_id: uuid.UUID | None) -> tuple[dict[str, Any], Any]:
    """A past report's summary and one rendering (json | html | pdf), exactly as it was issued."""
    async with pool.acquire() as conn, conn.transaction():
        row = await store.fetch_report(conn, report_id, f"report_{rendering}")
        if row is None:
            raise NotFound(f"no audit report {report_id}", details={"report_id": str(report_id)})
        await _record(conn, principal, "audit.report_viewed", f"report/{report_id}", {
            "report_id": str(report_id), "format": rendering, "report_sha256": row["report_sha256"]},
            correlation_id)
    return store.summary(row), row["body"]
