"""The item state machine: every event type in every state, with and without a legal hold."""

from __future__ import annotations

import pytest

from tangvat_shared.errors import Conflict, DomainError, RuleViolation
from tangvat_shared.events.custody import ITEM_EVENTS
from tangvat_shared.events.registry import spec_for
from tangvat_shared.transitions import (
    TERMINAL,
    TRANSITIONS,
    HoldRule,
    ItemState,
    ItemStatus,
    fold,
    guard,
    sources_of,
)

STATES: list[ItemState | None] = [None, *ItemState]
CASES = [(t, s, h) for t in TRANSITIONS for s in STATES for h in (False, True) if s is not None or not h]


def _allowed(event_type: str, state: ItemState | None, on_hold: bool) -> bool:
    transition = TRANSITIONS[event_type]
    if state not in transition.sources:
        return False
    return not (
        (transition.hold is HoldRule.FORBIDDEN and on_hold)
        or (transition.hold is HoldRule.PLACES and on_hold)
        or (transition.hold is HoldRule.LIFTS and not on_hold)
    )


@pytest.mark.parametrize(("event_type", "state", "on_hold"), CASES,
                         ids=[f"{t.removeprefix('custody.')}-{s}-{'held' if h else 'free'}" for t, s, h in CASES])
def test_every_transition_is_allowed_exactly_where_the_table_says(
    event_type: str, state: ItemState | None, on_hold: bool
) -> None:
    status = ItemStatus(state, on_hold)
    if _allowed(event_type, state, on_hold):
        after = guard(event_type, status)
        assert after.state == (TRANSITIONS[event_type].target or state)
    else:
        with pytest.raises((Conflict, RuleViolation)):
            guard(event_type, status)


def test_every_custody_item_event_has_a_transition_and_a_registered_schema() -> None:
    assert set(TRANSITIONS) == set(ITEM_EVENTS)
    for event_type in TRANSITIONS:
        assert spec_for(event_type).model is ITEM_EVENTS[event_type]


def test_terminal_states_accept_nothing_but_an_unavailability_answer() -> None:
    for state in TERMINAL:
        allowed = [t for t in TRANSITIONS if _allowed(t, state, False)]
        assert allowed == ["custody.item_unavailable"]


def test_a_checked_out_item_cannot_be_transferred() -> None:
    with pytest.raises(Conflict) as caught:
        guard("custody.item_transfer_dispatched", ItemStatus(ItemState.CHECKED_OUT))
    assert caught.value.code == "item_checked_out"


def test_an_item_on_hold_cannot_be_reserved_or_disposed_but_can_move() -> None:
    held = ItemStatus(ItemState.IN_STORAGE, on_hold=True)
    with pytest.raises(Conflict, match="legal hold"):
        guard("custody.item_reserved", held)
    with pytest.raises(Conflict, match="legal hold"):
        guard("custody.item_disposed", ItemStatus(ItemState.HANDED_OVER, on_hold=True))
    with pytest.raises(Conflict, match="legal hold"):
        guard("custody.item_handed_over", ItemStatus(ItemState.RESERVED_FOR_DISPOSAL, on_hold=True))
    assert guard("custody.item_moved", held) == held


def test_nothing_is_disposed_of_or_released_before_custody_hands_it_over() -> None:
    reserved = ItemStatus(ItemState.RESERVED_FOR_DISPOSAL)
    for event_type in ("custody.item_disposed", "custody.item_released"):
        with pytest.raises(Conflict) as caught:
            guard(event_type, reserved)
        assert caught.value.code == "item_reserved_for_disposal"
    handed = guard("custody.item_handed_over", reserved)
    assert handed == ItemStatus(ItemState.HANDED_OVER)
    assert guard("custody.item_disposed", handed).state == ItemState.DISPOSED
    # A cancelled batch brings handed-over goods back; a re-sent request changes nothing.
    assert guard("custody.reservation_released", handed).state == ItemState.IN_STORAGE
    assert guard("custody.item_still_reserved", handed) == handed
    with pytest.raises(Conflict):
        guard("custody.item_still_reserved", ItemStatus(ItemState.IN_STORAGE))


def test_an_item_is_created_once() -> None:
    with pytest.raises(RuleViolation):
        guard("custody.item_awaiting_receipt", ItemStatus(ItemState.IN_STORAGE))


def test_an_unknown_event_type_is_not_a_transition() -> None:
    with pytest.raises(RuleViolation):
        guard("custody.teleported", ItemStatus(ItemState.IN_STORAGE))


def test_a_whole_life_folds_to_disposed_and_a_replayed_illegal_step_is_named() -> None:
    life = ["custody.item_awaiting_receipt", "custody.item_received", "custody.item_moved",
            "custody.item_checked_out", "custody.item_returned", "custody.legal_hold_placed",
            "custody.legal_hold_lifted", "custody.item_transfer_dispatched", "custody.item_transfer_received",
            "custody.item_reserved", "custody.item_still_reserved", "custody.item_handed_over",
            "custody.item_disposed"]
    assert fold(life) == ItemStatus(ItemState.DISPOSED, False)
    with pytest.raises(DomainError):
        fold([*life, "custody.item_returned"])
    assert sources_of("custody.item_returned") == ["checked_out"]
