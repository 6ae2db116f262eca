"""Pure disposal rules: eligibility, the board's quorum, witnesses, execution and the batch state machine.

Every rule the disposal commands refuse by is here, over plain values (the service loads them, the
store saves what these functions decide); each command's decision also names the events it publishes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tangvat_shared.auth import canonical_user_id
from tangvat_shared.draft import Draft
from tangvat_shared.errors import Conflict, InvalidInput, RuleViolation
from tangvat_shared.events.disposal import MAX_ITEMS_PER_EVENT, Method
from tangvat_shared.units import covers


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


@dataclass(frozen=True)
class Refusal:
    item_id: str
    rule: Rule
    detail: str
    # What the page names the item by, and the value the rule looked at (the page says it in words).
    label_code: str | None = None
    description: str | None = None
    value: str | None = None

    def as_json(self) -> dict[str, str]:
        out = {"item_id": self.item_id, "rule": self.rule.value, "detail": self.detail}
        out.update({k: v for k, v in (("label_code", self.label_code), ("description", self.description),
                                      ("value", self.value)) if v is not None})
        return out


def refusals_for(item_id: str, item: Mapping[str, Any] | None, *, method: Method, emergency: bool,
                 unit: str) -> list[Refusal]:
    """Every rule the item breaks for this proposal (empty: eligible)."""
    if item is None or not covers(unit, item["seizing_unit"]):
        # A board decides for its unit and the units below it (a department's board for its teams' items, never a
        # team's board for its department's): any other unit's item is unknown to it, the same refusal as an id
        # nobody registered, nothing about where it is.
        return [Refusal(item_id, Rule.UNKNOWN_ITEM, "no intake registration seen for this item")]
    out: list[Refusal] = []

    def refuse(rule: Rule, detail: str, value: str | None = None) -> None:
        out.append(Refusal(item_id, rule, detail, item.get("label_code"), item.get("description"), value))

    if item["custody_state"] != "in_storage":
        refuse(Rule.NOT_IN_STORAGE, f"custody state is {item['custody_state'] or 'not received'}",
               item["custody_state"] or "not_received")
    if item["on_hold"]:
        refuse(Rule.ON_LEGAL_HOLD, "the item is on legal hold")
    if item["batch_id"] is not None:
        refuse(Rule.ALREADY_IN_BATCH, f"already in open batch {item['batch_id']}", str(item["batch_id"]))
    category, legal = item["category"], item["legal_status"]
    if method not in METHODS_BY_CATEGORY.get(category, frozenset()):
        refuse(Rule.METHOD_NOT_ALLOWED_FOR_CATEGORY, f"{category} goods may not be disposed of by {method.value}",
               category)
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


def of_unit(rows: Iterable[Mapping[str, Any]], unit: str) -> list[Mapping[str, Any]]:
    """The read model's rows a unit's board may see (its unit's and those below): a filter over another unit's
    seizure matches nothing."""
    return [r for r in rows if covers(unit, r["seizing_unit"])]


def check_eligibility(item_ids: Sequence[str], items: Mapping[str, Mapping[str, Any]], *, method: Method,
                      emergency: bool, unit: str) -> list[Refusal]:
    refusals: list[Refusal] = []
    for item_id in item_ids:
        refusals.extend(refusals_for(item_id, items.get(item_id), method=method, emergency=emergency, unit=unit))
    return refusals


# --- proposals -----------------------------------------------------------------------------------

MAX_LISTED = 1000  # refusals and exclusions listed in one answer; the count says how many in all


@dataclass(frozen=True)
class Proposal:
    """What a board member asks the board to decide, as plain values."""

    unit: str
    method: Method
    reason: str
    emergency: bool = False
    emergency_reason: str | None = None
    deadline: datetime | None = None
    skip_ineligible: bool = False  # leave ineligible items out (and list them) instead of refusing


@dataclass(frozen=True)
class Board:
    members: tuple[str, ...]
    quorum: int
    rejections_to_reject: int


@dataclass(frozen=True)
class ProposedBatch:
    batch_id: uuid.UUID
    status: BatchStatus
    item_ids: list[str]  # the eligible ones, in the order asked
    total_value_vnd: int
    excluded: list[dict[str, str]]  # the first MAX_LISTED refusals
    excluded_items: int


def check_deadline(deadline: datetime | None, now: datetime) -> None:
    if deadline is not None and deadline <= now:
        raise InvalidInput("the deadline is in the past", code="deadline_in_past")


def propose(proposal: Proposal, *, batch_id: uuid.UUID, proposer: str, board: Board | None,
            wanted: Sequence[str], items: Mapping[str, Mapping[str, Any]], max_items: int
            ) -> tuple[ProposedBatch, list[Draft]]:
    """The batch a proposal makes of the items asked for (ids as text; `items`: the read model's, by id),
    or the rule it breaks."""
    if board is None:
        raise RuleViolation(f"unit {proposal.unit} has no board to decide", code="no_board")
    if not wanted:
        raise RuleViolation("no item matches the filter", code="no_items")
    if len(wanted) > max_items:
        raise InvalidInput(f"a batch holds at most {max_items} items", code="batch_too_large")
    refusals = check_eligibility(wanted, items, method=proposal.method, emergency=proposal.emergency,
                                 unit=proposal.unit)
    refused = {r.item_id for r in refusals}
    listed = [r.as_json() for r in refusals[:MAX_LISTED]]
    if refusals and not proposal.skip_ineligible:
        raise RuleViolation(f"{len(refused)} of {len(wanted)} items cannot be proposed", code="ineligible_items",
                            details={"refusals": listed, "refused_items": len(refused)})
    eligible = [i for i in wanted if i not in refused] if refused else list(wanted)
    if not eligible:
        raise RuleViolation("no proposed item is eligible", code="ineligible_items",
                            details={"refusals": listed, "refused_items": len(refused)})
    total = sum(int(items[i]["value_vnd"]) for i in eligible)
    batch = ProposedBatch(batch_id, BatchStatus.PROPOSED, eligible, total, listed, len(refused))
    header = Draft("disposal.batch_proposed", subject_of(batch_id), {
        "batch_id": str(batch_id), "unit": proposal.unit, "method": proposal.method.value, "reason": proposal.reason,
        "emergency": proposal.emergency, "emergency_reason": proposal.emergency_reason, "proposer": proposer,
        "item_count": len(eligible), "total_value_vnd": total,
        "deadline": proposal.deadline.isoformat() if proposal.deadline else None})
    return batch, [header, *chunked("disposal.items_proposed", batch_id, eligible)]


# --- the board -----------------------------------------------------------------------------------


def check_board(members: Sequence[str], quorum: int, rejections_to_reject: int) -> None:
    if len({canonical_user_id(m) for m in members}) != len(members):
        raise RuleViolation("board members must be distinct people", code="duplicate_member")
    if quorum > len(members) or rejections_to_reject > len(members):
        raise RuleViolation("quorum and rejection threshold cannot exceed the number of members",
                            code="quorum_exceeds_board")


def board_configured(unit: str, board: Mapping[str, Any]) -> Draft:
    return Draft("disposal.board_configured", f"board/{unit}", {"unit": unit, **board})


def check_voter(member: str, *, proposer: str, board_members: Iterable[str]) -> None:
    # People compared by canonical id: a board list typed "Member-2 " still names member-2, once.
    if canonical_user_id(member) == canonical_user_id(proposer):
        raise RuleViolation("the proposer never votes on its own batch", code="proposer_cannot_vote")
    if canonical_user_id(member) not in {canonical_user_id(m) for m in board_members}:
        raise RuleViolation("only members of the unit's board vote", code="not_a_board_member")


def outcome(approvals: int, rejections: int, *, quorum: int, rejections_to_reject: int) -> BatchStatus | None:
    """The decision the votes so far make, or None while the board is still out."""
    if rejections >= rejections_to_reject:
        return B.REJECTED
    if approvals >= quorum:
        return B.APPROVED
    return None


@dataclass(frozen=True)
class Vote:
    member: str
    decision: str  # approve | reject
    reason: str
    cast_at: datetime


@dataclass(frozen=True)
class Tally:
    """A vote counted: the moves it makes the batch take, in order (none while the board is still out)."""

    moves: tuple[BatchStatus, ...]
    status: BatchStatus
    approvals: list[str]
    rejections: list[str]


def check_voting_open(status: str, deadline: datetime | None, now: datetime) -> None:
    if status != BatchStatus.PROPOSED:
        raise Conflict(f"the batch is {status}: voting is closed", code="voting_closed")
    if deadline is not None and now > deadline:
        raise RuleViolation("the voting deadline has passed", code="deadline_passed")


def vote(batch: Mapping[str, Any], cast: Sequence[Vote], new: Vote, *, board_members: Iterable[str]
         ) -> tuple[Tally, list[Draft]]:
    """One member's vote on a proposed batch (`cast`: the votes before it) and the decision it completes.

    An approval moves the batch on to reserving at once: the caller adds the reservation requests."""
    batch_id: uuid.UUID = batch["batch_id"]
    check_voting_open(batch["status"], batch["deadline"], new.cast_at)
    check_voter(new.member, proposer=batch["proposer"], board_members=board_members)
    if any(canonical_user_id(v.member) == canonical_user_id(new.member) for v in cast):
        raise Conflict("this member has already voted on the batch", code="already_voted")
    subject = subject_of(batch_id)
    drafts = [Draft("disposal.vote_cast", subject, {"batch_id": str(batch_id), "member": new.member,
                                                    "decision": new.decision, "reason": new.reason,
                                                    "cast_at": new.cast_at.isoformat()})]
    ordered = sorted([*cast, new], key=lambda v: (v.cast_at, v.member))  # as the votes are listed
    approvals = [v.member for v in ordered if v.decision == "approve"]
    rejections = [v.member for v in ordered if v.decision == "reject"]
    quorum, rejections_to_reject = batch["quorum"], batch["rejections_to_reject"]
    decided = outcome(len(approvals), len(rejections), quorum=quorum, rejections_to_reject=rejections_to_reject)
    if decided is None:
        return Tally((), BatchStatus(batch["status"]), approvals, rejections), drafts
    guard(batch["status"], decided)
    drafts.append(Draft(f"disposal.batch_{decided.value}", subject, {
        "batch_id": str(batch_id), "approvals": approvals, "rejections": rejections, "quorum": quorum,
        "rejections_to_reject": rejections_to_reject}))
    moves = (decided,) if decided is B.REJECTED else (decided, B.RESERVING)
    return Tally(moves, moves[-1], approvals, rejections), drafts


def cancel(batch: Mapping[str, Any], reason: str) -> list[Draft]:
    guard(batch["status"], BatchStatus.CANCELLED)
    return [Draft("disposal.batch_cancelled", subject_of(batch["batch_id"]),
                  {"batch_id": str(batch["batch_id"]), "reason": reason})]


# --- reservations --------------------------------------------------------------------------------


def reservation_requests(batch_id: uuid.UUID, item_ids: Sequence[uuid.UUID]) -> list[Draft]:
    return chunked("disposal.reservation_requested", batch_id, item_ids)


def becomes_ready(status: str, pending: int) -> bool:
    """A reserving batch with no item left pending is ready (custody answered them all, or the board
    dropped the last unanswered one)."""
    return status == BatchStatus.RESERVING and pending == 0


def batch_ready(batch_id: uuid.UUID, counts: Mapping[str, int]) -> Draft:
    return Draft("disposal.batch_ready", subject_of(batch_id), {
        "batch_id": str(batch_id), "reserved": counts.get(Reservation.RESERVED, 0),
        "unavailable": counts.get(Reservation.UNAVAILABLE, 0)})


def drop(batch: Mapping[str, Any], reservation: str | None, *, live_items: int, item_id: uuid.UUID, reason: str,
         deferred: bool, by: str) -> list[Draft]:
    check_drop(batch["status"], reservation, live_items=live_items)
    return [Draft("disposal.item_dropped", subject_of(batch["batch_id"]), {
        "batch_id": str(batch["batch_id"]), "item_id": str(item_id), "reason": reason, "deferred": deferred,
        "dropped_by": by})]


# --- events ----------------------------------------------------------------------------------------


def subject_of(batch_id: uuid.UUID) -> str:
    return f"batch/{batch_id}"


def chunks(values: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def chunked(event_type: str, batch_id: uuid.UUID, item_ids: Sequence[uuid.UUID | str], **fields: Any
            ) -> list[Draft]:
    """Item lists travel in events of at most MAX_ITEMS_PER_EVENT ids, numbered."""
    parts = chunks(item_ids, MAX_ITEMS_PER_EVENT)
    subject, batch = subject_of(batch_id), str(batch_id)
    return [Draft(event_type, subject, {"batch_id": batch, **fields, "item_ids": [str(i) for i in part],
                                        "chunk": n, "chunks": len(parts)})
            for n, part in enumerate(parts, start=1)]
