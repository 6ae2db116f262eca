"""Working days in Vietnam: weekends, Tết, 30/4 – 1/5, compensatory days and Saturdays worked in exchange."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tangvat_shared.workdays import add_working_days, calendar, load, parse, working_days_between

TET_2026 = [date(2026, 2, d) for d in range(14, 23)]  # Saturday 14 to Sunday 22
REUNIFICATION_2026 = [date(2026, 4, 30), date(2026, 5, 1)]  # Thursday, Friday
CAL = calendar([*TET_2026, *REUNIFICATION_2026])


def test_five_working_days_from_a_monday_end_on_the_next_monday() -> None:
    assert add_working_days(date(2026, 3, 2), 5, CAL) == date(2026, 3, 9)


def test_a_decision_on_a_friday_counts_from_monday() -> None:
    assert add_working_days(date(2026, 3, 6), 5, CAL) == date(2026, 3, 13)


def test_a_decision_on_a_saturday_counts_from_monday_too() -> None:
    assert add_working_days(date(2026, 3, 7), 1, CAL) == date(2026, 3, 9)


def test_tet_is_skipped_whole() -> None:
    # Thursday 12 Feb: Friday 13 is the first working day, then nothing until Monday 23.
    assert add_working_days(date(2026, 2, 12), 5, CAL) == date(2026, 2, 26)
    assert add_working_days(date(2026, 2, 14), 1, CAL) == date(2026, 2, 23)


def test_thirty_april_and_one_may_are_skipped() -> None:
    # Wednesday 29 April: 30/4 and 1/5 off, the weekend, then Monday 4 May is the first.
    assert add_working_days(date(2026, 4, 29), 1, CAL) == date(2026, 5, 4)
    assert add_working_days(date(2026, 4, 28), 5, CAL) == date(2026, 5, 7)


def test_a_saturday_worked_in_exchange_counts() -> None:
    swapped = calendar([date(2025, 5, 2)], [date(2025, 4, 26)])
    assert add_working_days(date(2025, 4, 25), 1, swapped) == date(2025, 4, 26)
    assert add_working_days(date(2025, 5, 1), 1, swapped) == date(2025, 5, 5)


def test_working_days_between_counts_what_add_working_days_adds() -> None:
    start = date(2026, 2, 10)
    end = add_working_days(start, 5, CAL)
    assert working_days_between(start, end, CAL) == 5
    assert working_days_between(end, start, CAL) == 0


def test_zero_days_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        add_working_days(date(2026, 1, 5), 0, CAL)


def test_the_shipped_calendar_knows_tet_and_the_reunification_holidays() -> None:
    shipped = load()
    assert all(not shipped.is_working_day(d) for d in [*TET_2026, *REUNIFICATION_2026])
    assert shipped.is_working_day(date(2026, 2, 23))
    assert add_working_days(date(2026, 2, 12), 5, shipped) == date(2026, 2, 26)


def test_a_configured_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text('[2026]\nholidays = ["2026-03-09"]\n', encoding="utf-8")
    assert add_working_days(date(2026, 3, 6), 1, load(path)) == date(2026, 3, 10)


def test_a_day_listed_under_the_wrong_year_is_refused() -> None:
    with pytest.raises(ValueError, match="listed under 2025"):
        parse('[2025]\nholidays = ["2026-01-01"]\n')
