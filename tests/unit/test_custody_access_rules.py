"""Custody's access rules of issue 12, pure: the two-person rule's window and highest value, holds by the
seizing unit, counts of one warehouse (named by their codes)."""

from __future__ import annotations

import uuid

import pytest

from tangvat_custody import domain
from tangvat_custody import domain_flows as flows
from tangvat_custody import domain_requests as requests
from tangvat_shared.errors import NotFound


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
    domain.require_countable(count, item_id, None)
    with pytest.raises(NotFound) as caught:
        domain.require_countable(count, item_id, {"warehouse_id": "KHO-A"})
    assert caught.value.code == "unknown_item"
