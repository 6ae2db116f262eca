"""HTTP routes of photos and documents at intake: upload a file before the registration that names it, add one to
a registered seizure or to one of its items, list them, read one (checked against its hash)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.responses import JSONResponse

from tangvat_intake import attachments
from tangvat_intake.service import Intake
from tangvat_shared.auth import Principal, Role
from tangvat_shared.http import answer, command_context, require_roles
from tangvat_shared.types import NonBlankLine
from tangvat_shared.uploads import ACCEPTED, upload_body, uploaded_file

IntakeOfficer = Annotated[Principal, Depends(require_roles(Role.INTAKE_OFFICER))]
IntakeReader = Annotated[Principal, Depends(require_roles(Role.INTAKE_OFFICER, Role.AUDITOR))]
IdempotencyKey = Annotated[NonBlankLine | None, Header(alias="Idempotency-Key", max_length=200)]
ItemReader = Annotated[Principal, Depends(require_roles(Role.INTAKE_OFFICER, Role.WAREHOUSE_STAFF, Role.AUDITOR))]
Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="the file's SHA-256 (hex)")]
REFUSED: dict[int | str, dict[str, Any]] = {
    413: {"description": "over 5 MB (a photo) or 20 MB (a PDF)"},
    415: {"description": "not a JPEG, PNG or WebP photo nor a PDF (by its bytes)"},
    422: {"description": "no file, or an empty one"}}
FILE_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {t: {} for t in ACCEPTED}, "description": "the file's bytes, checked against its hash"},
    404: {"description": "unknown, or a file this seizure/item does not name, or one gone from the store"},
    409: {"description": "the stored file does not match its hash (`file_altered`)"}}

router = APIRouter()


def _intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


def _file(content: bytes, media_type: str, sha256: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"X-Content-Type-Options": "nosniff", "ETag": f'"{sha256}"',
                             "Content-Security-Policy": "default-src 'none'; sandbox",
                             "Cache-Control": "private, max-age=86400, immutable"})


@router.post("/attachments", status_code=201, responses=REFUSED,
             openapi_extra=upload_body(seizing_unit={"type": "string", "description": "the unit registering it"}),
             summary="Keep a photo or document that a registration (POST /seizures) will name by its SHA-256")
async def upload(request: Request, principal: IntakeOfficer) -> dict[str, Any]:
    sent = await uploaded_file(request, fields=("seizing_unit",))
    return await attachments.upload(_intake(request), principal, sent.fields.get("seizing_unit"), sent.content)


@router.post("/seizures/{seizure_id}/attachments", status_code=201,
             responses={**REFUSED, 404: {"description": "unknown seizure (or outside the caller's units), or item"},
                        200: {"description": "the same file already added to it: nothing new recorded"}},
             openapi_extra=upload_body(name={"type": "string"}, item_id={"type": "string", "format": "uuid"}),
             summary="Add a photo or document to a seizure, or to one of its items (intake.attachment_added)")
async def add(request: Request, principal: IntakeOfficer, seizure_id: uuid.UUID,
              idempotency_key: IdempotencyKey = None) -> JSONResponse:
    intake = _intake(request)
    await attachments.visible(intake, principal, seizure_id)  # whose seizure it is before what was sent
    sent = await uploaded_file(request, fields=("name", "item_id"))
    ctx = await command_context(request, principal, idempotency_key)
    return answer(await attachments.add(intake, ctx, seizure_id, sent))


@router.get("/seizures/{seizure_id}/attachments", summary="A seizure's photos and documents")
async def seizure_attachments(request: Request, principal: IntakeReader, seizure_id: uuid.UUID
                              ) -> list[dict[str, Any]]:
    return await attachments.listed(_intake(request), principal, seizure_id)


@router.get("/seizures/{seizure_id}/attachments/{sha256}", response_class=Response, responses=FILE_ANSWER)
async def seizure_file(request: Request, principal: IntakeReader, seizure_id: uuid.UUID, sha256: Sha256
                       ) -> Response:
    content, media_type = await attachments.content(_intake(request), principal, seizure_id, sha256)
    return _file(content, media_type, sha256)


@router.get("/items/{item_id}/attachments", summary="An item's photos at intake (registered with it, added since)")
async def item_attachments(request: Request, principal: ItemReader, item_id: uuid.UUID) -> list[dict[str, Any]]:
    return await attachments.item_listed(_intake(request), principal, item_id)


@router.get("/items/{item_id}/attachments/{sha256}", response_class=Response, responses=FILE_ANSWER)
async def item_file(request: Request, principal: ItemReader, item_id: uuid.UUID, sha256: Sha256) -> Response:
    content, media_type = await attachments.item_content(_intake(request), principal, item_id, sha256)
    return _file(content, media_type, sha256)
