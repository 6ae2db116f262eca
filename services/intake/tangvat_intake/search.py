"""The seizure search's rules, free of I/O: what the filters a person typed mean for the query.

Words are folded (`folding`), dates are days of Vietnam time (+07:00: a day from its midnight there to the
next), and a page continues after the last seizure shown by a cursor naming its instant and id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum

from tangvat_intake.folding import fold, like_contains
from tangvat_shared.errors import InvalidInput

VIETNAM = timezone(timedelta(hours=7))
FIRST_DAY, LAST_DAY = date(1900, 1, 2), date(8999, 12, 30)  # as Instant bounds moments


class SeizureState(StrEnum):
    """A seizure's legal state, as the list filters it: no decision yet, confiscated, or release ordered."""

    UNDECIDED = "undecided"
    CONFISCATED = "confiscated"
    RELEASE_ORDERED = "release_ordered"


@dataclass(frozen=True)
class SeizureSearch:
    """The filters of one search, ready for SQL: LIKE patterns of folded words, instants, a page's cursor."""

    text: str | None = None
    record_number: str | None = None
    case_id: str | None = None
    offender: str | None = None
    brand: str | None = None
    warehouse_id: str | None = None
    seized_from: datetime | None = None
    seized_until: datetime | None = None
    undecided: bool = False
    legal_status: str | None = None
    before: tuple[datetime, uuid.UUID] | None = None


def _pattern(words: str | None) -> str | None:
    return like_contains(words) if words is not None and fold(words) else None


def day_start(day: date) -> datetime:
    """Midnight of `day` in Vietnam, as an instant."""
    return datetime.combine(day, time(0), VIETNAM)


def cursor(seized_at: datetime, seizure_id: uuid.UUID) -> str:
    """The `after` of the next page: the last seizure's instant (microseconds since 1970, UTC) and its id."""
    micros = (seized_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return f"{micros}.{seizure_id.hex}"


def _parse_cursor(after: str) -> tuple[datetime, uuid.UUID]:
    micros, _, hex_id = after.partition(".")
    try:
        instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(micros))
        return instant, uuid.UUID(hex=hex_id)
    except (ValueError, OverflowError):
        raise InvalidInput("the page cursor is not one this list gave", code="invalid_cursor",
                           details=[{"field": "after", "message": "not a cursor of this list"}]) from None


def build_search(*, q: str | None = None, record_number: str | None = None, case_id: str | None = None,
                 offender: str | None = None, brand: str | None = None, warehouse_id: str | None = None,
                 seized_from: date | None = None, seized_to: date | None = None, state: SeizureState | None = None,
                 after: str | None = None) -> SeizureSearch:
    """The search the filters ask for; a date range ending before it starts is refused (`invalid_date_range`)."""
    for name, day in (("from", seized_from), ("to", seized_to)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise InvalidInput(f"{name} is out of range", code="invalid_date_range",
                               details=[{"field": name, "message": f"a day from {FIRST_DAY} to {LAST_DAY}"}])
    if seized_from is not None and seized_to is not None and seized_to < seized_from:
        raise InvalidInput("the range ends before it starts", code="invalid_date_range",
                           details=[{"field": "to", "message": "ends before `from`"}])
    return SeizureSearch(
        text=_pattern(q), record_number=_pattern(record_number), case_id=_pattern(case_id),
        offender=_pattern(offender), brand=_pattern(brand), warehouse_id=warehouse_id,
        seized_from=day_start(seized_from) if seized_from else None,
        seized_until=day_start(seized_to + timedelta(days=1)) if seized_to else None,
        undecided=state is SeizureState.UNDECIDED,
        legal_status=state.value if state is not None and state is not SeizureState.UNDECIDED else None,
        before=_parse_cursor(after) if after else None)
