"""Pure disposal rules: eligibility, the board's quorum, witnesses, and the batch state machine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tangvat_shared.errors import Conflict, RuleViolation
from tangvat_shared.events.disposal import Method


class BatchStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    RESERVING = "reserving"
    READY = "ready"
    EXECUTED = "executed"
    CANCELLED = "cancelled"


B = BatchStatus
# The batch state machine; anything not listed is refused, never merely logged.
TRANSITIONS: dict[BatchStatus, frozenset[BatchStatus]] = {
    B.PROPOSED: frozenset({B.APPROVED, B.REJECTED, B.CANCELLED}),
    B.APPROVED: frozenset({B.RESERVING, B.CANCELLED}),
    B.RESERVING: frozenset({B.READY, B.CANCELLED}),
    B.READY: frozenset({B.EXECUTED, B.CANCELLED}),
    B.REJECTED: frozenset(),
    B.EXECUTED: frozenset(),
    B.CANCELLED: frozenset(),
}


def sources_of(target: BatchStatus) -> list[str]:
    """The states a batch may be in to move to `target` (for guarded UPDATEs)."""
    return [s.value for s, targets in TRANSITIONS.items() if target in targets]


def guard(current: str, target: BatchStatus) -> None:
    if target not in TRANSITIONS[BatchStatus(current)]:
        raise Conflict(f"a {current} batch cannot become {target.value}", code="illegal_transition",
                       details={"from": current, "to": target.value})


class Reservation(StrEnum):
    """Where one item of a batch stands: custody's answer, or the board's drop."""

    PENDING = "pending"
    RESERVED = "reserved"
    UNAVAILABLE = "unavailable"
    RELEASED = "released"
    DROPPED = "dropped"


# Still part of the batch: custody holds (or is asked to hold) the item for it.
LIVE_RESERVATIONS = frozenset({Reservation.PENDING, Reservation.RESERVED})
# After the board's decision and before execution: the only time an item may be dropped.
DROPPABLE = frozenset({B.APPROVED, B.RESERVING, B.READY})
_NOT_DROPPABLE = {
    B.PROPOSED: ("the board has not decided on this batch yet: reject or cancel it instead", "not_yet_approved"),
    B.REJECTED: ("the board rejected this batch: none of its items is held for it", "batch_rejected"),
    B.CANCELLED: ("the batch was cancelled: all its items were already released", "batch_cancelled"),
    B.EXECUTED: ("the batch was already executed: its items cannot be taken out any more", "batch_executed"),
}


def check_drop(status: str, reservation: str | None, *, live_items: int) -> None:
    """May the board take one item out of the batch now? `reservation` is the item's in this batch
    (None: not in it), `live_items` how many of the batch's items are still pending or reserved."""
    batch_status = BatchStatus(status)
    if batch_status not in DROPPABLE:
        message, code = _NOT_DROPPABLE[batch_status]
        raise Conflict(message, code=code, details={"status": status})
    if reservation is None:
        raise RuleViolation("the item is not part of this batch", code="item_not_in_batch")
    if reservation == Reservation.DROPPED:
        raise Conflict("the item was already dropped from this batch", code="already_dropped")
    if reservation not in LIVE_RESERVATIONS:
        raise Conflict(f"custody no longer holds the item for this batch ({reservation})",
                       code="item_not_held_for_batch", details={"reservation": reservation})
    if live_items <= 1:
        raise RuleViolation("this is the batch's last item: cancel the batch instead", code="last_item_of_batch")


# --- eligibility -------------------------------------------------------------------------------

DESTROY_ONLY = frozenset({"counterfeit", "ip_infringing", "prohibited"})
METHODS_BY_CATEGORY: dict[str, frozenset[Method]] = {
    "counterfeit": frozenset({Method.DESTROY}),
    "ip_infringing": frozenset({Method.DESTROY}),
    "prohibited": frozenset({Method.DESTROY}),
    "smuggled": frozenset({Method.AUCTION, Method.TRANSFER, Method.DESTROY, Method.RETURN}),
    "unknown_origin": frozenset({Method.AUCTION, Method.TRANSFER, Method.DESTROY, Method.RETURN}),
    "substandard": frozenset({Method.TRANSFER, Method.DESTROY, Method.RETURN}),
}


class Rule(StrEnum):
    UNKNOWN_ITEM = "unknown_item"
    NOT_IN_STORAGE = "not_in_storage"
    ON_LEGAL_HOLD = "on_legal_hold"
    ALREADY_IN_BATCH = "already_in_batch"
    NO_CONFISCATION_DECISION = "no_confiscation_decision"
    RELEASE_ORDERED_MUST_RETURN = "release_ordered_must_return"
    RETURN_NEEDS_RELEASE_ORDER = "return_needs_release_order"
    METHOD_NOT_ALLOWED_FOR_CATEGORY = "method_not_allowed_for_category"
    EMERGENCY_NOT_PERISHABLE_OR_HAZARDOUS = "emergency_needs_perishable_or_hazardous"
    OTHER_UNIT = "item_of_another_unit"


