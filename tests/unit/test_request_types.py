"""The shared request types refuse what would fail deep down (PostgreSQL, UTC conversion) with a reason in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from tangvat_shared.types import Instant, Line, NonBlankText, Reason, RecordedShortText, ShortText, Text


def refusal(kind: Any, value: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(kind).validate_python(value)
    return str(caught.value.errors()[0]["msg"])


@pytest.mark.parametrize("kind", [ShortText, Line, Text, NonBlankText])
@pytest.mark.parametrize("value", ["a\x00b", "\x01", "x\x1by", "\x7f"])
def test_no_request_text_takes_a_nul_or_a_control_character(kind: Any, value: str) -> None:
    assert "must not contain" in refusal(kind, value)


@pytest.mark.parametrize("kind", [ShortText, Line, Text])
def test_no_request_text_takes_a_lone_surrogate_that_utf8_cannot_carry(kind: Any) -> None:
    assert "unicode" in refusal(kind, "lone \ud800 surrogate")


def test_the_refusal_names_the_character_and_where_it_is() -> None:
    assert refusal(ShortText, "ab\x00") == "Value error, must not contain a NUL character (at character 3)"
    assert refusal(Text, "a\x1fb") == "Value error, must not contain a control character (U+001F) (at character 2)"


def test_free_text_keeps_its_line_breaks_a_single_line_does_not() -> None:
    assert TypeAdapter(Text).validate_python("  Số 12, phố Huế\n\tHà Nội  ") == "Số 12, phố Huế\n\tHà Nội"
    assert "control character (U+000A)" in refusal(ShortText, "two\nlines")


def test_short_text_is_trimmed_and_must_say_something() -> None:
    assert TypeAdapter(ShortText).validate_python("  Nguyễn Văn A ") == "Nguyễn Văn A"
    assert refusal(ShortText, "   ") == "Value error, must not be blank"
    assert refusal(NonBlankText, " \n ") == "Value error, must not be blank"
    assert "at most 200 characters" in refusal(ShortText, "x" * 201)


def test_a_line_is_kept_exactly_as_given() -> None:
    assert TypeAdapter(Line).validate_python(" TV1.abc ") == " TV1.abc "


def test_what_was_recorded_is_still_read_as_recorded() -> None:
    # Event data in the log predates these rules: only what PostgreSQL cannot store is refused there.
    assert TypeAdapter(RecordedShortText).validate_python(" tab\there ") == " tab\there "
    assert "NUL" in refusal(RecordedShortText, "a\x00")


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                                   "1899-12-31T23:59:59Z", "9001-01-01T00:00:00Z", "9000-12-31T23:00:00-01:00"])
def test_an_instant_must_survive_conversion_to_utc_and_storage(value: str) -> None:
    assert refusal(Instant, value) == "Value error, must be between the years 1900 and 9000 (in UTC)"


def test_an_instant_needs_its_offset() -> None:
    assert "timezone" in refusal(Instant, "2024-05-01T08:30:00")


def test_an_instant_in_range_keeps_its_offset() -> None:
    hanoi = timezone(timedelta(hours=7))
    assert TypeAdapter(Instant).validate_python("2024-05-01T08:30:00+07:00") == datetime(2024, 5, 1, 8, 30,
                                                                                            tzinfo=hanoi)
    assert TypeAdapter(Instant).validate_python("1900-01-01T00:00:00Z").tzinfo == UTC


def test_a_reason_says_why_in_at_least_three_characters_after_trimming() -> None:
    assert refusal(Reason, "  ok  ") == "Value error, must say why in at least 3 characters"
    assert TypeAdapter(Reason).validate_python(" Sai số lượng ") == "Sai số lượng"
