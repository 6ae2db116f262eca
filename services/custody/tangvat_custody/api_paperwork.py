"""HTTP routes of custody's paperwork: a form as PDF (receipt minutes, warehouse receipt, transfer and handover
minutes, storage card), signing it on the tablet, its signed copies and a signed copy's PDF as kept."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from tangvat_custody.api_deps import CustodyReader, IdempotencyKey, WarehouseStaff
from tangvat_custody.api_deps import custody_of as _custody
from tangvat_custody.domain_paperwork import FormKind
from tangvat_custody.schemas import CommandOut
from tangvat_custody.service import paperwork
from tangvat_shared.forms.signing import SignaturesIn
from tangvat_shared.http import answer, command_context
from tangvat_shared.types import Code

router = APIRouter()
ReceiptWarehouse = Annotated[Code | None, Query(description="a receipt's forms: the warehouse the goods were "
                                                            "received in (one seizure may go to several)")]
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown subject, or kept outside the caller's warehouses (`unknown_form_subject`)"},
    409: {"description": "the form lists no item yet (`form_has_no_items`)"},
    422: {"description": "bad input, or a receipt's form without its warehouse (`warehouse_required`)"}}
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}, "description": "the PDF"}}


def _pdf(content: bytes, name: str, sha256: str | None = None) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{name}.pdf"', "X-Content-Type-Options": "nosniff"}
    if sha256:
        headers["ETag"] = f'"{sha256}"'
    return Response(content, media_type="application/pdf", headers=headers)


@router.get("/forms/{form}/{subject_id}/pdf", response_class=Response, responses={**PDF, **ERRORS},
            summary="A form as PDF, unsigned, from what custody knows now")
async def form_pdf(request: Request, principal: CustodyReader, form: FormKind, subject_id: uuid.UUID,
                   warehouse_id: ReceiptWarehouse = None) -> Response:
    content = await paperwork.form_pdf(_custody(request), principal, form, subject_id, warehouse_id)
    return _pdf(content, f"{form}-{subject_id}")


@router.post("/forms/{form}/{subject_id}/signatures", status_code=201, response_model=CommandOut,
             summary="Sign a form on the tablet: the signed PDF and the signatures kept, their SHA-256 recorded",
             responses={**ERRORS, 413: {"description": "a signature over 256 KB"},
                        415: {"description": "a signature that is not a PNG image"}})
async def sign_form(request: Request, principal: WarehouseStaff, form: FormKind, subject_id: uuid.UUID,
                    payload: SignaturesIn, warehouse_id: ReceiptWarehouse = None,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    ctx = await command_context(request, principal, idempotency_key)
    return answer(await paperwork.sign_form(_custody(request), ctx, form, subject_id, warehouse_id,
                                            payload.signatures))


@router.get("/forms/{form}/{subject_id}/signatures", summary="The signed copies of a form, newest first",
            responses={404: {"description": "unknown subject"}})
async def signed_forms(request: Request, principal: CustodyReader, form: FormKind, subject_id: uuid.UUID
                       ) -> list[dict[str, Any]]:
    return await paperwork.signed_forms(_custody(request), principal, form, subject_id)


@router.get("/signed-forms/{form_id}/pdf", response_class=Response,
            responses={**PDF, 404: {"description": "unknown signed form, or of another warehouse"},
                       409: {"description": "the kept file no longer matches its hash (`file_altered`)"}},
            summary="A signed form's PDF, byte for byte as signed (its SHA-256 is the event's)")
async def signed_form_pdf(request: Request, principal: CustodyReader, form_id: uuid.UUID) -> Response:
    content, sha256 = await paperwork.signed_form_pdf(_custody(request), principal, form_id)
    return _pdf(content, f"signed-{form_id}", sha256)
