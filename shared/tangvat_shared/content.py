"""What an uploaded file is, as pure rules in one place: its media type by its first bytes (never by what the
client says), its size within the rule's limit, and its SHA-256, the name the file store and the events know it by."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from tangvat_shared.errors import RuleViolation, TooLarge, UnsupportedMedia

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
DOCUMENT_TYPES = ("application/pdf",)
PHOTO_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024


def media_type_of(content: bytes) -> str | None:
    """The format the bytes begin with (JPEG, PNG, WebP or PDF), or None for anything else."""
    if content[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if content[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content[:5] == b"%PDF-":
        return "application/pdf"
    return None


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def is_sha256(value: str) -> bool:
    """A SHA-256 as the store and the events spell it: 64 lower-case hex digits."""
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


@dataclass(frozen=True)
class Accepted:
    """A file the rule accepted: its format (from its bytes), size and SHA-256 (hex)."""

    media_type: str
    size_bytes: int
    sha256: str


def limit_of(media_type: str) -> int:
    """How large a file of this kind may be: a photo 5 MB, a document (a scanned decision, a PDF) 20 MB."""
    return PHOTO_MAX_BYTES if media_type.startswith("image/") else DOCUMENT_MAX_BYTES


def accept(content: bytes, *, accepted: Collection[str] = IMAGE_TYPES + DOCUMENT_TYPES, max_bytes: int | None = None,
           code_prefix: str = "file", field: str = "file") -> Accepted:
    """A file as uploaded: not empty, one of the `accepted` formats by its magic bytes, and at most `max_bytes`
    (unset: its kind's limit). Refusals carry `<code_prefix>_empty | _too_large | _type`."""
    if not content:
        raise RuleViolation(f"the {field} is empty", code=f"{code_prefix}_empty", details=[{"loc": ["body", field]}])
    media_type = media_type_of(content)
    limit = max_bytes if max_bytes is not None else limit_of(media_type or "")
    if len(content) > limit:
        raise TooLarge(f"the {field} is {len(content)} bytes; at most {limit} are accepted",
                       code=f"{code_prefix}_too_large", details={"max_bytes": limit, "size_bytes": len(content)})
    if media_type is None or media_type not in accepted:
        raise UnsupportedMedia(f"the {field} is not one of the accepted formats", code=f"{code_prefix}_type",
                               details={"accepted": list(accepted)})
    return Accepted(media_type, len(content), sha256_hex(content))
