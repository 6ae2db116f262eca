"""The item state machine: one transition table keyed by custody event type, and its guard.

Pure: custody's domain checks every command against it before writing, and the auditor folds
custody's stream through the same table, so an event the table does not allow is evidence of
a bug or of tampering. A legal hold is a flag beside the state, not a state: an item on hold
keeps its place but cannot be reserved, disposed of or released.

Location, decided once here: an item's `location_code` is the shelf (location) of ours it lies on,
and nothing when it lies on none. It lies on one only in storage or reserved for disposal
(`ON_SHELVES`); awaiting receipt, in transit, checked out, missing, handed over to the disposal team,
disposed of or released it has none. Each transition says what it does to the location (`Place`):
custody writes it so, the auditor folds it so (whatever keys an older event carried), and the
reconciliation compares against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tangvat_shared.errors import Conflict, RuleViolation


class ItemState(StrEnum):
    AWAITING_RECEIPT = "awaiting_receipt"
    IN_STORAGE = "in_storage"
    IN_TRANSIT = "in_transit"
    CHECKED_OUT = "checked_out"
    MISSING = "missing"
    RESERVED_FOR_DISPOSAL = "reserved_for_disposal"
    HANDED_OVER = "handed_over"  # released by custody staff to the disposal team, not yet executed
    DISPOSED = "disposed"
    RELEASED = "released"
    # Given back to its owner at the counter on a release order (no board decides: the order does).
    RETURNED_TO_OWNER = "returned_to_owner"


S = ItemState
TERMINAL: frozenset[ItemState] = frozenset({S.DISPOSED, S.RELEASED, S.RETURNED_TO_OWNER})
LIVE: frozenset[ItemState] = frozenset(S) - TERMINAL
ANY: frozenset[ItemState] = frozenset(S)


class HoldRule(StrEnum):
    IGNORED = "ignored"        # the event does not care about the flag
    FORBIDDEN = "forbidden"    # refused while the item is on hold
    PLACES = "places"          # sets the flag (refused if already set)
    LIFTS = "lifts"            # clears the flag (refused if not set)


# The states in which an item lies on one of our shelves; in every other state its location is none.
ON_SHELVES: frozenset[ItemState] = frozenset({S.IN_STORAGE, S.RESERVED_FOR_DISPOSAL})


class Place(StrEnum):
    """What an event does to the item's location."""

    KEEPS = "keeps"      # where it was (on its shelf, or on none)
    SETS = "sets"        # onto the shelf the event names (`data.location_code`)
    CLEARS = "clears"    # off our shelves (remembering the one it left)
    RETURNS = "returns"  # back onto the shelf it left (the event names it too)


@dataclass(frozen=True)
class Transition:
    """Which states an event may happen in, the state it leaves the item in, the hold rule, and
    what it does to the item's location.

    `sources` containing None means the event may create the item; `target` None means the
    state is unchanged.
    """

    sources: frozenset[ItemState | None]
    target: ItemState | None
    hold: HoldRule = HoldRule.IGNORED
    place: Place = Place.KEEPS


def _t(sources: frozenset[ItemState] | set[ItemState | None], target: ItemState | None,
       hold: HoldRule = HoldRule.IGNORED, place: Place = Place.KEEPS) -> Transition:
    return Transition(frozenset(sources), target, hold, place)


SETS, CLEARS, RETURNS = Place.SETS, Place.CLEARS, Place.RETURNS
TRANSITIONS: dict[str, Transition] = {
    "custody.item_awaiting_receipt": _t({None}, S.AWAITING_RECEIPT, place=CLEARS),
    "custody.item_received": _t({S.AWAITING_RECEIPT}, S.IN_STORAGE, place=SETS),
    "custody.item_moved": _t({S.IN_STORAGE}, S.IN_STORAGE, place=SETS),
    "custody.item_packed": _t({S.IN_STORAGE}, S.IN_STORAGE, place=SETS),  # where its container stands
    "custody.item_unpacked": _t({S.IN_STORAGE}, S.IN_STORAGE, place=SETS),
    "custody.item_transfer_dispatched": _t({S.IN_STORAGE}, S.IN_TRANSIT, place=CLEARS),
    "custody.item_transfer_received": _t({S.IN_TRANSIT}, S.IN_STORAGE, place=SETS),
    "custody.item_checked_out": _t({S.IN_STORAGE}, S.CHECKED_OUT, place=CLEARS),
    "custody.item_returned": _t({S.CHECKED_OUT}, S.IN_STORAGE, place=SETS),
    # Missing: not found by a count (on a shelf) or never arrived from a transfer (in transit).
    "custody.item_missing": _t({S.IN_STORAGE, S.RESERVED_FOR_DISPOSAL, S.IN_TRANSIT}, S.MISSING, place=CLEARS),
    "custody.item_found": _t({S.MISSING}, S.IN_STORAGE, place=SETS),
    # Reserved goods stay on their shelf until they are handed over.
    "custody.item_reserved": _t({S.IN_STORAGE}, S.RESERVED_FOR_DISPOSAL, HoldRule.FORBIDDEN),
    # A re-sent reservation request answered again: nothing changes.
    "custody.item_still_reserved": _t({S.RESERVED_FOR_DISPOSAL, S.HANDED_OVER}, None),
    # Two-person handover to the disposal team: nothing is disposed of or released without it.
    "custody.item_handed_over": _t({S.RESERVED_FOR_DISPOSAL}, S.HANDED_OVER, HoldRule.FORBIDDEN, CLEARS),
    # Cancelled batch, or an item the execution refused: back to storage, on the shelf it left.
    "custody.reservation_released": _t({S.RESERVED_FOR_DISPOSAL, S.HANDED_OVER}, S.IN_STORAGE, place=RETURNS),
    "custody.item_disposed": _t({S.HANDED_OVER}, S.DISPOSED, HoldRule.FORBIDDEN, CLEARS),
    "custody.item_released": _t({S.HANDED_OVER}, S.RELEASED, HoldRule.FORBIDDEN, CLEARS),
    # A release order's return to the owner, from the shelf, at the counter (never while on hold).
    "custody.item_returned_to_owner": _t({S.IN_STORAGE}, S.RETURNED_TO_OWNER, HoldRule.FORBIDDEN, CLEARS),
    "custody.legal_hold_placed": _t(LIVE, None, HoldRule.PLACES),
    "custody.legal_hold_lifted": _t(LIVE, None, HoldRule.LIFTS),
    "custody.discrepancy_recorded": _t(LIVE, None),
    # An answer to a reservation request; it changes nothing, whatever the state (or no item).
    "custody.item_unavailable": _t(set(ANY) | {None}, None),
}

