"""Photos taken at receipt, as pure rules: what a file is (by its first bytes, never by what the client says),
how large it may be, how many an item may carry, and which staged photos a receipt may name."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tangvat_shared.errors import Conflict, NotFound, RuleViolation, TooLarge, UnsupportedMedia
from tangvat_shared.transitions import ItemState

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS_PER_ITEM = 10
MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp")


def media_type_of(content: bytes) -> str | None:
    """The image format the bytes begin with (JPEG, PNG or WebP), or None for anything else."""
    if content[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if content[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class Photo:
    """An accepted photo: its format (from its bytes), size and SHA-256 (hex), as the receipt event names it."""

    media_type: str
    size_bytes: int
    sha256: str


def accept_photo(content: bytes, *, max_bytes: int = MAX_PHOTO_BYTES) -> Photo:
    """A photo as uploaded: not empty, at most `max_bytes`, and a JPEG, PNG or WebP by its magic bytes."""
    if not content:
        raise RuleViolation("the photo is empty", code="photo_empty", details=[{"loc": ["body", "photo"]}])
    if len(content) > max_bytes:
        raise TooLarge(f"the photo is {len(content)} bytes; at most {max_bytes} are accepted", code="photo_too_large",
                       details={"max_bytes": max_bytes, "size_bytes": len(content)})
    media_type = media_type_of(content)
    if media_type is None:
        raise UnsupportedMedia("the file is not a JPEG, PNG or WebP image", code="photo_type",
                               details={"accepted": list(MEDIA_TYPES)})
    return Photo(media_type, len(content), hashlib.sha256(content).hexdigest())


def require_photographable(item: Mapping[str, Any], photos_so_far: int) -> None:
    """Photos are taken at receipt: of an item still awaiting it, at most MAX_PHOTOS_PER_ITEM of them."""
    if item["state"] != ItemState.AWAITING_RECEIPT.value:
        raise Conflict("photos are taken at receipt: this item is no longer awaiting receipt",
                       code="not_awaiting_receipt", details={"state": item["state"]})
    if photos_so_far >= MAX_PHOTOS_PER_ITEM:
        raise RuleViolation(f"an item takes at most {MAX_PHOTOS_PER_ITEM} photos at receipt",
                            code="too_many_photos", details={"max": MAX_PHOTOS_PER_ITEM})


def receipt_photos(item_id: uuid.UUID, wanted: Sequence[uuid.UUID], staged: Mapping[uuid.UUID, Mapping[str, Any]]
                   ) -> list[dict[str, Any]]:
    """The photos a receipt names, as its event carries them: each must be staged for this item and not yet
    named by a receipt; an unknown, another item's or an already used photo is refused naming it."""
    refs: list[dict[str, Any]] = []
    for index, photo_id in enumerate(wanted):
        row = staged.get(photo_id)
        if row is None or row["item_id"] != item_id or row["received_at"] is not None:
            raise NotFound(f"photo {photo_id} was not taken of this item at its receipt", code="unknown_photo",
                           details=[{"loc": ["body", "photo_ids", index], "photo_id": str(photo_id)}])
        refs.append({"photo_id": str(photo_id), "sha256": row["sha256"], "media_type": row["media_type"],
                     "size_bytes": row["size_bytes"]})
    return refs