@dataclass(frozen=True)
class Refusal:
    item_id: str
    rule: Rule
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"item_id": self.item_id, "rule": self.rule.value, "detail": self.detail}


def refusals_for(item_id: str, item: Mapping[str, Any] | None, *, method: Method, emergency: bool,
                 unit: str) -> list[Refusal]:
    """Every rule the item breaks for this proposal (empty: eligible)."""
    if item is None:
        return [Refusal(item_id, Rule.UNKNOWN_ITEM, "no intake registration seen for this item")]
    out: list[Refusal] = []

    def refuse(rule: Rule, detail: str) -> None:
        out.append(Refusal(item_id, rule, detail))

    if item["seizing_unit"] != unit:
        refuse(Rule.OTHER_UNIT, f"item belongs to unit {item['seizing_unit']}, batch to {unit}")
    if item["custody_state"] != "in_storage":
        refuse(Rule.NOT_IN_STORAGE, f"custody state is {item['custody_state'] or 'not received'}")
    if item["on_hold"]:
        refuse(Rule.ON_LEGAL_HOLD, "the item is on legal hold")
    if item["batch_id"] is not None:
        refuse(Rule.ALREADY_IN_BATCH, f"already in open batch {item['batch_id']}")
    category, legal = item["category"], item["legal_status"]
    if method not in METHODS_BY_CATEGORY.get(category, frozenset()):
        refuse(Rule.METHOD_NOT_ALLOWED_FOR_CATEGORY, f"{category} goods may not be disposed of by {method.value}")
    if legal == "release_ordered" and method is not Method.RETURN:
        refuse(Rule.RELEASE_ORDERED_MUST_RETURN, "the seizure's release was ordered: the item goes back to its owner")
    elif method is Method.RETURN and legal != "release_ordered":
        refuse(Rule.RETURN_NEEDS_RELEASE_ORDER, "no release order for the item's seizure")
    elif method is not Method.RETURN and legal != "confiscated":
        if not emergency:
            refuse(Rule.NO_CONFISCATION_DECISION, "the seizure has no confiscation decision")
        elif not (item["perishable"] or item["hazardous"]):
            refuse(Rule.EMERGENCY_NOT_PERISHABLE_OR_HAZARDOUS,
                   "the emergency path is only for perishable or hazardous goods")
    return out


def check_eligibility(item_ids: Sequence[str], items: Mapping[str, Mapping[str, Any]], *, method: Method,
                      emergency: bool, unit: str) -> list[Refusal]:
    refusals: list[Refusal] = []
    for item_id in item_ids:
        refusals.extend(refusals_for(item_id, items.get(item_id), method=method, emergency=emergency, unit=unit))
    return refusals


# --- the board -----------------------------------------------------------------------------------


def check_board(members: Sequence[str], quorum: int, rejections_to_reject: int) -> None:
    if len(set(members)) != len(members):
        raise RuleViolation("board members must be distinct people", code="duplicate_member")
    if quorum > len(members) or rejections_to_reject > len(members):
        raise RuleViolation("quorum and rejection threshold cannot exceed the number of members",
                            code="quorum_exceeds_board")


def check_voter(member: str, *, proposer: str, board_members: Iterable[str]) -> None:
    if member == proposer:
        raise RuleViolation("the proposer never votes on its own batch", code="proposer_cannot_vote")
    if member not in set(board_members):
        raise RuleViolation("only members of the unit's board vote", code="not_a_board_member")


def outcome(approvals: int, rejections: int, *, quorum: int, rejections_to_reject: int) -> BatchStatus | None:
    """The decision the votes so far make, or None while the board is still out."""
    if rejections >= rejections_to_reject:
        return B.REJECTED
    if approvals >= quorum:
        return B.APPROVED
    return None


# --- execution -----------------------------------------------------------------------------------


def check_witnesses(witness_ids: Sequence[str], *, in_chain: Mapping[str, str],
                    previous_pair: Sequence[str] | None) -> None:
    """At least two distinct witnesses, none who handled a destroyed item, not the last destruction's pair."""
    if len(set(witness_ids)) < 2:
        raise RuleViolation("a destruction needs at least two distinct witnesses", code="too_few_witnesses")
    if in_chain:
        raise RuleViolation("a witness is in the chain of custody of a destroyed item",
                            code="witness_in_chain_of_custody",
                            details=[{"witness": w, "item_id": i} for w, i in sorted(in_chain.items())])
    # No pair of witnesses repeats from one destruction to the next (adding a third does not help).
    repeated = set(previous_pair or ()) & set(witness_ids)
    if len(repeated) >= 2:
        raise RuleViolation("two witnesses of the previous destruction attend this one again",
                            code="same_witness_pair", details={"repeated": sorted(repeated)})


def chunks(values: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [values[i:i + size] for i in range(0, len(values), size)]
