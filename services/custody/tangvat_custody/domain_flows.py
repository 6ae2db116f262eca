"""Custody's pure rules for the flows that take items off its shelves and back: transfers, check-outs, handover to
the disposal team, legal holds, the answers to disposal, and custody at a time (the requests and the two-person
rule: `domain_requests`).

Each decision returns the drafts of its events and what it leaves each item in (`domain.ItemDecision`, which the store
writes): the state the shared transition table returned, never one typed again. No I/O: plain values in, plain
values out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tangvat_custody.domain import (
    ItemDecision,
    decide,
    discrepancy,
    item_subject,
    require_same_warehouse,
    status_of,
    unavailable_reason,
    unknown_item,
)
from tangvat_custody.domain_requests import UNCONFIRMED, CheckOut, Confirmation, Dispatch, Handover
from tangvat_shared.auth import canonical_user_id
from tangvat_shared.draft import Draft
from tangvat_shared.errors import Conflict, NotFound, RuleViolation
from tangvat_shared.events.custody import DiscrepancyKind, UnavailableReason
from tangvat_shared.transitions import (
    ItemState,
    ItemStatus,
    fold,
    guard,
    place_after,
    transition_for,
)

# --- what a decision leaves items in ------------------------------------------------------------


@dataclass
class Decided:
    """A decision over one or many items: the drafts of its events, in order, what it leaves each item in
    (`domain.ItemDecision`: the state the transition table returned and the columns the store writes) and the
    discrepancies it found (their rows are saved beside the events)."""

    drafts: list[Draft] = field(default_factory=list)
    decisions: list[ItemDecision] = field(default_factory=list)
    discrepancies: list[Draft] = field(default_factory=list)

    def item(self, item: Mapping[str, Any], event_type: str, sets: Mapping[str, Any] | None = None,
             **data: Any) -> Draft:
        """Guard `event_type` for `item` (raises its rule error) and keep its draft and what it leaves the item
        in; `sets` are the item columns the command writes with it."""
        decision = decide(item, event_type, sets, **data)
        self.drafts.append(decision.event)
        if decision.state is not None or decision.fields:  # an answer or a re-sent request changes no row
            self.decisions.append(decision)
        return decision.event

    def add(self, draft: Draft) -> None:
        """An event about no item's row (a transfer closed, an answer for an unknown item)."""
        self.drafts.append(draft)

    def found(self, draft: Draft) -> None:
        """A discrepancy: its event, and the warehouse's row of it to resolve (saved by the command)."""
        self.drafts.append(draft)
        self.discrepancies.append(draft)

    def of(self, event_type: str) -> list[uuid.UUID]:
        """The items an event type changed."""
        return [d.item_id for d in self.decisions if d.event.type == event_type]


# --- check-out and return ------------------------------------------------------------------------


def require_due_in_future(due_at: datetime, now: datetime) -> None:
    if due_at <= now:
        raise RuleViolation("the due date must be in the future", code="due_in_past")


def require_check_out(item: Mapping[str, Any], request: CheckOut, now: datetime) -> None:
    """The item may leave for its holder (its state and hold allow it) and will be due back later than now."""
    guard("custody.item_checked_out", status_of(item))
    require_due_in_future(request.due_at, now)


def check_out(item: Mapping[str, Any], request: CheckOut, confirmation: Confirmation = UNCONFIRMED) -> Decided:
    """The item leaves our shelves for its holder until the due date."""
    decided = Decided()
    decided.item(item, "custody.item_checked_out",
                 sets={"holder": request.holder, "holder_kind": request.holder_kind.value,
                       "purpose": request.purpose, "due_at": request.due_at},
                 warehouse_id=item["warehouse_id"], holder=request.holder, holder_kind=request.holder_kind,
                 purpose=request.purpose, due_at=request.due_at, from_location_code=item["location_code"],
                 requested_by=confirmation.requested_by, confirmed_by=confirmation.confirmed_by)
    return decided


def return_item(item: Mapping[str, Any], location: Mapping[str, Any], condition: str | None) -> Decided:
    """Back on a shelf of its warehouse; a changed condition is a recorded discrepancy."""
    require_same_warehouse(item, location)
    condition = condition or item["condition"]
    decided = Decided()
    decided.item(item, "custody.item_returned", sets={"holder": None, "holder_kind": None, "purpose": None,
                                                      "due_at": None},
                 warehouse_id=item["warehouse_id"], holder=item["holder"] or "unknown",
                 location_code=location["location_code"], condition=condition)
    if condition != item["condition"]:
        decided.found(discrepancy(item, DiscrepancyKind.CONDITION, item["condition"], condition, "return", None))
    return decided


