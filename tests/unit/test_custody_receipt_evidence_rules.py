"""Receipt evidence as pure rules: a photo is what its bytes say, within its size, of an item awaiting receipt;
a receipt names only photos staged for its item, once; the deliverer and the photos' hashes go into the event."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tangvat_custody import domain
from tangvat_custody import domain_photos as photos
from tangvat_shared.errors import Conflict, NotFound, RuleViolation, TooLarge, UnsupportedMedia
from tangvat_shared.events.custody import ItemReceived

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
BIN = {"location_code": "KHO-1.A-1-1", "warehouse_id": "KHO-1", "kind": "bin"}
JPEG, PNG, WEBP = b"\xff\xd8\xff\xe1rest", b"\x89PNG\r\n\x1a\nrest", b"RIFF\x00\x00\x00\x00WEBPVP8 "


def _item(**fields: Any) -> dict[str, Any]:
    return {"item_id": uuid.uuid4(), "state": "awaiting_receipt", "on_hold": False, "warehouse_id": "KHO-1",
            "quantity": 10, "condition": "intact", "location_code": None, "shelf_code": None, "container_id": None,
            **fields}


@pytest.mark.parametrize(("content", "kind"), [(JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp")])
def test_a_photo_is_the_format_its_first_bytes_say(content: bytes, kind: str) -> None:
    accepted = photos.accept_photo(content)
    assert accepted == photos.Photo(kind, len(content), hashlib.sha256(content).hexdigest())


@pytest.mark.parametrize("content", [b"GIF89a....", b"%PDF-1.7", b"<svg xmlns=", b"RIFF\x00\x00\x00\x00WAVE",
                                     b"\xff\xd8"])
def test_anything_else_is_an_unsupported_media_type(content: bytes) -> None:
    with pytest.raises(UnsupportedMedia) as refused:
        photos.accept_photo(content)
    assert refused.value.code == "photo_type"


def test_a_photo_over_the_limit_is_too_large_and_an_empty_one_is_refused() -> None:
    with pytest.raises(TooLarge) as refused:
        photos.accept_photo(JPEG + bytes(10), max_bytes=len(JPEG) + 9)
    assert refused.value.code == "photo_too_large"
    assert photos.accept_photo(JPEG + bytes(9), max_bytes=len(JPEG) + 9).size_bytes == len(JPEG) + 9
    with pytest.raises(RuleViolation) as empty:
        photos.accept_photo(b"")
    assert empty.value.code == "photo_empty"


def test_photos_are_taken_of_an_item_awaiting_receipt_and_at_most_ten() -> None:
    photos.require_photographable(_item(), photos.MAX_PHOTOS_PER_ITEM - 1)
    with pytest.raises(RuleViolation) as too_many:
        photos.require_photographable(_item(), photos.MAX_PHOTOS_PER_ITEM)
    assert too_many.value.code == "too_many_photos"
    with pytest.raises(Conflict) as late:
        photos.require_photographable(_item(state="in_storage"), 0)
    assert late.value.code == "not_awaiting_receipt"


def test_a_receipt_names_only_photos_staged_for_its_item_and_not_yet_used() -> None:
    item_id, mine, theirs, used = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    row = {"media_type": "image/jpeg", "size_bytes": 9, "sha256": "a" * 64, "received_at": None}
    staged = {mine: {**row, "item_id": item_id}, theirs: {**row, "item_id": uuid.uuid4()},
              used: {**row, "item_id": item_id, "received_at": NOW}}
    assert photos.receipt_photos(item_id, [mine], staged) == [
        {"photo_id": str(mine), "sha256": "a" * 64, "media_type": "image/jpeg", "size_bytes": 9}]
    for wrong in (theirs, used, uuid.uuid4()):
        with pytest.raises(NotFound) as refused:
            photos.receipt_photos(item_id, [mine, wrong], staged)
        assert refused.value.code == "unknown_photo"
        assert refused.value.details == [{"loc": ["body", "photo_ids", 1], "photo_id": str(wrong)}]


def test_the_receipt_event_names_the_deliverer_and_the_photos_and_validates() -> None:
    item = _item()
    ref = {"photo_id": str(uuid.uuid4()), "sha256": "b" * 64, "media_type": "image/png", "size_bytes": 100}
    decision = domain.check_in(item, BIN, quantity_counted=9, condition="intact", seal_intact=True, note=None,
                               now=NOW, deliverer="Đội QLTT số 1", photos=[ref])
    assert decision.event.data["deliverer"] == "Đội QLTT số 1" and decision.event.data["photos"] == [ref]
    assert decision.fields["deliverer"] == "Đội QLTT số 1"
    ItemReceived.model_validate(decision.event.data)
    # Without them, the event is as it always was (its model's defaults read it the same).
    plain = domain.check_in(item, BIN, quantity_counted=10, condition="intact", seal_intact=True, note=None, now=NOW)
    assert "deliverer" not in plain.event.data and "photos" not in plain.event.data
    assert ItemReceived.model_validate(plain.event.data).photos == []
