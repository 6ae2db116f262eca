"""Signed location labels: only what custody printed names a location; an EAN, an item label, a forged, altered
or re-spelled label is refused."""

from __future__ import annotations

import uuid

import pytest

from tangvat_shared.keys import generate_private_key
from tangvat_shared.labels import (
    InvalidLocationLabel,
    sign_label,
    sign_location_label,
    verify_location_label,
)

KEY = generate_private_key()
PUBLIC = KEY.public_key()


def test_a_signed_location_label_names_its_location() -> None:
    payload = sign_location_label(KEY, "KHO-BN-01/A-1.3")
    assert payload.startswith("TVL1.KHO-BN-01/A-1.3.")
    assert "=" not in payload
    assert verify_location_label(PUBLIC, payload) == "KHO-BN-01/A-1.3"


@pytest.mark.parametrize("scanned", ["5901234123457", "8934563138165", "A-1", "TVL1", "TVL1.A-1", "TVL1..sig",
                                     "", " ", "tvl1.A-1.abc"])
def test_an_ean_or_unsigned_text_is_no_location(scanned: str) -> None:
    with pytest.raises(InvalidLocationLabel, match=r"not a Tangvat location label|does not verify") as refused:
        verify_location_label(PUBLIC, scanned)
    assert refused.value.code == "invalid_location_label"


def test_an_item_label_is_named_as_such() -> None:
    item_label = sign_label(KEY, uuid.uuid4(), "UX1343-0001")
    with pytest.raises(InvalidLocationLabel, match="item's label"):
        verify_location_label(PUBLIC, item_label)


def test_a_label_signed_by_another_key_is_forged() -> None:
    forged = sign_location_label(generate_private_key(), "A-1")
    with pytest.raises(InvalidLocationLabel, match="forged or altered"):
        verify_location_label(PUBLIC, forged)


def test_a_label_whose_code_was_altered_does_not_verify() -> None:
    _, signature = sign_location_label(KEY, "A-1").rsplit(".", 1)
    with pytest.raises(InvalidLocationLabel, match="forged or altered"):
        verify_location_label(PUBLIC, f"TVL1.A-2.{signature}")


def test_a_flipped_signature_character_does_not_verify() -> None:
    payload = sign_location_label(KEY, "A-1")
    flipped = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    with pytest.raises(InvalidLocationLabel):
        verify_location_label(PUBLIC, flipped)


@pytest.mark.parametrize("respell", [
    lambda p: p + "==",          # padded
    lambda p: p + "\n",          # a trailing line break
    lambda p: " " + p,           # leading space
    lambda p: p[:-2] + "*" + p[-2:],  # a character outside the alphabet, which b64decode would skip
])
def test_a_non_canonical_spelling_is_refused(respell: object) -> None:
    payload = sign_location_label(KEY, "A-1")
    assert callable(respell)
    with pytest.raises(InvalidLocationLabel):
        verify_location_label(PUBLIC, respell(payload))
