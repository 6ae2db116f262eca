"""Field types every request and event uses: checked text, checked instants, codes, money as integer VND.

Every request model and every query, path and header parameter of every service is built from these, so a bad
value is refused where it enters with a 422 in words instead of failing deep down (a NUL byte reaching PostgreSQL,
a datetime that overflows when converted to UTC).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StrictInt

# C0 controls and DEL. (A lone surrogate, which JSON can carry as "\ud800" but UTF-8 cannot, pydantic's str refuses.)
_NOT_IN_A_LINE = re.compile(r"[\x00-\x1f\x7f]")
_NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, newline and CR may break lines
# The same rules for the OpenAPI document (ECMA-262 patterns), so that generated clients and fuzzers know them.
_LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# ... and for what must say something: at least one character that is not white space (`\s` is what
# str.strip() strips; U+0085 is named because ECMA-262's `\s`, which a client or fuzzer applies, omits it).
_NON_BLANK_LINE_PATTERN = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f\x85][^\x00-\x1f\x7f]*$"
_NON_BLANK_TEXT_PATTERN = (r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f\x85]"
                           r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")
# A reason: at least 3 characters once trimmed, i.e. two characters that are not white space with one between.
_REASON_PATTERN = (r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f\x85][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+"
                   r"[^\s\x00-\x1f\x7f\x85][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")

# What a timestamptz can hold and Python can convert to UTC and back without overflow, with room to spare.
EARLIEST_YEAR, LATEST_YEAR = 1900, 9000


def _describe(char: str) -> str:
    if char == "\x00":
        return "a NUL character"
    return f"a control character (U+{ord(char):04X})"


def _refuse(found: re.Match[str] | None) -> None:
    if found is not None:
        raise ValueError(f"must not contain {_describe(found.group())} (at character {found.start() + 1})")


def _one_line(value: str) -> str:
    _refuse(_NOT_IN_A_LINE.search(value))
    return value.strip()


def _as_given(value: str) -> str:
    _refuse(_NOT_IN_A_LINE.search(value))
    return value


def _lines(value: str) -> str:
    _refuse(_NOT_IN_TEXT.search(value))
    return value.strip()


def _no_nul(value: str) -> str:
    # What was recorded stays readable as recorded: event data only refuses what PostgreSQL cannot store.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _says_why(value: str) -> str:
    if len(value) < 3:
        raise ValueError("must say why in at least 3 characters")
    return value


def _whole(value: object) -> object:
    # JSON does not tell 6142 from 6142.0, nor does the document's `integer`: a whole float is that integer; a
    # fraction, NaN or infinity is still refused (strictly: no float is rounded, no string or boolean coerced).
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _storable_instant(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise ValueError(f"must be between the years {EARLIEST_YEAR} and {LATEST_YEAR} (in UTC)")
    return value


# --- request text: one line or several, trimmed, no control characters, bounded -------------------------------
ShortText = Annotated[str, Field(max_length=200, json_schema_extra={"pattern": _NON_BLANK_LINE_PATTERN}),
                      AfterValidator(_one_line), AfterValidator(_non_blank)]
"""A name, a reference or a number a person typed: one line, 1-200 characters after trimming."""
Line = Annotated[str, Field(max_length=400, json_schema_extra={"pattern": _LINE_PATTERN}), AfterValidator(_as_given)]
"""One line of at most 400 characters kept exactly as given (a scanned payload, a key, a path); may be empty."""
NonBlankLine = Annotated[Line, AfterValidator(_non_blank),
                         Field(json_schema_extra={"pattern": _NON_BLANK_LINE_PATTERN})]
Text = Annotated[str, Field(max_length=2000, json_schema_extra={"pattern": _TEXT_PATTERN}), AfterValidator(_lines)]
"""Free text that may span lines (an address, a note): at most 2,000 characters, trimmed; may be empty."""
NonBlankText = Annotated[Text, AfterValidator(_non_blank),
                         Field(json_schema_extra={"pattern": _NON_BLANK_TEXT_PATTERN})]
"""Free text that must say something (a reason, a description)."""
Reason = Annotated[NonBlankText, AfterValidator(_says_why), Field(json_schema_extra={"pattern": _REASON_PATTERN})]
"""Why a record is corrected: at least 3 characters after trimming."""
Document = Annotated[str, Field(max_length=1_000_000, json_schema_extra={"pattern": _TEXT_PATTERN}),
                     AfterValidator(_lines)]
"""A larger text a client sends whole (a form field holding JSON): at most 1,000,000 characters."""

# --- what events carry: written by our own services from checked requests; replayed as recorded ----------------
RecordedText = Annotated[str, Field(max_length=2000), AfterValidator(_no_nul)]
RecordedShortText = Annotated[str, Field(max_length=200), AfterValidator(_no_nul), AfterValidator(_non_blank)]

# An instant as RFC 3339 writes it, as the document's `format: date-time` promises: pydantic alone would also take a
# unix timestamp ("0.5"), a date alone or a space for the "T". The document's pattern also bounds the years to
# 1901-8999, which every offset keeps within the storable range in UTC (`_storable_instant` says why otherwise).
_INSTANT_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
                            r"(?:Z|[+-][0-9]{2}:[0-9]{2})?")
_INSTANT_PATTERN = (r"^(?:19(?:0[1-9]|[1-9][0-9])|[2-8][0-9]{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
                    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
                    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$")


def _rfc3339(value: object) -> object:
    if isinstance(value, str) and not _INSTANT_SHAPE.fullmatch(value):
        raise ValueError("must be a date and time with its UTC offset, e.g. 2026-11-25T08:00:00+07:00")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_storable_instant),
                    Field(json_schema_extra={"pattern": _INSTANT_PATTERN})]
"""A moment with its UTC offset, between the years 1900 and 9000 once converted to UTC."""

# A day as ISO 8601 writes it (the document's `format: date`): pydantic alone would also take a unix timestamp ("0").
_DAY_PATTERN = r"^(?:19(?:0[1-9]|[1-9][0-9])|[2-8][0-9]{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"


def _iso_day(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("must be a day written YYYY-MM-DD, e.g. 2026-11-25")
    if isinstance(value, (int, float)):
        raise ValueError("must be a day written YYYY-MM-DD, e.g. 2026-11-25")
    return value


def _storable_day(value: date) -> date:
    if not EARLIEST_YEAR < value.year < LATEST_YEAR:
        raise ValueError(f"must be a day between the years {EARLIEST_YEAR + 1} and {LATEST_YEAR - 1}")
    return value


Day = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_storable_day),
                Field(json_schema_extra={"pattern": _DAY_PATTERN})]
"""A calendar day (no time, no offset), between the years 1901 and 8999."""

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
# Money is integer VND: no float, no NaN; capped at 2**53-1 so every JSON reader keeps it exact.
MoneyVnd = Annotated[StrictInt, Field(ge=0, le=2**53 - 1), BeforeValidator(_whole)]
Quantity = Annotated[StrictInt, Field(ge=1, le=10**9), BeforeValidator(_whole)]
