"""Photos and documents of a seizure, as pure rules: which item an attachment may name, the event that records it,
and which of a seizure's files a reader may fetch (those its registration or its attachments name)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from tangvat_intake.domain import seizure_subject
from tangvat_shared.draft import Draft
from tangvat_shared.errors import NotFound

MAX_NAME = 200


def attachment_name(given: str | None, filename: str | None, media_type: str) -> str:
    """What the attachment is called: the name given, else the file's own, else one from its kind."""
    name = (given or filename or "").strip()
    if not name:
        name = "anh" if media_type.startswith("image/") else "tai-lieu"
    return name[:MAX_NAME]


def add_attachment(seizure: Mapping[str, Any], item: Mapping[str, Any] | None, sha256: str, name: str,
                   media_type: str, size_bytes: int) -> Draft:
    """The event of a file added to a seizure (or to one of its items: it must be this seizure's)."""
    if item is not None and item["seizure_id"] != seizure["seizure_id"]:
        raise NotFound(f"item {item['item_id']} is not an item of this seizure", code="unknown_item",
                       details=[{"loc": ["body", "item_id"]}])
    return Draft("intake.attachment_added", seizure_subject(seizure["seizure_id"]), {
        "seizure_id": str(seizure["seizure_id"]), "item_id": str(item["item_id"]) if item is not None else None,
        "sha256": sha256, "name": name, "media_type": media_type, "size_bytes": size_bytes})


def files_of(seizure: Mapping[str, Any], items_photos: Iterable[str], added: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every file a seizure names: its registration's documents, its items' photos, its later attachments."""
    named = {a["sha256"] for a in seizure.get("attachments") or []}
    named |= set(items_photos)
    named |= {a["sha256"] for a in added}
    return named


def registration_files(attachments: Iterable[str], items_photos: Iterable[Iterable[str]]
                       ) -> list[tuple[list[Any], str]]:
    """Where each file a registration names sits in the request (its `loc`), with its hash."""
    refs: list[tuple[list[Any], str]] = [(["body", "attachments", n, "sha256"], sha256)
                                         for n, sha256 in enumerate(attachments)]
    for n, photos in enumerate(items_photos):
        refs += [(["body", "items", n, "photos", p], sha256) for p, sha256 in enumerate(photos)]
    return refs


def item_id_of(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"item {value} not found", code="unknown_item", details=[{"loc": ["body", "item_id"]}]) from None
