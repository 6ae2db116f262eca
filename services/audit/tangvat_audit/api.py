"""HTTP routes of the auditor service: read-only, auditor role, every read recorded."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from tangvat_audit import service
from tangvat_audit.schemas import ReportDetail, ReportPage
from tangvat_shared.auth import Principal, Role, Verifier
from tangvat_shared.errors import Forbidden
from tangvat_shared.files import FILE_SERVICES, FileStore, LocalFileStore
from tangvat_shared.http import correlation_id_of, create_database_app, require_roles
from tangvat_shared.openapi import Links, add_links, link
from tangvat_shared.types import Code, Instant

Auditor = Annotated[Principal, Depends(require_roles(Role.AUDITOR))]


def _of_every_unit(principal: Auditor) -> Principal:
    """A replay reads the whole log and a report lists every unit's findings: an auditor of every unit only (the
    same answer whatever exists, so it says nothing of where anything is)."""
    if not principal.of_every_unit:
        raise Forbidden("whole-log audits are for auditors of every unit", code="unit_scope")
    return principal


EveryUnitAuditor = Annotated[Principal, Depends(_of_every_unit)]
router = APIRouter()


class Step(BaseModel):
    event_id: uuid.UUID
    stream: str
    sequence: int | None
    event_type: str
    occurred_at: datetime
    actor_id: str
    actor_role: str
    data: dict[str, Any]


@router.get("/items/{item_id}/timeline", response_model=list[Step],
            summary="Every step of an item across intake, custody and disposal (this read is recorded)")
async def item_timeline(request: Request, principal: Auditor, item_id: uuid.UUID) -> list[dict[str, Any]]:
    return await service.item_timeline(request.app.state.pool, principal, item_id, correlation_id_of(request))


@router.post("/audits", summary="Replay and verify the whole log now (or as of `until`); the report is kept and "
                          "its export recorded")
async def run_audit(
    request: Request,
    principal: EveryUnitAuditor,
    until: Annotated[Instant | None, Query()] = None,
    location: Annotated[Code | None, Query(description="also list what this location held")] = None,
) -> dict[str, Any]:
    state = request.app.state
    return await service.run_report(state.pool, principal, state.bootstrap, state.keys_dir, until, location,
                                    correlation_id_of(request), state.file_stores)


@router.get("/audits", response_model=ReportPage, summary="Past audit reports, newest first (this read is recorded)")
async def list_audits(
    request: Request,
    principal: EveryUnitAuditor,
    after: Annotated[uuid.UUID | None, Query(description="the last report of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    reports = await service.list_reports(request.app.state.pool, principal, after, limit, correlation_id_of(request))
    return {"reports": reports, "next_after": reports[-1]["id"] if len(reports) == limit else None}


@router.get("/audits/{report_id}", response_model=ReportDetail,
            summary="One past audit report as JSON, exactly as issued (this read is recorded)")
async def get_audit(request: Request, principal: EveryUnitAuditor, report_id: uuid.UUID) -> dict[str, Any]:
    summary, body = await service.read_report(request.app.state.pool, principal, report_id, "json",
                                              correlation_id_of(request))
    return {**summary, "report": orjson.loads(body),
            "links": {"html": f"/audits/{report_id}/report.html", "pdf": f"/audits/{report_id}/report.pdf"}}


@router.get("/audits/{report_id}/report.html", response_class=HTMLResponse,
            summary="One past audit report as a standalone HTML page (this export is recorded)")
async def get_audit_html(request: Request, principal: EveryUnitAuditor, report_id: uuid.UUID) -> HTMLResponse:
    _, body = await service.read_report(request.app.state.pool, principal, report_id, "html",
                                        correlation_id_of(request))
    return HTMLResponse(body)


@router.get("/audits/{report_id}/report.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "the report as PDF"}},
            summary="One past audit report as PDF (this export is recorded)")
async def get_audit_pdf(request: Request, principal: EveryUnitAuditor, report_id: uuid.UUID) -> Response:
    _, body = await service.read_report(request.app.state.pool, principal, report_id, "pdf",
                                        correlation_id_of(request))
    return Response(bytes(body), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="tangvat-audit-{report_id}.pdf"'})


def _report_links(report_id: str) -> dict[str, dict[str, Any]]:
    return {f"Report{name}": link("get", f"/audits/{{report_id}}{tail}", report_id=report_id)
            for name, tail in [("Json", ""), ("Html", "/report.html"), ("Pdf", "/report.pdf")]}


LINKS: Links = {("post", "/audits", 200): _report_links("$response.body#/id"),
                ("get", "/audits", 200): _report_links("$response.body#/reports/0/id")}


def build_app(dsn: str, verifier: Verifier, bootstrap: str, keys_dir: Path,
              file_stores: Mapping[str, FileStore] | None = None) -> FastAPI:
    """`file_stores`: each service's file store, where the audit checks the files the events name (None: the
    services' default directories, .run/files/<service>)."""
    app = create_database_app(title="Tangvat auditor", token_verifier=verifier, dsn=dsn, pool_max_size=5)
    app.state.bootstrap = bootstrap
    app.state.keys_dir = keys_dir
    app.state.file_stores = dict(file_stores) if file_stores is not None else {
        s: LocalFileStore(Path(".run/files") / s) for s in FILE_SERVICES}
    app.include_router(router)
    add_links(app, LINKS)
    return app
