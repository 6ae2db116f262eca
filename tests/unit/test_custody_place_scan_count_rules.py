"""Custody's place, scan and count rules as pure functions, each named by the error code it raises."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tangvat_custody import domain
from tangvat_shared.errors import Conflict, RuleViolation
from tangvat_shared.transitions import ItemState

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ZONE = {"location_code": "KHO-1.A", "warehouse_id": "KHO-1", "kind": "zone"}
SHELF = {"location_code": "KHO-1.A-1", "warehouse_id": "KHO-1", "kind": "shelf"}
BIN = {"location_code": "KHO-1.A-1-1", "warehouse_id": "KHO-1", "kind": "bin"}


def _item(**fields: Any) -> dict[str, Any]:
    base = {"item_id": uuid.uuid4(), "state": "in_storage", "on_hold": False, "warehouse_id": "KHO-1",
            "quantity": 10, "condition": "intact", "location_code": "KHO-1.A-1", "shelf_code": None,
            "container_id": None}
    return {**base, **fields}


def _container(**fields: Any) -> dict[str, Any]:
    return {"container_id": uuid.uuid4(), "container_code": "THUNG-1", "warehouse_id": "KHO-1",
            "location_code": "KHO-1.A-1-1", **fields}


# --- the location hierarchy -------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "parent"), [("zone", None), ("shelf", ZONE), ("bin", SHELF), ("bin", ZONE)])
def test_a_location_lies_inside_an_outer_kind(kind: str, parent: dict[str, Any] | None) -> None:
    domain.location_placement("KHO-1", kind, parent)


@pytest.mark.parametrize(("kind", "parent"), [("shelf", None), ("bin", None), ("zone", ZONE), ("zone", SHELF),
                                              ("shelf", SHELF), ("shelf", BIN), ("bin", BIN)])
def test_bad_hierarchy_a_location_inside_one_of_its_kind_or_inner_or_none(kind: str,
                                                                          parent: dict[str, Any] | None) -> None:
    with pytest.raises(RuleViolation) as refused:
        domain.location_placement("KHO-1", kind, parent)
    assert refused.value.code == "bad_hierarchy"


def test_wrong_warehouse_a_parent_location_of_another_warehouse() -> None:
    with pytest.raises(RuleViolation) as refused:
        domain.location_placement("KHO-2", "shelf", ZONE)
    assert refused.value.code == "wrong_warehouse"


def test_wrong_warehouse_a_container_or_count_at_a_location_of_another_warehouse() -> None:
    domain.require_location_in("KHO-1", BIN)
    domain.require_location_in("KHO-1", None)
    with pytest.raises(RuleViolation) as refused:
        domain.require_location_in("KHO-2", BIN)
    assert refused.value.code == "wrong_warehouse"


# --- packing --------------------------------------------------------------------------------------------

def test_packing_puts_the_item_where_its_container_stands() -> None:
    item, container = _item(), _container()
    decision = domain.pack(item, container)
    assert decision.event.type == "custody.item_packed" and decision.state is None
    assert decision.fields == {"location_code": "KHO-1.A-1-1", "container_id": container["container_id"]}
    assert domain.pack(item, _container(location_code=None)).fields["location_code"] == "KHO-1.A-1"


def test_already_packed() -> None:
    with pytest.raises(Conflict) as refused:
        domain.pack(_item(container_id=uuid.uuid4()), _container())
    assert refused.value.code == "already_packed"


def test_wrong_warehouse_packing_into_a_container_of_another_warehouse() -> None:
    with pytest.raises(Conflict) as refused:
        domain.pack(_item(), _container(warehouse_id="KHO-2"))
    assert refused.value.code == "wrong_warehouse"


def test_not_in_container() -> None:
    container = _container()
    with pytest.raises(Conflict) as refused:
        domain.unpack(_item(container_id=uuid.uuid4()), container)
    assert refused.value.code == "not_in_container"
    decision = domain.unpack(_item(container_id=container["container_id"]), container)
    assert decision.fields == {"location_code": "KHO-1.A-1", "container_id": None}


def test_packing_is_refused_by_the_table_outside_storage() -> None:
    with pytest.raises(Conflict) as refused:
        domain.pack(_item(state="checked_out"), _container())
    assert refused.value.code == "item_checked_out"


# --- receipt and moves ---------------------------------------------------------------------------------

def test_check_in_decides_the_state_the_table_gives_and_the_shelf() -> None:
    item = _item(state="awaiting_receipt", location_code=None)
    decision = domain.check_in(item, BIN, quantity_counted=10, condition="intact", seal_intact=True, note=None,
                               now=NOW)
    assert decision.state is ItemState.IN_STORAGE and decision.discrepancies == ()
    assert decision.fields == {"location_code": BIN["location_code"], "received_at": NOW}


def test_check_in_discrepancies_quantity_condition_seal_each_with_its_values() -> None:
    item = _item(state="awaiting_receipt", location_code=None)
    decision = domain.check_in(item, BIN, quantity_counted=7, condition="wet", seal_intact=False, note="torn",
                               now=NOW)
    found = [(d.data["kind"], d.data["expected"], d.data["observed"], d.data["context"], d.data["note"])
             for d in decision.discrepancies]
    assert found == [("quantity", 10, 7, "receipt", "torn"), ("condition", "intact", "wet", "receipt", "torn"),
                     ("seal_broken", True, False, "receipt", "torn")]
    assert [d.type for d in decision.drafts] == ["custody.item_received"] + ["custody.discrepancy_recorded"] * 3
    rows = [domain.discrepancy_row(d, "u1", NOW) for d in decision.discrepancies]
    assert rows[0] == (item["item_id"], "KHO-1", "quantity", 10, 7, "receipt", None, "torn", "u1", NOW)


def test_item_received_twice_is_refused_by_the_table() -> None:
    with pytest.raises(Conflict) as refused:
        domain.check_in(_item(), BIN, quantity_counted=10, condition="intact", seal_intact=True, note=None, now=NOW)
    assert refused.value.code == "item_in_storage"


def test_already_there() -> None:
    with pytest.raises(Conflict) as refused:
        domain.move(_item(location_code=BIN["location_code"]), BIN)
    assert refused.value.code == "already_there"


def test_in_container() -> None:
    with pytest.raises(Conflict) as refused:
        domain.move(_item(container_id=uuid.uuid4()), BIN)
    assert refused.value.code == "in_container"


def test_wrong_warehouse_a_move_to_another_warehouse() -> None:
    with pytest.raises(Conflict) as refused:
        domain.move(_item(warehouse_id="KHO-2"), BIN)
    assert refused.value.code == "wrong_warehouse"


def test_a_move_writes_the_new_shelf_and_keeps_the_state() -> None:
    decision = domain.move(_item(), BIN)
    assert decision.state is None and decision.fields == {"location_code": BIN["location_code"]}
    assert decision.event.data["from_location_code"] == "KHO-1.A-1"


def test_a_container_move_moves_only_the_items_not_already_there() -> None:
    container = _container(location_code="KHO-1.A-1")
    here = _item(container_id=container["container_id"])
    there = _item(container_id=container["container_id"], location_code=BIN["location_code"])
    decisions = domain.move_container(container, BIN, [here, there], [], set())
    assert [d.item_id for d in decisions] == [here["item_id"]]
    with pytest.raises(Conflict) as refused:
        domain.move_container(_container(warehouse_id="KHO-2"), BIN, [here], [], set())
    assert refused.value.code == "wrong_warehouse"


# --- count in progress ----------------------------------------------------------------------------------

def test_count_in_progress_a_count_of_a_location_above_the_move_or_of_the_whole_warehouse() -> None:
    scope = {"KHO-1.A-1-1", "KHO-1.A-1", "KHO-1.A"}
    count_id = uuid.uuid4()
    for counted in ("KHO-1.A", None):
        with pytest.raises(Conflict) as refused:
            domain.require_not_counted("KHO-1", [{"count_id": count_id, "location_code": counted}], scope)
        assert refused.value.code == "count_in_progress"
        assert refused.value.details == {"count_id": str(count_id), "location_code": counted}


def test_a_count_elsewhere_does_not_stop_a_move() -> None:
    domain.require_not_counted("KHO-1", [], {"KHO-1.A"})
    domain.require_not_counted("KHO-1", [{"count_id": uuid.uuid4(), "location_code": "KHO-1.B"}],
                               {"KHO-1.A-1-1", "KHO-1.A-1", "KHO-1.A"})


def test_count_in_progress_stops_a_container_move() -> None:
    with pytest.raises(Conflict) as refused:
        domain.move_container(_container(), BIN, [], [{"count_id": uuid.uuid4(), "location_code": None}], set())
    assert refused.value.code == "count_in_progress"


# --- closing a count ------------------------------------------------------------------------------------

def test_close_count_classifies_missing_left_found_again_and_unexpected() -> None:
    count = {"count_id": uuid.uuid4(), "warehouse_id": "KHO-1", "location_code": "KHO-1.A"}
    found = _item()
    missing = _item(location_code="KHO-1.A-1")
    left = _item(state="checked_out", location_code=None)
    again = _item(state="missing", location_code=None, shelf_code="KHO-1.A-1")
    stray = _item(location_code="KHO-1.B-1")
    gone = _item(state="disposed", location_code=None)
    expected = {i["item_id"]: "KHO-1.A-1" for i in (found, missing, left)}
    scans = {found["item_id"]: "KHO-1.A-1", again["item_id"]: "KHO-1.A-1", stray["item_id"]: "KHO-1.A-1",
             gone["item_id"]: "KHO-1.A-1"}
    items = {i["item_id"]: i for i in (missing, left, again, stray, gone)}

    closure = domain.close_count(count, expected, scans, items)

    report = closure.report
    assert report["flagged_missing"] == [str(missing["item_id"])]
    assert report["left_during_count"] == [str(left["item_id"])]
    assert report["found_again"] == [str(again["item_id"])]
    assert sorted(report["unexpected"]) == sorted(str(i["item_id"]) for i in (again, stray, gone))
    by_item = {d.item_id: d for d in closure.decisions}
    assert by_item[missing["item_id"]].state is ItemState.MISSING
    assert by_item[missing["item_id"]].fields == {"location_code": None, "shelf_code": "KHO-1.A-1",
                                                  "container_id": None, "batch_id": None}
    assert by_item[again["item_id"]].state is ItemState.IN_STORAGE
    assert by_item[again["item_id"]].fields == {"location_code": "KHO-1.A-1"}
    assert [(d.data["item_id"], d.data["kind"], d.data["expected"], d.data["observed"])
            for d in closure.discrepancies] == [(str(stray["item_id"]), "unexpected", "KHO-1.B-1", "KHO-1.A-1")]
    assert closure.drafts[-1].type == "custody.count_closed"
    assert closure.drafts[-1].data["missing"] == 2 and closure.drafts[-1].data["unexpected"] == 3


def test_close_count_a_missing_item_of_another_warehouse_is_unexpected_not_found_again() -> None:
    count = {"count_id": uuid.uuid4(), "warehouse_id": "KHO-1", "location_code": None}
    other = _item(state="missing", warehouse_id="KHO-2", location_code=None)
    closure = domain.close_count(count, {}, {other["item_id"]: "KHO-1.A-1"}, {other["item_id"]: other})
    assert closure.report["found_again"] == [] and closure.decisions == []
    assert [d.data["kind"] for d in closure.discrepancies] == ["unexpected"]
