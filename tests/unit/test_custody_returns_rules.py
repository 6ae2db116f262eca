"""The counter's return of goods to their owner on a release order: the deadline in working days, and every
refusal (no order, an item of another seizure or warehouse, off its shelf, on hold, listed twice)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from tangvat_custody.domain_returns import OwnerReturn, due_on, return_to_owner, task
from tangvat_shared.errors import Conflict, DomainError, NotFound, RuleViolation
from tangvat_shared.events.custody import OwnerIdType
from tangvat_shared.workdays import calendar

TET_2026 = calendar([date(2026, 2, d) for d in range(14, 23)])
SEIZURE = uuid.uuid4()
ORDER = {"status": "release_ordered", "decision": {"decision_number": "QĐ-45/2026", "decided_on": "2026-02-11",
                                                   "issued_by": "Chi cục QLTT Bắc Ninh"}}


def _item(**changes: Any) -> dict[str, Any]:
    return {"item_id": uuid.uuid4(), "seizure_id": SEIZURE, "warehouse_id": "KHO-1", "state": "in_storage",
            "on_hold": False, "location_code": "KHO-1.A-1", "shelf_code": None, **changes}


def _ask(items: list[dict[str, Any]]) -> OwnerReturn:
    return OwnerReturn(SEIZURE, "KHO-1", [i["item_id"] for i in items], "Nguyễn Văn Chủ", OwnerIdType.CCCD,
                       "001088012345")


def _return(items: list[dict[str, Any]], legal: dict[str, Any] | None = ORDER, today: date = date(2026, 2, 24)
            ) -> Any:
    return return_to_owner(_ask(items), legal, {i["item_id"]: i for i in items}, return_id=uuid.uuid4(),
                           cal=TET_2026, today=today)


def test_the_deadline_is_five_working_days_after_the_order_with_tet_skipped() -> None:
    # Wednesday 11 Feb 2026: Thursday 12, Friday 13, then Tết until Sunday 22; Monday 23 .. Wednesday 25.
    assert due_on(ORDER["decision"], TET_2026) == date(2026, 2, 25)
    assert task(ORDER["decision"], TET_2026, date(2026, 2, 23)) == {
        "due_on": date(2026, 2, 25), "working_days_left": 2, "overdue": False}
    assert task(ORDER["decision"], TET_2026, date(2026, 2, 27))["overdue"] is True
    assert task(ORDER["decision"], TET_2026, date(2026, 2, 27))["working_days_left"] == -2


def test_items_on_the_shelf_leave_custody_returned_to_their_owner_with_the_id_checked() -> None:
    items = [_item(), _item()]
    decided, due, late = _return(items)
    assert (due, late) == (date(2026, 2, 25), False)
    assert [d.state for d in decided.decisions] == ["returned_to_owner", "returned_to_owner"]
    assert all(d.fields["location_code"] is None for d in decided.decisions)
    event = decided.drafts[0]
    assert event.type == "custody.item_returned_to_owner"
    assert {k: event.data[k] for k in ("id_type", "id_number", "owner_name", "decision_number", "late", "due_on")} == {
        "id_type": "cccd", "id_number": "001088012345", "owner_name": "Nguyễn Văn Chủ",
        "decision_number": "QĐ-45/2026", "late": False, "due_on": "2026-02-25"}


def test_a_return_after_the_deadline_is_recorded_late() -> None:
    assert _return([_item()], today=date(2026, 2, 26))[2] is True


@pytest.mark.parametrize("legal", [None, {**ORDER, "status": "confiscated"}])
def test_without_a_release_order_nothing_is_handed_back(legal: dict[str, Any] | None) -> None:
    with pytest.raises(RuleViolation) as refused:
        _return([_item()], legal)
    assert refused.value.code == "no_release_order"


def test_an_item_of_another_seizure_or_warehouse_or_unknown_is_refused() -> None:
    with pytest.raises(RuleViolation) as other_seizure:
        _return([_item(seizure_id=uuid.uuid4())])
    assert other_seizure.value.code == "item_not_in_seizure"
    with pytest.raises(Conflict) as other_warehouse:
        _return([_item(warehouse_id="KHO-2")])
    assert other_warehouse.value.code == "wrong_warehouse"
    ask = _ask([_item()])
    with pytest.raises(NotFound):
        return_to_owner(ask, ORDER, {}, return_id=uuid.uuid4(), cal=TET_2026, today=date(2026, 2, 24))
    one = _item()
    twice = OwnerReturn(SEIZURE, "KHO-1", [one["item_id"], one["item_id"]], "A", OwnerIdType.PASSPORT, "B123")
    with pytest.raises(RuleViolation) as duplicate:
        return_to_owner(twice, ORDER, {one["item_id"]: one}, return_id=uuid.uuid4(), cal=TET_2026,
                        today=date(2026, 2, 24))
    assert duplicate.value.code == "duplicate_item"


@pytest.mark.parametrize("item", [_item(state="checked_out"), _item(state="reserved_for_disposal"),
                                  _item(on_hold=True), _item(state="returned_to_owner")])
def test_an_item_off_its_shelf_on_hold_or_already_returned_is_refused_by_the_transition_table(
        item: dict[str, Any]) -> None:
    with pytest.raises(DomainError):
        _return([item])
