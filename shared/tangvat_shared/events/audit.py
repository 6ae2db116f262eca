"""Events published by the auditor's service (stream `audit`): every read and export, recorded."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tangvat_shared.types import Sha256Hex


class EventData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ItemTimelineViewed(EventData):
    item_id: uuid.UUID
    steps_shown: int


class AuditReportExported(EventData):
    report_sha256: Sha256Hex
    clean: bool
    findings: int
    events_replayed: int
    until: str | None


class AuditReportsListed(EventData):
    after: uuid.UUID | None
    reports_shown: int


class AuditReportViewed(EventData):
    report_id: uuid.UUID
    format: Literal["json", "html", "pdf"]
    report_sha256: Sha256Hex


AUDIT_EVENTS: dict[str, type[EventData]] = {
    "audit.item_timeline_viewed": ItemTimelineViewed,
    "audit.report_exported": AuditReportExported,
    "audit.reports_listed": AuditReportsListed,
    "audit.report_viewed": AuditReportViewed,
}
