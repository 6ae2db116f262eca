"""Reconciliation: the state replayed from Kafka against each service's live read model.

The auditor reads the services' databases (read-only) only to compare; any difference is a
finding. A service whose outbox still holds unpublished events is compared anyway, but its
backlog is reported, since its database may legitimately be ahead of the log.
"""

from __future__ import annotations

from typing import Any

from tangvat_audit.findings import Finding
from tangvat_audit.ledger import Ledger
from tangvat_shared.db import connect


async def backlog(conn: Any) -> int:
    return int(await conn.fetchval(
        "SELECT (SELECT count(*) FROM outbox) + coalesce((SELECT sum(last_seq - published_seq) FROM stream_head), 0)"
    ))


async def reconcile_intake(dsn: str, ledger: Ledger) -> tuple[list[Finding], dict[str, Any]]:
    conn = await connect(dsn)
    try:
        pending = await backlog(conn)
        rows = await conn.fetch("SELECT item_id::text AS item_id, quantity, value_vnd, category FROM item")
    finally:
        await conn.close()
    findings = []
    live = {r["item_id"]: r for r in rows}
    for item_id, row in live.items():
        life = ledger.items.get(item_id)
        if life is None or not life.registered:
            findings.append(Finding("drift", "intake", f"item {item_id} is in intake's database but not in the log",
                                    subject=f"item/{item_id}"))
            continue
        for column in ("quantity", "value_vnd", "category"):
            if row[column] != getattr(life, column):
                findings.append(Finding("drift", "intake", f"item {item_id} {column}: database {row[column]!r}, "
                                        f"log {getattr(life, column)!r}", subject=f"item/{item_id}"))
    missing = [i for i, life in ledger.items.items() if life.registered and i not in live]
    for item_id in missing:
        findings.append(Finding("drift", "intake", f"item {item_id} is in the log but not in intake's database",
                                subject=f"item/{item_id}"))
    return findings, {"items_compared": len(live), "backlog": pending}


async def reconcile_custody(dsn: str, ledger: Ledger) -> tuple[list[Finding], dict[str, Any]]:
    conn = await connect(dsn)
    try:
        pending = await backlog(conn)
        rows = await conn.fetch("SELECT item_id::text AS item_id, state, on_hold, location_code FROM item")
    finally:
        await conn.close()
    findings = []
    for row in rows:
        life = ledger.items.get(row["item_id"])
        replayed = (life.status.state.value if life and life.status.state else None,
                    life.status.on_hold if life else None, life.location_code if life else None)
        stored = (row["state"], row["on_hold"], row["location_code"])
        if replayed != stored:
            findings.append(Finding("drift", "custody", f"item {row['item_id']}: database (state, hold, location) "
                                    f"{stored}, log {replayed}", subject=f"item/{row['item_id']}"))
    in_log = {i for i, life in ledger.items.items() if life.status.state is not None}
    for item_id in in_log - {r["item_id"] for r in rows}:
        findings.append(Finding("drift", "custody", f"item {item_id} is in custody's log but not its database",
                                subject=f"item/{item_id}"))
    return findings, {"items_compared": len(rows), "backlog": pending}
