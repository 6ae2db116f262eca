"""The auditor service's queries; each one records that it was made, in the same transaction."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from tangvat_audit.audit import run_audit
from tangvat_audit.log_reader import STREAMS, read_stream
from tangvat_audit.report import as_json
from tangvat_shared.auth import Principal
from tangvat_shared.kafka import event_topic
from tangvat_shared.keys import load_public_key
from tangvat_shared.outbox import emit

SERVICE = "audit"


async def _record(conn: asyncpg.Connection, principal: Principal, event_type: str, subject: str,
                  data: dict[str, Any], correlation_id: uuid.UUID | None) -> None:
    await emit(conn, source=SERVICE, actor=principal.actor, events=[(event_type, subject, data)],
               now=datetime.now(UTC), correlation_id=correlation_id)


async def item_timeline(pool: asyncpg.Pool, principal: Principal, item_id: uuid.UUID,
                        correlation_id: uuid.UUID | None) -> list[dict[str, Any]]:
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            """SELECT event_id, stream, sequence, event_type, occurred_at, actor_id, actor_role, data FROM item_step
                WHERE item_id = $1 ORDER BY occurred_at, stream, sequence""", item_id)
        await _record(conn, principal, "audit.item_timeline_viewed", f"item/{item_id}",
                      {"item_id": str(item_id), "steps_shown": len(rows)}, correlation_id)
    return [dict(r) for r in rows]


async def run_report(pool: asyncpg.Pool, principal: Principal, bootstrap: str, keys_dir: Path,
                     until: datetime | None, location: str | None,
                     correlation_id: uuid.UUID | None) -> dict[str, Any]:
    """A full replay of the log; the report's hash is recorded with who asked for it."""
    keys = {s: load_public_key((keys_dir / f"{s}.pub.pem").read_bytes()) for s in STREAMS
            if (keys_dir / f"{s}.pub.pem").exists()}
    logs = {stream: await read_stream(bootstrap, event_topic(stream)) for stream in STREAMS}
    result = run_audit(logs, keys, until=until)
    report = as_json(result)
    if location:
        report["location"] = {"code": location, "items": result.ledger.location_contents(location)}
    digest = hashlib.sha256(orjson.dumps(report, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()
    async with pool.acquire() as conn, conn.transaction():
        await _record(conn, principal, "audit.report_exported", f"report/{digest}", {
            "report_sha256": digest, "clean": result.clean, "findings": len(result.findings),
            "events_replayed": sum(s.events for s in result.streams.values()),
            "until": until.isoformat() if until else None,
        }, correlation_id)
    report["report_sha256"] = digest
    return report
