"""The audit's report: machine-readable JSON, a terminal summary and a standalone HTML page."""

from __future__ import annotations

import html
from dataclasses import asdict
from typing import Any

from tangvat_audit.audit import AuditResult


def as_json(result: AuditResult) -> dict[str, Any]:
    return {
        "clean": result.clean,
        "until": result.until.isoformat() if result.until else None,
        "streams": {name: asdict(summary) for name, summary in result.streams.items()},
        "findings": [f.as_dict() for f in result.findings],
        "items_by_state": result.ledger.states(),
        "seizures": result.conservation,
        "reconciliation": result.reconciliation,
        "dead_letters": result.dead_letters,
    }


def as_text(result: AuditResult) -> str:
    lines = [f"Tangvat audit{' as of ' + result.until.isoformat() if result.until else ''}: "
             f"{'CLEAN' if result.clean else f'{len(result.findings)} FINDING(S)'}"]
    for s in result.streams.values():
        lines.append(f"  {s.stream:<9} events {s.events:>8}  last seq {s.last_sequence:>8}"
                     f"  duplicates {s.duplicates:>6}  checkpoints {s.checkpoints:>5}"
                     f" (through {s.checkpointed_through})")
    lines.append("  items by state: " + ", ".join(f"{k} {v}" for k, v in sorted(result.ledger.states().items())))
    for seizure_id, entry in result.conservation.items():
        lines.append(f"  seizure {seizure_id}: {entry['registered_items']} items, {entry['registered_value_vnd']:,} VND"
                     f" — {'balanced' if entry['balanced'] else 'NOT BALANCED'}")
    for name, stats in result.reconciliation.items():
        pending = stats["backlog"]
        note = f" (its outbox still held {pending} event(s))" if pending else ""
        lines.append(f"  reconciled with {name}'s database: {stats['items_compared']} items{note}")
    for consumer, counts in result.dead_letters.items():
        if counts["records"]:
            lines.append(f"  {consumer}'s dead letters: {counts['records']} record(s), {counts['events_of_the_log']} "
                         f"event(s) of the log its read model lacks, {counts['poison']} poison (no event of the log)")
    for f in result.findings[:200]:
        where = f"seq {f.sequence}" if f.sequence is not None else (f.subject or "")
        lines.append(f"  ! [{f.kind}] {f.stream} {where} {f.event_id or ''}: {f.detail}")
    if len(result.findings) > 200:
        lines.append(f"  ... and {len(result.findings) - 200} more (see the JSON report)")
    return "\n".join(lines)


def as_html(result: AuditResult) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(f.kind)}</td><td>{e(f.stream)}</td><td>{f.sequence if f.sequence is not None else ''}</td>"
        f"<td>{e(f.event_id or '')}</td><td>{e(f.subject or '')}</td><td>{e(f.detail)}</td></tr>"
        for f in result.findings
    )
    streams = "".join(
        f"<tr><td>{e(s.stream)}</td><td>{s.events}</td><td>{s.last_sequence}</td><td>{s.duplicates}</td>"
        f"<td>{s.checkpoints}</td><td>{s.checkpointed_through}</td></tr>" for s in result.streams.values()
    )
    def by_state(entry: dict[str, Any]) -> str:
        return ", ".join(f"{state}: {bucket['items']}" for state, bucket in sorted(entry["by_state"].items()))

    seizures = "".join(
        f"<tr><td>{e(sid)}</td><td>{c['registered_items']}</td><td>{c['registered_value_vnd']:,}</td>"
        f"<td>{e(by_state(c))}</td><td>{'yes' if c['balanced'] else 'NO'}</td></tr>"
        for sid, c in result.conservation.items()
    )
    verdict = "Clean: every chain verifies and every step has its cause." if result.clean else (
        f"{len(result.findings)} finding(s).")
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Tangvat audit</title>
<style>body{{font-family:sans-serif;margin:2em;color:#111}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #888;padding:.3em .6em;text-align:left}}.bad{{color:#a00}}.ok{{color:#060}}</style></head>
<body><h1>Tangvat audit</h1><p class="{'ok' if result.clean else 'bad'}"><strong>{e(verdict)}</strong></p>
<h2>Streams</h2><table><tr><th>stream</th><th>events</th><th>last sequence</th><th>duplicates on the wire</th>
<th>signed checkpoints</th><th>checkpointed through</th></tr>{streams}</table>
<h2>Seizures (conservation)</h2><table><tr><th>seizure</th><th>items</th><th>value (VND)</th><th>by state</th>
<th>balanced</th></tr>{seizures}</table>
<h2>Findings</h2><table><tr><th>kind</th><th>stream</th><th>sequence</th><th>event</th><th>subject</th>
<th>detail</th></tr>{rows}</table></body></html>"""


def item_timeline(result: AuditResult, item_id: str) -> dict[str, Any]:
    """One item's replayed state and steps, as `replay --item` prints it."""
    life = result.ledger.items.get(item_id)
    return {"item": item_id, "state": life.state if life else None,
            "steps": [asdict(step) for step in life.steps] if life else []}
