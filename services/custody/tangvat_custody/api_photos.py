"""HTTP routes of the photos taken at receipt: upload one (multipart, field `photo`), list an item's, read one."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from tangvat_custody.api_deps import CustodyReader, IdempotencyKey, WarehouseStaff
from tangvat_custody.api_deps import custody_of as _custody
from tangvat_custody.domain_photos import MAX_PHOTO_BYTES, MEDIA_TYPES
from tangvat_custody.schemas import CommandOut, PhotoOut
from tangvat_custody.service import photos
from tangvat_shared.http import answer, command_context
from tangvat_shared.uploads import UploadCodes, uploaded_file

router = APIRouter()

UPLOAD_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["photo"],
    "properties": {"photo": {"type": "string", "format": "binary",
                             "description": f"one JPEG, PNG or WebP image (by its bytes), at most {MAX_PHOTO_BYTES} "
                                            "bytes"}}}}}}}


PHOTO_CODES = UploadCodes(too_large="photo_too_large", wrong_type="photo_type", missing="photo_missing")


async def _photo_part(request: Request) -> bytes:
    sent = await uploaded_file(request, field="photo", max_bytes=MAX_PHOTO_BYTES, codes=PHOTO_CODES,
                               accepted=tuple(MEDIA_TYPES), report_max_bytes=MAX_PHOTO_BYTES)
    return sent.content


@router.post("/items/{item_id}/photos", status_code=201, response_model=CommandOut, openapi_extra=UPLOAD_BODY,
             summary="Stage a photo taken at receipt (named by the receipt scan, its SHA-256 in the event)",
             responses={413: {"description": "over 5 MB"}, 415: {"description": "not a JPEG, PNG or WebP image"},
                        409: {"description": "the item is no longer awaiting receipt"},
                        404: {"description": "unknown item, or kept outside the caller's warehouses"},
                        422: {"description": "no photo, an empty one, or too many for the item"}})
async def add_photo(request: Request, principal: WarehouseStaff, item_id: uuid.UUID,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    # Whose item it is before what was sent: outside the caller's warehouses the answer is the unknown item's,
    # whatever the upload (the command checks again inside its transaction).
    await photos.item_photos(_custody(request), principal, item_id)
    content = await _photo_part(request)
    ctx = await command_context(request, principal, idempotency_key)
    result = await photos.add_photo(_custody(request), ctx, item_id, content)
    return answer(result)


@router.get("/items/{item_id}/photos", response_model=list[PhotoOut])
async def item_photos(request: Request, principal: CustodyReader, item_id: uuid.UUID) -> Any:
    return await photos.item_photos(_custody(request), principal, item_id)


@router.get("/photos/{photo_id}", response_class=Response,
            responses={200: {"content": {t: {} for t in MEDIA_TYPES}, "description": "the photo's bytes"},
                       404: {"description": "unknown photo, or of an item kept outside the caller's warehouses"}})
async def photo(request: Request, principal: CustodyReader, photo_id: uuid.UUID) -> Response:
    media_type, content, sha256 = await photos.photo_content(_custody(request), principal, photo_id)
    return Response(content, media_type=media_type,
                    headers={"X-Content-Type-Options": "nosniff", "ETag": f'"{sha256}"',
                             "Cache-Control": "private, max-age=86400, immutable"})
