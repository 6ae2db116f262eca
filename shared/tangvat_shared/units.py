"""The unit hierarchy: national → provincial department → team, by the segments of a unit's code.

A unit's parent is its code without the last `-SEGMENT` (`QLTT-BN-D01` → `QLTT-BN` → `QLTT`); a scope covers
its own unit and every unit below it, never a sibling whose code merely starts alike (`QLTT-BN` covers
`QLTT-BN-D01`, not `QLTT-BNH`, nor its parent `QLTT`), and `*` covers every unit. This module is the one
place the rule is written: the principal's checks, the domains' and the SQL filters all ask it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tangvat_shared.like import like_escaped

ALL = "*"
SEPARATOR = "-"


def parent(unit: str) -> str | None:
    """The unit directly above `unit`, or None for a top-level unit."""
    head, separator, _ = unit.rpartition(SEPARATOR)
    return head if separator and head else None


def ancestors(unit: str) -> list[str]:
    """The units above `unit`, nearest first."""
    out: list[str] = []
    above = parent(unit)
    while above is not None:
        out.append(above)
        above = parent(above)
    return out


def covers(scope: str, unit: str) -> bool:
    """Whether a scope (a unit code, or `*`) reaches `unit`: the unit itself or one below it."""
    if scope == ALL:
        return True
    if not scope or not unit or unit == ALL:
        # An empty scope reaches nothing, and only `*` reaches "every unit" (a whole-log audit, say).
        return False
    return unit == scope or unit.startswith(scope + SEPARATOR)


def covers_any(scopes: Iterable[str], unit: str) -> bool:
    return any(covers(scope, unit) for scope in scopes)


@dataclass(frozen=True)
class UnitFilter:
    """A principal's scopes as SQL parameters: `unit = ANY($exact::text[]) OR unit LIKE ANY($below::text[])`
    (PostgreSQL's LIKE escapes with a backslash by default; `below` has `%`, `_` and `\\` escaped)."""

    exact: list[str]
    below: list[str]


def sql_filter(scopes: Iterable[str]) -> UnitFilter | None:
    """The SQL parameters of the units `scopes` cover; None when they cover every unit (no filter at all)."""
    codes = sorted({s for s in scopes if s})
    if ALL in codes:
        return None
    return UnitFilter(exact=codes, below=[like_escaped(code + SEPARATOR) + "%" for code in codes])
