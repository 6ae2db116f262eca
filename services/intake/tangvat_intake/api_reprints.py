"""HTTP routes of item label reprints: record one (why, which format), list them, fetch the reprinted label."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse

from tangvat_intake import reprints
from tangvat_intake.schemas import LabelReprintIn, LabelReprintOut, LabelReprintRow
from tangvat_intake.service import Intake
from tangvat_shared.auth import Principal, Role
from tangvat_shared.history import HistoryEntry
from tangvat_shared.http import answer, command_context, require_roles
from tangvat_shared.label_print import render_pdf, render_zpl
from tangvat_shared.rendering import Renderer
from tangvat_shared.types import NonBlankLine

Reprinter = Annotated[Principal, Depends(require_roles(Role.INTAKE_OFFICER, Role.WAREHOUSE_STAFF))]
Reader = Annotated[Principal, Depends(require_roles(Role.INTAKE_OFFICER, Role.WAREHOUSE_STAFF, Role.AUDITOR))]
IdempotencyKey = Annotated[NonBlankLine | None, Header(alias="Idempotency-Key", max_length=200)]
NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown item, or one outside the caller's units (officer) or warehouses (staff)"}}

router = APIRouter()


def _intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


@router.post("/items/{item_id}/label-reprints", status_code=201, response_model=LabelReprintOut,
             summary="Record a reprint of the item's label (who, why, which format); then fetch its label",
             responses={**NOT_YOURS, 422: {"description": "bad input, or `other` without a note "
                                                          "(`reprint_note_required`)"}})
async def reprint_label(request: Request, principal: Reprinter, item_id: uuid.UUID, body: LabelReprintIn,
                        idempotency_key: IdempotencyKey = None) -> JSONResponse:
    ctx = await command_context(request, principal, idempotency_key)
    return answer(await reprints.reprint_label(_intake(request), ctx, item_id, body.reason, body.note, body.format))


@router.get("/items/{item_id}/label-reprints", response_model=list[LabelReprintRow], responses=NOT_YOURS)
async def list_reprints(request: Request, principal: Reader, item_id: uuid.UUID) -> Any:
    return await reprints.reprints(_intake(request), principal, item_id)


@router.get("/items/{item_id}/label-reprints/{reprint_id}/label", response_class=Response, responses={
    200: {"content": {"application/pdf": {}, "application/zpl": {}}}, **NOT_YOURS},
    summary="The reprinted label in its recorded format, with the code, description, seizure and warehouse")
async def reprinted_label(request: Request, principal: Reprinter, item_id: uuid.UUID,
                          reprint_id: uuid.UUID) -> Response:
    label_format, title, label = await reprints.reprinted_label(_intake(request), principal, item_id, reprint_id)
    name = f"label-{label.heading}-{reprint_id.hex[:8]}"
    if label_format == "zpl":
        return Response(render_zpl([label]), media_type="application/zpl",
                        headers={"Content-Disposition": f'attachment; filename="{name}.zpl"'})
    renderer: Renderer = request.app.state.renderer
    pdf = await renderer.render(render_pdf, title, [label])
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


@router.get("/items/{item_id}/history", response_model=list[HistoryEntry], responses=NOT_YOURS,
            summary="The item's intake events (registration, corrections, label reprints)")
async def item_history(request: Request, principal: Reader, item_id: uuid.UUID) -> list[dict[str, Any]]:
    return await reprints.item_history(_intake(request), principal, item_id)
