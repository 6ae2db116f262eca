"""Working days in Vietnam: Monday to Friday, less the public holidays, plus the Saturdays worked in exchange.

Pure: the calendar is configuration (holidays_vn.toml, or the file TANGVAT_HOLIDAYS_FILE names), loaded once at
an entry point and passed in. Deadlines the law counts in working days (a release order's return within 5 of
them, issue 15's rules) all go through `add_working_days`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name("holidays_vn.toml")
SATURDAY = 5


@dataclass(frozen=True)
class Calendar:
    """Days off that fall on weekdays (holidays, compensatory days) and weekend days that are worked."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    working_weekend_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekend_days:
            return True
        return day.weekday() < SATURDAY and day not in self.holidays


def calendar(holidays: Iterable[date] = (), working_weekend_days: Iterable[date] = ()) -> Calendar:
    return Calendar(frozenset(holidays), frozenset(working_weekend_days))


def add_working_days(start: date, days: int, cal: Calendar) -> date:
    """The `days`-th working day after `start` (`start` itself is not counted, whatever it is): the last day of a
    period "within N working days of" a decision made on `start`."""
    if days < 1:
        raise ValueError("count at least one working day")
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date, cal: Calendar) -> int:
    """How many working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += cal.is_working_day(day)
    return count


def parse(text: str) -> Calendar:
    """A calendar from the TOML of holidays_vn.toml: one table per year, `holidays` and `working_weekend_days`."""
    years = tomllib.loads(text)
    holidays: set[date] = set()
    worked: set[date] = set()
    for year, table in years.items():
        for name, into in (("holidays", holidays), ("working_weekend_days", worked)):
            for value in table.get(name, []):
                day = value if isinstance(value, date) else date.fromisoformat(str(value))
                if str(day.year) != year:
                    raise ValueError(f"{day} is listed under {year}")
                into.add(day)
    return calendar(holidays, worked)


def load(path: Path | None = None) -> Calendar:
    """The configured calendar: `path`, else TANGVAT_HOLIDAYS_FILE, else the holidays shipped with Tangvat."""
    chosen = path or Path(os.environ.get("TANGVAT_HOLIDAYS_FILE") or DEFAULT_FILE)
    return parse(chosen.read_text(encoding="utf-8"))
