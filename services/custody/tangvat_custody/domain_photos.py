"""Photos taken at receipt, as pure rules: what a file is (by its first bytes, never by what the client says),
how large it may be, how many an item may carry, and which staged photos a receipt may name."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from tangvat_shared.content import IMAGE_TYPES, PHOTO_MAX_BYTES, Accepted, accept, media_type_of
from tangvat_shared.errors import Conflict, NotFound, RuleViolation
from tangvat_shared.transitions import ItemState

MAX_PHOTO_BYTES = PHOTO_MAX_BYTES
MAX_PHOTOS_PER_ITEM = 10
MEDIA_TYPES = IMAGE_TYPES
Photo = Accepted  # an accepted photo: its format (from its bytes), size and SHA-256, as the receipt event names it

__all__ = ["MAX_PHOTOS_PER_ITEM", "MAX_PHOTO_BYTES", "MEDIA_TYPES", "Photo", "accept_photo", "media_type_of",
           "receipt_photos", "require_photographable"]


def accept_photo(content: bytes, *, max_bytes: int = MAX_PHOTO_BYTES) -> Accepted:
    """A photo as uploaded: not empty, at most `max_bytes`, and a JPEG, PNG or WebP by its magic bytes (the shared
    content rules, with the photo's codes)."""
    return accept(content, accepted=MEDIA_TYPES, max_bytes=max_bytes, code_prefix="photo", field="photo")


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
