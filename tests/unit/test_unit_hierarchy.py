"""The unit hierarchy's one rule (tangvat_shared.units) and the principal's unit checks that ask it."""

from __future__ import annotations

import uuid

import pytest

from tangvat_shared.auth import Principal, Role
from tangvat_shared.errors import Forbidden, NotFound
from tangvat_shared.units import ALL, UnitFilter, ancestors, covers, covers_any, parent, sql_filter


def test_a_units_parent_is_its_code_without_the_last_segment() -> None:
    assert parent("QLTT-BN-D01") == "QLTT-BN"
    assert parent("QLTT-BN") == "QLTT"
    assert parent("QLTT") is None
    assert parent("-X") is None
    assert ancestors("QLTT-BN-D01") == ["QLTT-BN", "QLTT"]
    assert ancestors("QLTT") == []


@pytest.mark.parametrize(("scope", "unit"), [
    ("QLTT-BN", "QLTT-BN"),
    ("QLTT-BN", "QLTT-BN-D01"),
    ("QLTT-BN", "QLTT-BN-D01-T2"),
    ("QLTT", "QLTT-BN-D01"),
    (ALL, "QLTT-BN"),
    (ALL, ALL),
])
def test_a_scope_covers_its_unit_and_every_unit_below(scope: str, unit: str) -> None:
    assert covers(scope, unit)


@pytest.mark.parametrize(("scope", "unit"), [
    ("QLTT-BN", "QLTT-BNH"),      # starts alike, is a sibling
    ("QLTT-BN", "QLTT-BNH-D01"),
    ("QLTT-BN", "QLTT"),          # the department does not reach the nation
    ("QLTT-BN-D01", "QLTT-BN"),   # a team does not reach its department
    ("QLTT-BN-D01", "QLTT-BN-D02"),  # nor its sibling team
    ("QLTT-BN", "QLTT-HN-D01"),
    ("QLTT-BN", ALL),             # only `*` reaches "every unit"
    ("", "QLTT-BN"),
    ("", ""),
    ("QLTT-B_", "QLTT-BN"),       # no wildcard in a scope
    ("QLTT-%", "QLTT-BN"),
])
def test_a_scope_does_not_cover_siblings_parents_or_lookalikes(scope: str, unit: str) -> None:
    assert not covers(scope, unit)


def test_several_scopes_cover_what_any_of_them_covers() -> None:
    assert covers_any(["QLTT-HN", "QLTT-BN-D01"], "QLTT-BN-D01")
    assert not covers_any(["QLTT-HN", "QLTT-BN-D01"], "QLTT-BN")
    assert not covers_any([], "QLTT-BN")


def test_the_sql_filter_is_exact_codes_and_escaped_like_prefixes() -> None:
    assert sql_filter(["QLTT-BN", "QLTT-HN", "QLTT-BN"]) == UnitFilter(
        exact=["QLTT-BN", "QLTT-HN"], below=["QLTT-BN-%", "QLTT-HN-%"])
    # `_` and `%` are LIKE's wildcards and `\` its escape: each is matched as itself.
    assert sql_filter(["Q_1", "A%B", "C\\D"]) == UnitFilter(
        exact=["A%B", "C\\D", "Q_1"], below=["A\\%B-%", "C\\\\D-%", "Q\\_1-%"])


def test_the_sql_filter_of_every_unit_is_none_and_of_no_unit_matches_nothing() -> None:
    assert sql_filter(["QLTT-BN", ALL]) is None
    assert sql_filter([]) == UnitFilter(exact=[], below=[])
    assert sql_filter([""]) == UnitFilter(exact=[], below=[])


def principal(*units: str) -> Principal:
    return Principal(user_id="p", roles=frozenset({Role.AUDITOR}), warehouses=frozenset(), units=frozenset(units))


def test_unit_scope_a_department_acts_for_its_teams_not_for_its_nation_or_neighbours() -> None:
    department = principal("QLTT-BN")
    department.require_unit("QLTT-BN-D01")
    for outside in ("QLTT", "QLTT-BNH", "QLTT-HN-D01"):
        with pytest.raises(Forbidden) as caught:
            department.require_unit(outside)
        assert caught.value.code == "unit_scope"


def test_unit_scope_a_team_sees_neither_its_sibling_nor_its_department() -> None:
    team = principal("QLTT-BN-D01")
    unknown = NotFound(f"item {uuid.uuid4()} not found", code="unknown_item")
    team.require_visible_unit("QLTT-BN-D01", unknown)
    for outside in ("QLTT-BN", "QLTT-BN-D02", None):
        with pytest.raises(NotFound) as caught:
            team.require_visible_unit(outside, unknown)
        assert caught.value is unknown
    principal("QLTT").require_visible_unit("QLTT-BN-D01", unknown)


def test_unit_scope_only_an_all_unit_principal_is_of_every_unit() -> None:
    assert principal(ALL).of_every_unit
    assert not principal("QLTT").of_every_unit  # the nation's units, not "every unit"
    assert not principal("QLTT").may_act_for_unit(ALL)
