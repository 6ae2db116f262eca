"""The content rules every upload passes, in one place: the format by the bytes, the size by the kind."""

from __future__ import annotations

import pytest

from tangvat_shared.content import DOCUMENT_MAX_BYTES, IMAGE_TYPES, PHOTO_MAX_BYTES, accept, is_sha256, media_type_of
from tangvat_shared.errors import RuleViolation, TooLarge, UnsupportedMedia

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"0" * 100


def test_the_format_is_read_from_the_bytes_not_the_name() -> None:
    assert media_type_of(JPEG) == "image/jpeg"
    assert media_type_of(b"\x89PNG\r\n\x1a\nxxxx") == "image/png"
    assert media_type_of(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert media_type_of(PDF) == "application/pdf"
    assert media_type_of(b"<html>") is None


def test_an_accepted_file_carries_its_type_size_and_sha256() -> None:
    accepted = accept(PDF)
    assert (accepted.media_type, accepted.size_bytes) == ("application/pdf", len(PDF))
    assert is_sha256(accepted.sha256)


def test_empty_oversized_and_foreign_files_are_refused_with_their_codes() -> None:
    with pytest.raises(RuleViolation) as empty:
        accept(b"", code_prefix="photo")
    assert empty.value.code == "photo_empty"
    with pytest.raises(TooLarge) as large:
        accept(JPEG + b"\x00" * PHOTO_MAX_BYTES)
    assert large.value.code == "file_too_large"
    assert accept(PDF + b"\x00" * PHOTO_MAX_BYTES).media_type == "application/pdf"  # a document may be larger
    with pytest.raises(TooLarge):
        accept(PDF + b"\x00" * DOCUMENT_MAX_BYTES)
    with pytest.raises(UnsupportedMedia) as foreign:
        accept(PDF, accepted=IMAGE_TYPES, code_prefix="photo")
    assert foreign.value.code == "photo_type"
    with pytest.raises(UnsupportedMedia):
        accept(b"MZ\x90\x00 an executable")


def test_only_lower_case_64_hex_digits_name_a_file() -> None:
    assert is_sha256("a" * 64)
    assert not is_sha256("A" * 64)
    assert not is_sha256("a" * 63)
    assert not is_sha256("../" + "a" * 61)