# --- legal holds --------------------------------------------------------------------------------


def require_seizing_unit(item: Mapping[str, Any], may_act_for_unit: Callable[[str], bool]) -> None:
    """`unknown_item` for a hold asked by someone outside the item's seizing unit: the board of unit Y has no
    say over unit X's items, and learns nothing from the answer (the same 404 as an item custody does not
    know). An item recorded before custody kept its unit has none: only a national scope may hold it."""
    unit = item.get("seizing_unit")
    if not may_act_for_unit(unit if unit is not None else "\x00no unit recorded"):
        raise unknown_item(item["item_id"])


def set_hold(item: Mapping[str, Any], reason: str, *, place: bool) -> Decided:
    """A legal hold placed (refused if already on hold) or lifted (refused if not)."""
    decided = Decided()
    # The table refuses a hold placed twice or lifted when there is none: the flag written is the one it allows.
    decided.item(item, "custody.legal_hold_placed" if place else "custody.legal_hold_lifted",
                 sets={"on_hold": place, "hold_reason": reason if place else None}, warehouse_id=item["warehouse_id"],
                 reason=reason)
    return decided


# --- transfers ------------------------------------------------------------------------------------


def require_dispatchable(request: Dispatch, found: Mapping[uuid.UUID, Mapping[str, Any]]) -> None:
    """Every item known (`found` holds only those the caller may see: one kept in a warehouse outside its scope
    is as unknown as an id nobody registered, and listed with them), in the sending warehouse and able to leave."""
    unknown = [str(i) for i in request.item_ids if i not in found]
    if unknown:
        raise NotFound(f"{len(unknown)} item(s) unknown", code="unknown_item", details=unknown[:100])
    for item in found.values():
        if item["warehouse_id"] != request.from_warehouse_id:
            raise Conflict(f"item {item['item_id']} is not in {request.from_warehouse_id}", code="wrong_warehouse")
        guard("custody.item_transfer_dispatched", status_of(item))


def dispatch(items: Iterable[Mapping[str, Any]], request: Dispatch, transfer_id: uuid.UUID,
             confirmation: Confirmation = UNCONFIRMED) -> Decided:
    decided = Decided()
    sets = {"warehouse_id": request.to_warehouse_id, "transfer_id": transfer_id}
    for item in items:
        decided.item(item, "custody.item_transfer_dispatched", sets=sets, transfer_id=transfer_id,
                     from_warehouse_id=request.from_warehouse_id, to_warehouse_id=request.to_warehouse_id,
                     from_location_code=item["location_code"], carrier=request.carrier,
                     requested_by=confirmation.requested_by, confirmed_by=confirmation.confirmed_by)
    return decided


def require_receivable(transfer: Mapping[str, Any], user: str) -> None:
    """An open transfer, received (or closed) by someone who neither dispatched nor confirmed it."""
    if transfer["closed_at"] is not None:
        raise Conflict("the transfer is closed", code="transfer_closed")
    earlier = (transfer["dispatched_by"], transfer["confirmed_by"])
    if canonical_user_id(user) in {canonical_user_id(u) for u in earlier if u}:
        raise RuleViolation("dispatch and receipt must be done by different people", code="two_person_rule")


def require_in_transfer(item: Mapping[str, Any], members: Iterable[uuid.UUID]) -> None:
    if item["item_id"] not in members:
        raise Conflict(f"item {item['item_id']} is not part of this transfer", code="not_in_transfer")


def receive(transfer: Mapping[str, Any], location: Mapping[str, Any], items: Sequence[Mapping[str, Any]],
            members: set[uuid.UUID], now: datetime) -> Decided:
    """The scanned items of the transfer go onto a shelf of the receiving warehouse."""
    decided = Decided()
    sets = {"transfer_id": None, "received_at": now}
    for item in items:
        require_in_transfer(item, members)
        require_same_warehouse(item, location)
        decided.item(item, "custody.item_transfer_received", sets=sets, transfer_id=transfer["transfer_id"],
                     warehouse_id=transfer["to_warehouse_id"], location_code=location["location_code"])
    return decided