# Which event type a state-changing command becomes; routes and the consumer use these names.
ITEM_EVENT_TYPES: frozenset[str] = frozenset(TRANSITIONS)
# The item events that change where an item lies (time travel: "what was in L at T" folds only these).
PLACING_EVENT_TYPES: frozenset[str] = frozenset(t for t, tr in TRANSITIONS.items() if tr.place is not Place.KEEPS)


def place_after(place: Place, data: Mapping[str, Any], location: str | None, shelf: str | None
                ) -> tuple[str | None, str | None]:
    """The item's location after an event that does `place`, and the shelf it would return to.

    `location` is where it lay before, `shelf` the last shelf it left (None if it never left one).
    Only SETS reads the event's data: a clearing event needs no key, and a return puts the item
    back where it was, whatever an event claims.
    """
    if place is Place.KEEPS:
        return location, shelf
    if place is Place.SETS:
        return data.get("location_code"), shelf
    if place is Place.CLEARS:
        return None, location if location is not None else shelf
    return location if location is not None else shelf, shelf


@dataclass(frozen=True)
class ItemStatus:
    """What the machine tracks for one item: its state and the hold flag."""

    state: ItemState | None
    on_hold: bool = False


def transition_for(event_type: str) -> Transition:
    try:
        return TRANSITIONS[event_type]
    except KeyError:
        raise RuleViolation(f"{event_type} is not an item transition", code="unknown_transition") from None


def sources_of(event_type: str) -> list[str]:
    """The states an event may happen in, as strings for a guarded SQL UPDATE."""
    return sorted(s.value for s in transition_for(event_type).sources if s is not None)


def guard(event_type: str, status: ItemStatus) -> ItemStatus:
    """The item's status after `event_type`; raise if the event is illegal in `status`.

    Conflict: the item is in the wrong state *now* (someone else got there first, it is on
    hold, it is in transit): retrying later may succeed. RuleViolation: the event can never
    apply (an unknown transition, or creating an item that exists).
    """
    transition = transition_for(event_type)
    state = status.state
    if state not in transition.sources:
        if state is None:
            raise Conflict(f"{event_type}: unknown item", code="unknown_item")
        if None in transition.sources and len(transition.sources) == 1:
            raise RuleViolation(f"{event_type}: the item already exists ({state.value})", code="item_exists")
        allowed = ", ".join(sources_of(event_type)) or "none"
        raise Conflict(f"{event_type} is not allowed in state {state.value} (allowed: {allowed})",
                       code=f"item_{state.value}", details={"state": state.value, "allowed": sources_of(event_type)})
    on_hold = status.on_hold
    if transition.hold is HoldRule.FORBIDDEN and on_hold:
        raise Conflict(f"{event_type} is not allowed while the item is on legal hold", code="item_on_hold")
    if transition.hold is HoldRule.PLACES:
        if on_hold:
            raise Conflict("the item is already on legal hold", code="already_on_hold")
        on_hold = True
    elif transition.hold is HoldRule.LIFTS:
        if not on_hold:
            raise Conflict("the item is not on legal hold", code="not_on_hold")
        on_hold = False
    return ItemStatus(transition.target or state, on_hold)


def fold(event_types: list[str], status: ItemStatus | None = None) -> ItemStatus:
    """Replay an item's custody events from the start; raises at the first illegal one."""
    current = status or ItemStatus(None)
    for event_type in event_types:
        current = guard(event_type, current)
    return current
