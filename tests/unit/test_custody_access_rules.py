"""Custody's access rules of issue 12, pure: the two-person rule's window and highest value, holds by the
seizing unit, counts of one warehouse, what lies outside the caller's warehouses answered as unknown (named by
their codes)."""

from __future__ import annotations

import uuid

import pytest

from tangvat_custody import domain
from tangvat_custody import domain_flows as flows
from tangvat_custody import domain_requests as requests
from tangvat_shared.auth import ALL, Principal, Role
from tangvat_shared.errors import Forbidden, NotFound


def test_two_person_rule_weighs_what_one_person_moved_alone_in_the_window() -> None:
    assert not requests.needs_second_person(60_000_000, 0, 100_000_000)
    assert requests.needs_second_person(60_000_000, 60_000_000, 100_000_000)
    assert not requests.needs_second_person(40_000_000, 60_000_000, 100_000_000)


def test_two_person_rule_weighs_the_highest_value_custody_recorded() -> None:
    assert requests.recorded_value({"value_vnd": 1_000, "highest_value_vnd": 150_000_000}) == 150_000_000
    assert requests.recorded_value({"value_vnd": 5_000}) == 5_000


def test_unknown_item_for_a_hold_outside_the_seizing_unit() -> None:
    item = {"item_id": uuid.uuid4(), "seizing_unit": "QLTT-BN"}
    flows.require_seizing_unit(item, lambda unit: unit == "QLTT-BN")
    with pytest.raises(NotFound) as caught:
        flows.require_seizing_unit(item, lambda unit: unit == "QLTT-HN")
    assert caught.value.code == "unknown_item"
    with pytest.raises(NotFound):  # no unit recorded: only a national scope (which admits any unit name)
        flows.require_seizing_unit({"item_id": uuid.uuid4(), "seizing_unit": None}, lambda unit: unit == "QLTT-BN")
    flows.require_seizing_unit({"item_id": uuid.uuid4(), "seizing_unit": None}, lambda unit: True)


def test_unknown_item_for_a_count_scan_of_another_warehouse() -> None:
    count = {"warehouse_id": "KHO-B"}
    item_id = uuid.uuid4()
    domain.require_countable(count, item_id, {"warehouse_id": "KHO-B"})
    with pytest.raises(NotFound) as caught:
        domain.require_countable(count, item_id, {"warehouse_id": "KHO-A"})
    assert caught.value.code == "unknown_item"
    # An item custody does not know is answered the same (it was counted before: the answers differed).
    with pytest.raises(NotFound) as unknown:
        domain.require_countable(count, item_id, None)
    assert (unknown.value.code, unknown.value.message) == (caught.value.code, caught.value.message)


def _principal(*warehouses: str, role: Role = Role.WAREHOUSE_STAFF) -> Principal:
    return Principal("s", frozenset({role}), frozenset(warehouses), frozenset({"QLTT-BN"}))


def test_unknown_item_for_an_item_kept_outside_the_callers_warehouses() -> None:
    """What a caller names by its id, code or label and may not see is answered as an unknown id of its kind."""
    item_id = uuid.uuid4()
    _principal("KHO-A").require_visible_warehouse("KHO-A", domain.unknown_item(item_id))
    _principal(ALL).require_visible_warehouse("KHO-A", domain.unknown_item(item_id))
    for unknown in (domain.unknown_item(item_id), domain.unknown_location("Z-1"),
                    domain.unknown_container("C-1"), domain.unknown_transfer(item_id),
                    domain.unknown_count(item_id), domain.unknown_approval(item_id)):
        with pytest.raises(NotFound) as caught:
            _principal("KHO-B").require_visible_warehouse("KHO-A", unknown)
        assert caught.value is unknown and "KHO-A" not in unknown.message  # nothing of where it is kept
    with pytest.raises(NotFound):  # an admin keeps the registry's locations, it sees no items
        _principal(role=Role.ADMIN).require_visible_warehouse("KHO-A", domain.unknown_item(item_id))
    _principal(role=Role.ADMIN).require_visible_warehouse("KHO-A", domain.unknown_location("L"), registry=True)
    with pytest.raises(NotFound):
        _principal("KHO-B").require_visible_warehouse("KHO-A", domain.unknown_location("L"), registry=True)


def test_warehouse_scope_says_back_only_the_warehouse_the_caller_named() -> None:
    with pytest.raises(Forbidden) as caught:
        _principal("KHO-B").require_warehouse("KHO-A")
    assert caught.value.code == "warehouse_scope" and "KHO-B" not in caught.value.message
