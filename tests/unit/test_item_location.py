"""One meaning of an item's location, in the shared transition table: the shelf it lies on in storage or
reserved for disposal, none in every other state; a reservation released puts it back on the shelf it left.
Custody's events, the auditor's fold and custody's time travel all follow `Place`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tangvat_custody import domain
from tangvat_shared.errors import DomainError
from tangvat_shared.transitions import (
    ON_SHELVES,
    PLACING_EVENT_TYPES,
    TRANSITIONS,
    ItemState,
    ItemStatus,
    Place,
    guard,
    place_after,
)
from tests.unit.test_audit_ledger import Log

PAIRS = [(t, s) for t, tr in TRANSITIONS.items() for s in tr.sources if s is not None]


@pytest.mark.parametrize(("event_type", "source"), PAIRS, ids=[f"{t.removeprefix('custody.')}-{s}" for t, s in PAIRS])
def test_every_transition_leaves_a_location_exactly_in_the_states_on_shelves(event_type: str,
                                                                             source: ItemState) -> None:
    transition = TRANSITIONS[event_type]
    after = transition.target or source
    on_shelf_after = {Place.SETS: True, Place.RETURNS: True, Place.CLEARS: False,
                      Place.KEEPS: source in ON_SHELVES}[transition.place]
    assert on_shelf_after == (after in ON_SHELVES)


def test_the_states_on_shelves_are_storage_and_reserved_only() -> None:
    assert {ItemState.IN_STORAGE, ItemState.RESERVED_FOR_DISPOSAL} == ON_SHELVES
    assert {t for t, tr in TRANSITIONS.items() if tr.place is not Place.KEEPS} == PLACING_EVENT_TYPES
    assert TRANSITIONS["custody.item_reserved"].place is Place.KEEPS  # reserved goods stay on their shelf
    assert TRANSITIONS["custody.reservation_released"].place is Place.RETURNS


def test_place_after_reads_the_event_only_when_it_puts_the_item_on_a_shelf() -> None:
    assert place_after(Place.SETS, {"location_code": "B-2"}, "A-1", None) == ("B-2", None)
    # Leaving the shelves needs no key (events before the rule had none) and remembers the shelf left.
    assert place_after(Place.CLEARS, {}, "A-1", None) == (None, "A-1")
    assert place_after(Place.CLEARS, {"location_code": "A-1"}, "A-1", None) == (None, "A-1")
    assert place_after(Place.CLEARS, {}, None, "A-1") == (None, "A-1")  # missing in transit: still that shelf
    # Back on the shelf it left, or where it still lies; never where an event merely claims.
    assert place_after(Place.RETURNS, {}, None, "A-1") == ("A-1", "A-1")
    assert place_after(Place.RETURNS, {"location_code": "Z-9"}, "A-1", "C-3") == ("A-1", "C-3")
    assert place_after(Place.KEEPS, {"location_code": "Z-9"}, "A-1", None) == ("A-1", None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(TRANSITIONS)), max_size=40), st.data())
def test_any_legal_life_has_a_location_exactly_while_on_a_shelf(event_types: list[str], data: Any) -> None:
    status, location, shelf = ItemStatus(None), None, None
    for event_type in ["custody.item_awaiting_receipt", *event_types]:
        try:
            status = guard(event_type, status)
        except DomainError:
            continue
        code = data.draw(st.sampled_from(["A-1", "B-2", "C-3"]))
        location, shelf = place_after(TRANSITIONS[event_type].place, {"location_code": code}, location, shelf)
        assert (location is not None) == (status.state in ON_SHELVES), (event_type, status, location)


def _item(state: str, location: str | None, shelf: str | None = None) -> dict[str, Any]:
    return {"item_id": uuid.uuid4(), "state": state, "on_hold": False, "location_code": location,
            "shelf_code": shelf}


def test_custodys_events_name_the_location_the_table_gives() -> None:
    _, out = domain.item_event(_item("in_storage", "A-1"), "custody.item_checked_out", from_location_code="A-1")
    assert out.data["location_code"] is None and "location_code" in out.data
    _, back = domain.item_event(_item("handed_over", None, "A-1"), "custody.reservation_released", batch_id="b")
    assert back.data["location_code"] == "A-1"
    _, kept = domain.item_event(_item("reserved_for_disposal", "B-2", "A-1"), "custody.reservation_released")
    assert kept.data["location_code"] == "B-2"
    _, reserved = domain.item_event(_item("in_storage", "A-1"), "custody.item_reserved", batch_id="b")
    assert "location_code" not in reserved.data
    with pytest.raises(ValueError, match="must name it"):
        domain.item_event(_item("in_storage", "A-1"), "custody.item_moved")


def test_the_fold_clears_a_location_on_events_that_never_carried_the_key() -> None:
    """Custody's check-out, dispatch and missing events once carried only from_/last_location_code."""
    log = Log()
    lab, road, lost, back = (str(uuid.uuid4()) for _ in range(4))
    for item in (lab, road, lost, back):
        log.register(item)
        log.custody(item, "custody.item_awaiting_receipt", location_code=None)
        log.custody(item, "custody.item_received", location_code="A-1")
    log.custody(lab, "custody.item_checked_out", from_location_code="A-1")
    log.custody(road, "custody.item_transfer_dispatched", from_location_code="A-1")
    log.custody(lost, "custody.item_missing", last_location_code="A-1")
    batch = str(uuid.uuid4())
    log.add("disposal", "disposal.reservation_requested", {"batch_id": batch, "item_ids": [back]})
    log.add("disposal", "disposal.batch_cancelled", {"batch_id": batch, "reason": "x"})
    log.custody(back, "custody.item_reserved", batch_id=batch)
    log.custody(back, "custody.item_handed_over", batch_id=batch, from_location_code="A-1", location_code=None)
    log.custody(back, "custody.reservation_released", batch_id=batch)  # an older event: no shelf named
    ledger = log.ledger()
    assert [f.kind for f in ledger.findings] == []
    where = {i: (ledger.items[i].state, ledger.items[i].location_code) for i in (lab, road, lost, back)}
    assert where == {lab: ("checked_out", None), road: ("in_transit", None), lost: ("missing", None),
                     back: ("in_storage", "A-1")}
    assert ledger.location_contents("A-1") == [back]
    assert [s.location_code for s in ledger.items[back].steps if s.stream == "custody"] == [
        None, "A-1", "A-1", None, "A-1"]


