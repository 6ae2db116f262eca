"""The PDF report: Vietnamese text, the verdict, and a long list of findings cut with a pointer to the JSON."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tangvat_audit.audit import AuditResult, StreamSummary
from tangvat_audit.findings import Finding
from tangvat_audit.ledger import Ledger
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
