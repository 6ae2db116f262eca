"""HTTP routes of the photos taken at receipt: upload one (multipart, field `photo`), list an item's, read one."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from tangvat_custody.api_deps import CustodyReader, IdempotencyKey, WarehouseStaff
from tangvat_custody.api_deps import custody_of as _custody
from tangvat_custody.domain_photos import MAX_PHOTO_BYTES, MEDIA_TYPES
from tangvat_custody.schemas import CommandOut, PhotoOut
from tangvat_custody.service import photos
from tangvat_shared.errors import RuleViolation, TooLarge, UnsupportedMedia
from tangvat_shared.http import answer, command_context

# The multipart envelope around one photo: boundaries, the part's headers.
ENVELOPE_BYTES = 64 * 1024

router = APIRouter()

UPLOAD_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["photo"],
    "properties": {"photo": {"type": "string", "format": "binary",
                             "description": f"one JPEG, PNG or WebP image (by its bytes), at most {MAX_PHOTO_BYTES} "
                                            "bytes"}}}}}}}


async def _bounded_body(request: Request, limit: int) -> bytes:
    """The request's body, refused with 413 as soon as it passes `limit` (never held whole in memory first)."""
    declared = request.headers.get("content-length", "")
    too_large = TooLarge(f"the upload is over {limit} bytes", code="photo_too_large",
                         details={"max_bytes": MAX_PHOTO_BYTES})
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    request._body = b"".join(chunks)  # what `command_context` hashes and `form()` parses
    return request._body


async def _photo_part(request: Request) -> bytes:
    await _bounded_body(request, MAX_PHOTO_BYTES + ENVELOPE_BYTES)
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise UnsupportedMedia("send the photo as multipart/form-data, in a field named photo", code="photo_type",
                               details={"accepted": list(MEDIA_TYPES)})
    try:
        form = await request.form(max_files=1, max_fields=2)
    except (MultiPartException, ValueError, KeyError):  # a torn or malformed body: the client's, said in words
        raise RuleViolation("the upload is not a readable multipart form", code="photo_missing",
                            details=[{"loc": ["body", "photo"]}]) from None
    part = form.get("photo")
    if not isinstance(part, UploadFile):
        raise RuleViolation("no photo in the upload: send the image in a field named photo", code="photo_missing",
                            details=[{"loc": ["body", "photo"]}])
    return await part.read()


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