def test_a_release_naming_another_shelf_than_the_one_it_left_is_named() -> None:
    log, item, batch = Log(), str(uuid.uuid4()), str(uuid.uuid4())
    log.register(item)
    log.custody(item, "custody.item_awaiting_receipt", location_code=None)
    log.custody(item, "custody.item_received", location_code="A-1")
    log.add("disposal", "disposal.reservation_requested", {"batch_id": batch, "item_ids": [item]})
    log.add("disposal", "disposal.batch_cancelled", {"batch_id": batch, "reason": "x"})
    log.custody(item, "custody.item_reserved", batch_id=batch)
    log.custody(item, "custody.item_handed_over", batch_id=batch, location_code=None)
    log.custody(item, "custody.reservation_released", batch_id=batch, location_code="Z-9")
    ledger = log.ledger()
    assert [(f.kind, f.sequence) for f in ledger.findings] == [("wrong_location", 5)]
    assert ledger.items[item].location_code == "A-1"


def test_a_location_holds_its_reserved_goods_and_nothing_that_left_it() -> None:
    log, reserved, out = Log(), str(uuid.uuid4()), str(uuid.uuid4())
    for item in (reserved, out):
        log.register(item)
        log.custody(item, "custody.item_awaiting_receipt", location_code=None)
        log.custody(item, "custody.item_received", location_code="A-1")
    log.custody(reserved, "custody.item_reserved", batch_id=str(uuid.uuid4()))
    log.custody(out, "custody.item_checked_out", from_location_code="A-1")
    assert log.ledger().location_contents("A-1") == [reserved]
