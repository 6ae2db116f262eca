"""HTTP routes of the destruction minutes: the executed batch's minutes as PDF, signing them on the tablet (the
board's chair, the executing team, the witnesses), the signed copies and a signed copy's PDF as kept."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse

from tangvat_disposal.service import Disposal, paperwork
from tangvat_shared.auth import Principal, Role
from tangvat_shared.forms.signing import SignaturesIn
from tangvat_shared.http import answer, command_context, require_roles
from tangvat_shared.types import NonBlankLine

router = APIRouter()
Reader = Annotated[Principal, Depends(require_roles(Role.BOARD_MEMBER, Role.AUDITOR))]
BoardMember = Annotated[Principal, Depends(require_roles(Role.BOARD_MEMBER))]
IdempotencyKey = Annotated[NonBlankLine | None, Header(alias="Idempotency-Key", max_length=200)]
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown batch, or another unit's (`unknown_batch`)"},
    409: {"description": "not an executed destruction (`not_an_executed_destruction`)"},
    422: {"description": "bad input, or a signature the form refuses"}}
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}, "description": "the PDF"}}


def _disposal(request: Request) -> Disposal:
    disposal: Disposal = request.app.state.disposal
    return disposal


def _pdf(content: bytes, name: str) -> Response:
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}.pdf"', "X-Content-Type-Options": "nosniff"})


@router.get("/batches/{batch_id}/forms/destruction-minutes/pdf", response_class=Response, responses={**PDF, **ERRORS},
            summary="Biên bản tiêu hủy (destruction minutes) to sign, from the execution record")
async def minutes_pdf(request: Request, principal: Reader, batch_id: uuid.UUID) -> Response:
    return _pdf(await paperwork.minutes_pdf(_disposal(request), principal, batch_id), f"bien-ban-tieu-huy-{batch_id}")


@router.post("/batches/{batch_id}/forms/destruction-minutes/signatures", status_code=201,
             summary="Sign the destruction minutes on the tablet: the signed PDF kept, its SHA-256 recorded",
             responses={**ERRORS, 413: {"description": "a signature over 256 KB"},
                        415: {"description": "a signature that is not a PNG image"}})
async def sign_minutes(request: Request, principal: BoardMember, batch_id: uuid.UUID, payload: SignaturesIn,
                       idempotency_key: IdempotencyKey = None) -> JSONResponse:
    ctx = await command_context(request, principal, idempotency_key)
    return answer(await paperwork.sign_minutes(_disposal(request), ctx, batch_id, payload.signatures))


@router.get("/batches/{batch_id}/forms/destruction-minutes/signatures", responses=ERRORS,
            summary="The signed copies of a batch's destruction minutes, newest first")
async def signed_minutes(request: Request, principal: Reader, batch_id: uuid.UUID) -> list[dict[str, Any]]:
    return await paperwork.signed_minutes(_disposal(request), principal, batch_id)


@router.get("/signed-forms/{form_id}/pdf", response_class=Response,
            responses={**PDF, 404: {"description": "unknown signed form, or another unit's"},
                       409: {"description": "the kept file no longer matches its hash (`file_altered`)"}},
            summary="Signed destruction minutes, byte for byte as signed (its SHA-256 is the event's)")
async def signed_form_pdf(request: Request, principal: Reader, form_id: uuid.UUID) -> Response:
    content, sha256 = await paperwork.signed_form_pdf(_disposal(request), principal, form_id)
    response = _pdf(content, f"signed-{form_id}")
    response.headers["ETag"] = f'"{sha256}"'
    return response
