"""Custody's pure rules: receipt discrepancies, moves, reservation answers, count reports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tangvat_custody import domain
from tangvat_shared.errors import Conflict, RuleViolation
from tangvat_shared.events.custody import UnavailableReason


def _item(**fields: Any) -> dict[str, Any]:
    base = {"item_id": uuid.uuid4(), "state": "awaiting_receipt", "on_hold": False, "warehouse_id": "KHO-1",
            "quantity": 10, "condition": "intact", "location_code": None, "container_id": None}
    return {**base, **fields}


LOC = {"location_code": "KHO-1.A-1-1", "warehouse_id": "KHO-1"}
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_a_clean_receipt_is_one_event() -> None:
    drafts = domain.check_in(_item(), LOC, quantity_counted=10, condition="intact", seal_intact=True, note=None,
                             now=NOW).drafts
    assert [d.type for d in drafts] == ["custody.item_received"]
    assert drafts[0].data["location_code"] == LOC["location_code"]


def test_every_difference_at_receipt_is_a_recorded_discrepancy() -> None:
    drafts = domain.check_in(_item(), LOC, quantity_counted=9, condition="wet", seal_intact=False, note="n",
                             now=NOW).drafts
    kinds = [d.data["kind"] for d in drafts if d.type == "custody.discrepancy_recorded"]
    assert kinds == ["quantity", "condition", "seal_broken"]
    assert drafts[1].data["expected"] == 10 and drafts[1].data["observed"] == 9


def test_an_item_cannot_be_received_in_another_warehouse() -> None:
    with pytest.raises(Conflict, match="warehouse"):
        domain.check_in(_item(warehouse_id="KHO-2"), LOC, quantity_counted=10, condition="intact",
                        seal_intact=True, note=None, now=NOW)


def test_a_packed_item_moves_only_with_its_container() -> None:
    packed = _item(state="in_storage", location_code="KHO-1.A-1-2", container_id=uuid.uuid4())
    with pytest.raises(Conflict, match="container"):
        domain.move(packed, LOC)
    assert domain.move(packed, LOC, packed["container_id"]).event.type == "custody.item_moved"


@pytest.mark.parametrize(("fields", "reason"), [
    ({"state": "in_storage"}, None),
    ({"state": "in_storage", "on_hold": True}, UnavailableReason.ON_HOLD),
    ({"state": "checked_out"}, UnavailableReason.CHECKED_OUT),
    ({"state": "in_transit"}, UnavailableReason.IN_TRANSIT),
    ({"state": "missing"}, UnavailableReason.MISSING),
    ({"state": "awaiting_receipt"}, UnavailableReason.NOT_IN_STORAGE),
    ({"state": "disposed"}, UnavailableReason.NOT_IN_STORAGE),
    ({"state": "reserved_for_disposal"}, UnavailableReason.RESERVED_FOR_ANOTHER_BATCH),
    ({"state": "handed_over"}, UnavailableReason.RESERVED_FOR_ANOTHER_BATCH),
])
def test_the_reason_an_item_cannot_be_reserved(fields: dict[str, Any], reason: UnavailableReason | None) -> None:
    assert domain.unavailable_reason(_item(**fields)) == reason
    assert domain.unavailable_reason(None) == UnavailableReason.UNKNOWN_ITEM


def test_the_second_person_must_differ_and_the_threshold_is_strict() -> None:
    with pytest.raises(RuleViolation):
        domain.require_second_person("a", "a")
    domain.require_second_person("a", "b")
    assert not domain.needs_second_person(100, 100) and domain.needs_second_person(101, 100)


def test_a_count_report_splits_expected_found_unexpected_missing() -> None:
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    report = domain.count_report({a: "L", b: "L", c: "L"}, {a: "L", d: "L"})
    assert report["expected"] == 3 and report["found"] == [str(a)]
    assert report["unexpected"] == [str(d)] and sorted(report["missing"]) == sorted([str(b), str(c)])