def close_transfer(transfer: Mapping[str, Any], members: Sequence[Mapping[str, Any]],
                   unreceived: Mapping[uuid.UUID, Mapping[str, Any]]) -> Decided:
    """Items dispatched but never received become discrepancies, and missing; the transfer's summary closes it.
    `unreceived` are the members not received, as they are now (one received otherwise is no longer ours to
    declare missing)."""
    transfer_id = transfer["transfer_id"]
    decided = Decided()
    for item in unreceived.values():
        if item["state"] != ItemState.IN_TRANSIT or item["transfer_id"] != transfer_id:
            continue
        decided.found(discrepancy(item, DiscrepancyKind.NOT_RECEIVED, "received", "not received", "transfer",
                                transfer_id))
        decided.item(item, "custody.item_missing", sets={"transfer_id": None}, warehouse_id=item["warehouse_id"],
                     context="transfer", reference_id=transfer_id, last_location_code=None)
    not_received = [m["item_id"] for m in members if m["received_at"] is None]
    decided.add(Draft("custody.transfer_closed", f"transfer/{transfer_id}", {
        "transfer_id": str(transfer_id), "from_warehouse_id": transfer["from_warehouse_id"],
        "to_warehouse_id": transfer["to_warehouse_id"], "dispatched": len(members),
        "received": len(members) - len(not_received), "not_received": [str(i) for i in not_received]}))
    return decided


# --- handover to the disposal team -----------------------------------------------------------------


def require_handover(request: Handover, items: Sequence[Mapping[str, Any]]) -> None:
    """The items a handover names: some (when it names the batch alone), every one reserved for this batch in
    this warehouse and free to leave (not on hold)."""
    if request.labels is None and not items:
        raise Conflict(f"no item of batch {request.batch_id} is reserved in {request.warehouse_id}",
                       code="nothing_to_hand_over")
    others = [str(i["item_id"]) for i in items if i["batch_id"] != request.batch_id]
    if others:
        raise Conflict(f"{len(others)} item(s) are not reserved for batch {request.batch_id}",
                       code="not_reserved_for_batch", details={"item_ids": others[:1000]})
    for item in items:
        if item["warehouse_id"] != request.warehouse_id:
            raise Conflict(f"item {item['item_id']} is not in {request.warehouse_id}", code="wrong_warehouse")
        guard("custody.item_handed_over", status_of(item))


def hand_over(items: Sequence[Mapping[str, Any]], request: Handover, handover_id: uuid.UUID,
              confirmation: Confirmation = UNCONFIRMED) -> Decided:
    """The items leave our shelves for the disposal team (`require_handover` said they may)."""
    batch, handover = str(request.batch_id), str(handover_id)  # once, not per item's event
    decided = Decided()
    sets = {"handover_id": handover_id}
    # Named only when a person of ours took the goods: an outside recipient's event reads as before.
    person = {"recipient_user_id": request.recipient_user_id} if request.recipient_user_id else {}
    for item in items:
        decided.item(item, "custody.item_handed_over", sets=sets, batch_id=batch, handover_id=handover,
                     warehouse_id=item["warehouse_id"], recipient=request.recipient, **person,
                     from_location_code=item["location_code"], requested_by=confirmation.requested_by,
                     confirmed_by=confirmation.confirmed_by, location_code=None)
    return decided


# --- answers to disposal ----------------------------------------------------------------------------

HELD = frozenset({ItemState.RESERVED_FOR_DISPOSAL, ItemState.HANDED_OVER})  # an item belongs to its batch


def held_for(item: Mapping[str, Any] | None, batch_id: uuid.UUID) -> bool:
    return item is not None and item["batch_id"] == batch_id and item["state"] in HELD


def unavailable(item_id: uuid.UUID, batch_id: uuid.UUID, reason: UnavailableReason) -> Draft:
    return Draft("custody.item_unavailable", item_subject(item_id),
                 {"item_id": str(item_id), "batch_id": str(batch_id), "reason": reason.value})


def answer_reservation(batch_id: uuid.UUID, item_ids: Iterable[uuid.UUID],
                       known: Mapping[uuid.UUID, Mapping[str, Any]]) -> Decided:
    """Every item asked for: reserved for the batch, or unavailable with the reason."""
    batch = str(batch_id)  # once, not per item's event
    decided = Decided()
    sets = {"batch_id": batch_id}
    for item_id in dict.fromkeys(item_ids):
        item = known.get(item_id)
        if held_for(item, batch_id):
            # A re-sent request: answered again, idempotently (the first answer may be what was lost).
            assert item is not None
            decided.item(item, "custody.item_still_reserved", batch_id=batch, warehouse_id=item["warehouse_id"])
            continue
        reason = unavailable_reason(item)
        if reason is None and item is not None:
            decided.item(item, "custody.item_reserved", sets=sets, batch_id=batch,
                         warehouse_id=item["warehouse_id"])
        else:
            decided.add(unavailable(item_id, batch_id, reason or UnavailableReason.NOT_IN_STORAGE))
    return decided


