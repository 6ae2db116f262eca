"""HTTP routes of an execution's evidence files: upload one for a batch (then name it in the execution by its
SHA-256), list the batch's, read one back checked against its hash."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from tangvat_disposal.service import Disposal
from tangvat_disposal.service import evidence as files
from tangvat_shared.auth import Principal, Role
from tangvat_shared.http import require_roles
from tangvat_shared.uploads import ACCEPTED, upload_body, uploaded_file

BoardMember = Annotated[Principal, Depends(require_roles(Role.BOARD_MEMBER))]
Reader = Annotated[Principal, Depends(require_roles(Role.BOARD_MEMBER, Role.AUDITOR))]
Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="the file's SHA-256 (hex)")]

router = APIRouter()


def _disposal(request: Request) -> Disposal:
    disposal: Disposal = request.app.state.disposal
    return disposal


@router.post("/batches/{batch_id}/evidence", status_code=201, openapi_extra=upload_body(name={"type": "string"}),
             summary="Keep an evidence file (photo, scan) that the batch's execution will name by its SHA-256",
             responses={404: {"description": "unknown batch, or another unit's"}, 413: {"description": "too large"},
                        415: {"description": "not a JPEG, PNG, WebP or PDF by its bytes"},
                        422: {"description": "no file, or an empty one"}})
async def upload(request: Request, principal: BoardMember, batch_id: uuid.UUID) -> dict[str, Any]:
    disposal = _disposal(request)
    await files.listed(disposal, principal, batch_id)  # whose batch it is before what was sent
    return await files.upload(disposal, principal, batch_id, await uploaded_file(request, fields=("name",)))


@router.get("/batches/{batch_id}/evidence", summary="The batch's evidence files")
async def listed(request: Request, principal: Reader, batch_id: uuid.UUID) -> list[dict[str, Any]]:
    return await files.listed(_disposal(request), principal, batch_id)


@router.get("/batches/{batch_id}/evidence/{sha256}", response_class=Response,
            responses={200: {"content": {t: {} for t in ACCEPTED}, "description": "the file, checked by its hash"},
                       404: {"description": "unknown batch or file, or a file gone from the store"},
                       409: {"description": "the stored file does not match its hash (`file_altered`)"}})
async def evidence_file(request: Request, principal: Reader, batch_id: uuid.UUID, sha256: Sha256) -> Response:
    content, media_type = await files.content(_disposal(request), principal, batch_id, sha256)
    return Response(content, media_type=media_type,
                    headers={"X-Content-Type-Options": "nosniff", "ETag": f'"{sha256}"',
                             "Content-Security-Policy": "default-src 'none'; sandbox",
                             "Cache-Control": "private, max-age=86400, immutable"})
