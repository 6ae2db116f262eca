"""The audit's report as PDF (báo cáo kiểm toán): verdict, streams, seizure balances, findings."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from tangvat_audit.audit import AuditResult
from tangvat_shared.pdf import PageCursor, vnd

MARGIN = 16 * mm
LINE = 4.6 * mm
MAX_FINDINGS = 500  # a tampered log can name tens of thousands; the JSON report has them all


class _Page(PageCursor):
    """The report's lines: wrapped to the width, 8.5 pt unless said, spaced in proportion to their size."""

    def __init__(self, pdf: canvas.Canvas) -> None:
        super().__init__(pdf, margin=MARGIN)

    def line(self, text: str, *, bold: bool = False, size: float = 8.5, indent: float = 0) -> None:
        self.wrapped(text, step=LINE * size / 8.5, bold=bold, size=size, x=MARGIN + indent)

    def gap(self) -> None:
        self.skip(LINE / 2)


def as_pdf(result: AuditResult, *, location: Mapping[str, Any] | None = None,
           generated_at: datetime | None = None) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)
    pdf.setTitle("Tangvat audit report")
    pdf.setAuthor("Tangvat auditor")
    page = _Page(pdf)
    page.line("BÁO CÁO KIỂM TOÁN TANG VẬT — Tangvat audit report", bold=True, size=13)
    when = (generated_at or datetime.now(UTC)).isoformat(timespec="seconds")
    page.line(f"Replayed at {when}" + (f", state as of {result.until.isoformat()}" if result.until else ""))
    page.gap()
    if result.clean:
        page.line("Verdict: CLEAN — every chain verifies and every step has its cause.", bold=True, size=11)
    else:
        page.line(f"Verdict: {len(result.findings)} FINDING(S)", bold=True, size=11)
    page.gap()
    page.line("Streams", bold=True, size=10)
    for s in result.streams.values():
        page.line(f"{s.stream}: {s.events} events, last sequence {s.last_sequence}, {s.duplicates} duplicates on "
                  f"the wire, {s.checkpoints} signed checkpoints (through {s.checkpointed_through})", indent=4 * mm)
    states = result.ledger.states()
    page.line("Items by state: " + (", ".join(f"{k} {v}" for k, v in sorted(states.items())) or "none"))
    page.gap()
    page.line("Seizures (conservation)", bold=True, size=10)
    for seizure_id, entry in result.conservation.items():
        by_state = ", ".join(f"{state} {bucket['items']}" for state, bucket in sorted(entry["by_state"].items()))
        page.line(f"seizure {seizure_id}: {entry['registered_items']} items, {vnd(entry['registered_value_vnd'])}"
                  f" — {'balanced' if entry['balanced'] else 'NOT BALANCED'} ({by_state})", indent=4 * mm)
    if not result.conservation:
        page.line("no seizure registered", indent=4 * mm)
    if location is not None:
        page.gap()
        items = list(location.get("items") or [])
        page.line(f"Location {location.get('code')}: {len(items)} item(s) in storage", bold=True, size=10)
        for item_id in items[:MAX_FINDINGS]:
            page.line(str(item_id), indent=4 * mm)
    page.gap()
    page.line("Findings", bold=True, size=10)
    for f in result.findings[:MAX_FINDINGS]:
        where = f"seq {f.sequence}" if f.sequence is not None else (f.subject or "")
        page.line(f"[{f.kind}] {f.stream} {where} {f.event_id or ''}: {f.detail}", indent=4 * mm)
    if not result.findings:
        page.line("none", indent=4 * mm)
    elif len(result.findings) > MAX_FINDINGS:
        page.line(f"... and {len(result.findings) - MAX_FINDINGS} more (see the JSON report)", indent=4 * mm)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
