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
from tangvat_shared.transitions import ON_SHELVES

_ON_SHELVES = {state.value for state in ON_SHELVES}


async def backlog(conn: Any) -> int:
    return int(await conn.fetchval(
        "SELECT (SELECT count(*) FROM outbox) + coalesce((SELECT sum(last_seq - published_seq) FROM stream_head), 0)"
    ))


def _registered_items(service: str, rows: list[Any], ledger: Ledger) -> list[Finding]:
    """A read model's copy of intake's items (quantity, value, category) against the registrations replayed."""
    findings = []
    live = {r["item_id"]: r for r in rows}
    for item_id, row in live.items():
        life = ledger.items.get(item_id)
        if life is None or not life.registered:
            findings.append(Finding("drift", service, f"item {item_id} is in {service}'s database but not in the "
                                    "log", subject=f"item/{item_id}"))
            continue
        for column in ("quantity", "value_vnd", "category"):
            if row[column] != getattr(life, column):
                findings.append(Finding("drift", service, f"item {item_id} {column}: {service}'s database "
                                        f"{row[column]!r}, log {getattr(life, column)!r}", subject=f"item/{item_id}"))
    missing = [i for i, life in ledger.items.items() if life.registered and i not in live]
    for item_id in missing:
        findings.append(Finding("drift", service, f"item {item_id} is in the log but not in {service}'s database",
                                subject=f"item/{item_id}"))
    return findings


async def reconcile_intake(dsn: str, ledger: Ledger) -> tuple[list[Finding], dict[str, Any]]:
    conn = await connect(dsn)
    try:
        pending = await backlog(conn)
        rows = await conn.fetch("SELECT item_id::text AS item_id, quantity, value_vnd, category FROM item")
        seizures = await conn.fetch("SELECT seizure_id::text AS seizure_id, item_count, total_value_vnd FROM seizure")
    finally:
        await conn.close()
    findings = _registered_items("intake", rows, ledger)
    for row in seizures:
        record = ledger.seizures.get(row["seizure_id"], {})
        stored = (row["item_count"], row["total_value_vnd"])
        replayed = (record.get("declared_items"), record.get("declared_value_vnd"))
        if stored != replayed:
            findings.append(Finding("drift", "intake", f"seizure {row['seizure_id']} (items, total VND): database "
                                    f"{stored}, log {replayed}", subject=f"seizure/{row['seizure_id']}"))
    return findings, {"items_compared": len(rows), "seizures_compared": len(seizures), "backlog": pending}


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
        if row["location_code"] is not None and row["state"] not in _ON_SHELVES:
            # The table's rule, checked on the database itself: only goods in storage or reserved lie on a shelf.
            findings.append(Finding("misplaced", "custody", f"item {row['item_id']}: custody's database puts it on "
                                    f"{row['location_code']} while it is {row['state'].replace('_', ' ')}, a state "
                                    "in which it lies on no shelf", subject=f"item/{row['item_id']}"))
    in_log = {i for i, life in ledger.items.items() if life.status.state is not None}
    for item_id in in_log - {r["item_id"] for r in rows}:
        findings.append(Finding("drift", "custody", f"item {item_id} is in custody's log but not its database",
                                subject=f"item/{item_id}"))
    return findings, {"items_compared": len(rows), "backlog": pending}


async def reconcile_disposal(dsn: str, ledger: Ledger) -> tuple[list[Finding], dict[str, Any]]:
    """Disposal's read model (its copy of intake's items, and custody's state and hold of each) and its
    own batches (status, declared count and value, members, what was executed) against the log."""
    conn = await connect(dsn)
    try:
        pending = await backlog(conn)
        items = await conn.fetch("SELECT item_id::text AS item_id, quantity, value_vnd, category FROM item")
        custody = await conn.fetch("SELECT item_id::text AS item_id, custody_state, on_hold FROM item_custody")
        batches = await conn.fetch("SELECT batch_id::text AS batch_id, status, item_count, total_value_vnd FROM batch")
        members = await conn.fetch("SELECT batch_id::text AS batch_id, item_id::text AS item_id, executed, "
                                   "reservation = 'dropped' AS dropped FROM batch_item")
    finally:
        await conn.close()
    findings = _registered_items("disposal", items, ledger)
    seen = set()
    for row in custody:
        seen.add(row["item_id"])
        life = ledger.items.get(row["item_id"])
        replayed = (life.status.state.value if life and life.status.state else None,
                    life.status.on_hold if life else False)
        stored = (row["custody_state"], row["on_hold"])
        if replayed != stored:
            findings.append(Finding("drift", "disposal", f"item {row['item_id']}: disposal's copy of custody's "
                                    f"(state, hold) {stored}, log {replayed}", subject=f"item/{row['item_id']}"))
    for item_id in {i for i, life in ledger.items.items() if life.status.state is not None} - seen:
        findings.append(Finding("drift", "disposal", f"item {item_id}: custody's state is in the log but not in "
                                "disposal's read model", subject=f"item/{item_id}"))
    by_batch: dict[str, dict[str, tuple[bool, bool]]] = {}
    for row in members:
        by_batch.setdefault(row["batch_id"], {})[row["item_id"]] = (row["executed"], row["dropped"])
    for row in batches:
        batch_id = row["batch_id"]
        batch = ledger.batches.get(batch_id)
        if batch is None or batch.status is None:
            findings.append(Finding("drift", "disposal", f"batch {batch_id} is in disposal's database but not in "
                                    "the log", subject=f"batch/{batch_id}"))
            continue
        kept = (row["status"], row["item_count"], row["total_value_vnd"])
        folded = (batch.status, batch.declared.get("item_count"), batch.declared.get("total_value_vnd"))
        if kept != folded:
            findings.append(Finding("drift", "disposal", f"batch {batch_id} (status, items, total VND): database "
                                    f"{kept}, log {folded}", subject=f"batch/{batch_id}"))
        listed = by_batch.get(batch_id, {})
        if set(listed) != batch.proposed:
            findings.append(Finding("drift", "disposal", f"batch {batch_id}: database lists {len(listed)} items, "
                                    f"its proposal {len(batch.proposed)} ({len(set(listed) ^ batch.proposed)} "
                                    "differ)", subject=f"batch/{batch_id}"))
        wrongly = sorted(i for i, flags in listed.items() if flags != (i in batch.executed, i in batch.dropped))
        if wrongly:
            findings.append(Finding("drift", "disposal", f"batch {batch_id}: {len(wrongly)} item(s) marked executed "
                                    f"or dropped otherwise than the log says, e.g. {wrongly[0]}",
                                    subject=f"batch/{batch_id}"))
    for batch_id in {b for b, batch in ledger.batches.items() if batch.status is not None} - {
            r["batch_id"] for r in batches}:
        findings.append(Finding("drift", "disposal", f"batch {batch_id} is in the log but not in disposal's "
                                "database", subject=f"batch/{batch_id}"))
    return findings, {"items_compared": len(items), "batches_compared": len(batches), "backlog": pending}
