"""One uploaded file from a multipart/form-data request: the body bounded as it arrives (413 past the limit, never
held whole first), the file part and the form's other fields; the file's content rules are `content.accept`'s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from tangvat_shared.content import DOCUMENT_MAX_BYTES, DOCUMENT_TYPES, IMAGE_TYPES
from tangvat_shared.errors import RuleViolation, TooLarge, UnsupportedMedia

ENVELOPE_BYTES = 64 * 1024  # the multipart envelope around the file: boundaries, the parts' headers, small fields
ACCEPTED = IMAGE_TYPES + DOCUMENT_TYPES


@dataclass(frozen=True)
class Upload:
    content: bytes
    filename: str | None
    fields: dict[str, str]


def upload_body(field: str = "file", description: str = "a JPEG, PNG or WebP photo (5 MB) or a PDF (20 MB)",
                **more: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI request body of an upload route: the file in `field`, and `more` string fields."""
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": [field], "additionalProperties": False,
        "properties": {field: {"type": "string", "format": "binary", "description": description}, **more}}}}}}


@dataclass(frozen=True)
class UploadCodes:
    """The codes a route refuses an upload with (custody's receipt photos keep their own `photo_*` ones)."""

    too_large: str = "file_too_large"
    wrong_type: str = "file_type"
    missing: str = "file_missing_in_upload"


FILE_CODES = UploadCodes()


async def bounded_body(request: Request, limit: int, code: str = "file_too_large",
                       max_bytes: int | None = None) -> bytes:
    """The request's body, refused with 413 as soon as it passes `limit` (the answer names `max_bytes`, the file's
    own limit, when given)."""
    declared = request.headers.get("content-length", "")
    too_large = TooLarge(f"the upload is over {limit} bytes", code=code,
                         details={"max_bytes": limit if max_bytes is None else max_bytes})
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    request._body = b"".join(chunks)  # what the idempotency check hashes and `form()` parses
    return request._body


async def uploaded_file(request: Request, *, field: str = "file", max_bytes: int = DOCUMENT_MAX_BYTES,
                        fields: tuple[str, ...] = (), codes: UploadCodes = FILE_CODES,
                        accepted: tuple[str, ...] = ACCEPTED, report_max_bytes: int | None = None) -> Upload:
    """The file sent in `field` and the named text `fields` (absent ones left out)."""
    await bounded_body(request, max_bytes + ENVELOPE_BYTES, codes.too_large, report_max_bytes)
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise UnsupportedMedia(f"send the file as multipart/form-data, in a field named {field}",
                               code=codes.wrong_type, details={"accepted": list(accepted)})
    try:
        form = await request.form(max_files=1, max_fields=len(fields) + 2)
    except (MultiPartException, ValueError, KeyError):
        raise RuleViolation("the upload is not a readable multipart form", code=codes.missing,
                            details=[{"loc": ["body", field]}]) from None
    part = form.get(field)
    if not isinstance(part, UploadFile):
        raise RuleViolation(f"no file in the upload: send it in a field named {field}", code=codes.missing,
                            details=[{"loc": ["body", field]}])
    values = {name: value for name in fields if isinstance(value := form.get(name), str) and value.strip()}
    return Upload(await part.read(), part.filename, values)
