"""SQL of the auditor service: past audit reports (the item timeline's SQL lives with its query)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

SUMMARY_COLUMNS = """report_id, ran_at, finished_at, actor_id, actor_role, until_at, location_code, clean,
                     finding_count, findings_by_kind, events_replayed, report_sha256"""


@dataclass(frozen=True)
class StoredReport:
    report_id: uuid.UUID
    ran_at: datetime
    finished_at: datetime
    actor_id: str
    actor_role: str
    until_at: datetime | None
    location_code: str | None
    clean: bool
    finding_count: int
    findings_by_kind: dict[str, int]
    events_replayed: int
    report_sha256: str
    report_json: str
    report_html: str
    report_pdf: bytes


async def insert_report(conn: asyncpg.Connection, report: StoredReport) -> None:
    await conn.execute(
        """INSERT INTO audit_report (report_id, ran_at, finished_at, actor_id, actor_role, until_at, location_code,
                                     clean, finding_count, findings_by_kind, events_replayed, report_sha256,
                                     report_json, report_html, report_pdf)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""",
        report.report_id, report.ran_at, report.finished_at, report.actor_id, report.actor_role, report.until_at,
        report.location_code, report.clean, report.finding_count, report.findings_by_kind, report.events_replayed,
        report.report_sha256, report.report_json, report.report_html, report.report_pdf,
    )


async def list_reports(conn: asyncpg.Connection, after: uuid.UUID | None, limit: int) -> list[asyncpg.Record]:
    """Newest first; `after` is the last report of the previous page (keyset, stable under inserts)."""
    if after is None:
        return await conn.fetch(
            f"SELECT {SUMMARY_COLUMNS} FROM audit_report ORDER BY ran_at DESC, report_id DESC LIMIT $1", limit)
    return await conn.fetch(
        f"""SELECT {SUMMARY_COLUMNS} FROM audit_report
             WHERE (ran_at, report_id) < (SELECT ran_at, report_id FROM audit_report WHERE report_id = $1)
             ORDER BY ran_at DESC, report_id DESC LIMIT $2""", after, limit)


async def fetch_report(conn: asyncpg.Connection, report_id: uuid.UUID, rendering: str) -> asyncpg.Record | None:
    """The summary and one rendering of a report: `report_json`, `report_html` or `report_pdf`."""
    if rendering not in ("report_json", "report_html", "report_pdf"):
        raise ValueError(rendering)
    return await conn.fetchrow(f"SELECT {SUMMARY_COLUMNS}, {rendering} AS body FROM audit_report "
                               "WHERE report_id = $1", report_id)


def summary(row: Any) -> dict[str, Any]:
    """A stored report's summary as the API shows it."""
    return {
        "id": row["report_id"],
        "ran_at": row["ran_at"],
        "finished_at": row["finished_at"],
        "ran_by": {"user_id": row["actor_id"], "role": row["actor_role"]},
        "until": row["until_at"],
        "location": row["location_code"],
        "clean": row["clean"],
        "findings": row["finding_count"],
        "findings_by_kind": row["findings_by_kind"],
        "events_replayed": row["events_replayed"],
        "report_sha256": row["report_sha256"],
    }
