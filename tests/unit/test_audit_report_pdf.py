"""The reports: the PDF (Vietnamese text, the verdict, a long list of findings cut with a pointer to the
JSON) and an item's timeline."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tangvat_audit.audit import AuditResult, StreamSummary
from tangvat_audit.findings import Finding
from tangvat_audit.ledger import Ledger
from tangvat_audit.report import item_timeline
from tangvat_audit.report_pdf import MAX_FINDINGS, as_pdf


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_long_list_of_findings_is_cut_and_points_to_the_json_report() -> None:
    findings = [Finding("gap", "intake", f"sequence {n} is missing", n) for n in range(1, MAX_FINDINGS + 43)]
    result = AuditResult({"intake": StreamSummary("intake", events=7)}, findings, Ledger())
    text = _text(as_pdf(result, location={"code": "KHO-BN-01.A-1", "items": ["item-1"]}))
    assert f"Verdict: {len(findings)} FINDING(S)" in text
    assert f"sequence {MAX_FINDINGS} is missing" in text and f"sequence {MAX_FINDINGS + 1} is missing" not in text
    assert "... and 42 more (see the JSON report)" in text
    assert "Location KHO-BN-01.A-1: 1 item(s) in storage" in text
    assert "no seizure registered" in text
    assert len(PdfReader(io.BytesIO(as_pdf(result))).pages) > 1  # pages break instead of running off the sheet


def test_an_items_timeline_lists_its_steps_as_replayed() -> None:
    ledger = Ledger()
    ledger.apply_stream("intake", [{"id": "e1", "source": "intake", "type": "intake.item_registered", "sequence": 1,
                                    "time": "2026-11-25T08:00:00+00:00", "actorid": "officer-1", "subject": "item/i1",
                                    "data": {"item_id": "i1", "seizure_id": "s1", "category": "smuggled",
                                             "quantity": 1, "value_vnd": 5, "warehouse_id": "KHO-1"}}])
    result = AuditResult({"intake": StreamSummary("intake", events=1)}, [], ledger)
    timeline = item_timeline(result, "i1")
    assert timeline["item"] == "i1" and timeline["state"] == "registered_not_in_custody"
    assert timeline["steps"] == [{"time": "2026-11-25T08:00:00+00:00", "stream": "intake", "sequence": 1,
                                  "type": "intake.item_registered", "actor": "officer-1", "event_id": "e1",
                                  "location_code": None}]
    assert item_timeline(result, "unknown") == {"item": "unknown", "state": None, "steps": []}
