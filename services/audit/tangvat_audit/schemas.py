"""HTTP response models of the auditor service's past reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class Actor(BaseModel):
    user_id: str
    role: str


class ReportSummary(BaseModel):
    id: uuid.UUID
    ran_at: datetime
    finished_at: datetime
    ran_by: Actor
    until: datetime | None
    location: str | None
    clean: bool
    findings: int
    findings_by_kind: dict[str, int]
    events_replayed: int
    report_sha256: str


class ReportPage(BaseModel):
    reports: list[ReportSummary]
    next_after: uuid.UUID | None


class ReportLinks(BaseModel):
    html: str
    pdf: str


class ReportDetail(ReportSummary):
    report: dict[str, Any]
    links: ReportLinks