_FREED = {"batch_id": None, "handover_id": None}


def release(batch_id: uuid.UUID, items: Iterable[Mapping[str, Any]], decided: Decided | None = None) -> Decided:
    """Items a batch no longer holds (cancelled, or dropped by the board): back to storage on the shelf they left."""
    decided = decided if decided is not None else Decided()
    for item in items:
        decided.item(item, "custody.reservation_released", sets=_FREED, batch_id=batch_id)
    return decided


def execute(batch_id: uuid.UUID, disposed: bool, method: str, item_ids: Iterable[uuid.UUID],
            known: Mapping[uuid.UUID, Mapping[str, Any]]) -> Decided:
    """Disposed of or released as the disposal service executed; anything else is refused per item, and an item
    the batch held but the execution could not take is released (its reservation must not outlive the batch)."""
    event_type = "custody.item_disposed" if disposed else "custody.item_released"
    outcome = ItemState.DISPOSED if disposed else ItemState.RELEASED
    batch = str(batch_id)  # once, not per item's event
    decided = Decided()
    for item_id in dict.fromkeys(item_ids):
        item = known.get(item_id)
        if item is None:
            decided.add(unavailable(item_id, batch_id, UnavailableReason.UNKNOWN_ITEM))
            continue
        if item["state"] == outcome and item["batch_id"] == batch_id:
            continue  # already executed (a re-sent chunk)
        ours = held_for(item, batch_id)
        if ours and item["state"] == ItemState.HANDED_OVER and not item["on_hold"]:
            decided.item(item, event_type, batch_id=batch, method=method, warehouse_id=item["warehouse_id"])
            continue
        reason = (UnavailableReason.ON_HOLD if item["on_hold"] else
                  UnavailableReason.NOT_HANDED_OVER if ours else UnavailableReason.NOT_RESERVED)
        decided.add(unavailable(item_id, batch_id, reason))
        if ours:
            release(batch_id, [item], decided)
    return decided


# --- custody at a time --------------------------------------------------------------------------------

_NO_HOLDER_CHANGE = frozenset({"custody.item_unavailable", "custody.item_still_reserved"})
_WITH_THE_WAREHOUSE = frozenset({ItemState.IN_STORAGE, ItemState.RESERVED_FOR_DISPOSAL, ItemState.AWAITING_RECEIPT})


def custody_at(item_id: uuid.UUID, at: datetime, events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Who held the item, where, in what state at time `at`: a fold of its custody events up to then (each
    `{"event_type", "occurred_at", "body"}` as the stream recorded it), through the shared transition table."""
    status = ItemStatus(None)
    out: dict[str, Any] = {"item_id": item_id, "at": at, "state": None, "on_hold": False, "warehouse_id": None,
                           "location_code": None, "holder": None, "holder_kind": None, "last_event_type": None,
                           "last_event_at": None, "last_actor_id": None}
    shelf = None
    for event in events:
        event_type, data = event["event_type"], event["body"]["data"]
        status = fold([event_type], status)
        out["location_code"], shelf = place_after(transition_for(event_type).place, data, out["location_code"],
                                                  shelf)
        warehouse = data.get("warehouse_id") or data.get("to_warehouse_id")
        if warehouse:
            out["warehouse_id"] = warehouse
        if event_type == "custody.item_checked_out":
            out["holder"], out["holder_kind"] = data["holder"], data["holder_kind"]
        elif event_type == "custody.item_handed_over":
            out["holder"], out["holder_kind"] = data["recipient"], "disposal"
        elif event_type in ("custody.item_returned", "custody.reservation_released"):
            out["holder"], out["holder_kind"] = None, None
        if event_type not in _NO_HOLDER_CHANGE:
            out.update(last_event_type=event_type, last_event_at=event["occurred_at"],
                       last_actor_id=event["body"]["actorid"])
    if status.state is not None:
        out["state"], out["on_hold"] = status.state.value, status.on_hold
        if out["holder"] is None and status.state in _WITH_THE_WAREHOUSE:
            out["holder"], out["holder_kind"] = out["warehouse_id"], "warehouse"
    return out
