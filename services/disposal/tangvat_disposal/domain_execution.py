"""Pure execution rules: what each method must state, the handover, the scan, the witnesses, the certificate.

Over plain values, like `domain`: the service loads the reserved items and who handled them, these
functions decide, the store saves what they return.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tangvat_disposal.domain import MAX_LISTED, BatchStatus, chunked, guard, subject_of
from tangvat_shared.auth import canonical_user_id
from tangvat_shared.draft import Draft
from tangvat_shared.errors import Conflict, InvalidInput, RuleViolation
from tangvat_shared.events.disposal import Method

# --- execution -----------------------------------------------------------------------------------

# What an execution must state, by method (the request's other fields are optional).
REQUIRED_BY_METHOD: dict[Method, tuple[str, ...]] = {
    Method.DESTROY: ("place", "destruction_method"),
    Method.AUCTION: ("proceeds_vnd", "buyer_reference"),
    Method.TRANSFER: ("receiving_agency", "acknowledgement_reference"),
    Method.RETURN: ("owner_name", "receipt_reference"),
}


def check_witnesses(witness_ids: Sequence[str], *, in_chain: Mapping[str, str],
                    previous_pair: Sequence[str] | None) -> None:
    """At least two distinct witnesses, none who handled a destroyed item, not the last destruction's pair.

    People are compared by their canonical ids: `"Staff-1 "` is `staff-1`, whoever typed it."""
    distinct = {canonical_user_id(w) for w in witness_ids}
    if len(distinct) < 2:
        raise RuleViolation("a destruction needs at least two distinct witnesses", code="too_few_witnesses")
    hits = {canonical_user_id(w): i for w, i in in_chain.items()}
    if hits:
        raise RuleViolation("a witness is in the chain of custody of a destroyed item",
                            code="witness_in_chain_of_custody",
                            details=[{"witness": w, "item_id": i} for w, i in sorted(hits.items())])
    # No pair of witnesses repeats from one destruction to the next (adding a third does not help).
    repeated = {canonical_user_id(w) for w in previous_pair or ()} & distinct
    if len(repeated) >= 2:
        raise RuleViolation("two witnesses of the previous destruction attend this one again",
                            code="same_witness_pair", details={"repeated": sorted(repeated)})


def witness_ids(witnesses: Iterable[Mapping[str, Any]]) -> list[str]:
    return [canonical_user_id(str(w["user_id"])) for w in witnesses]


def confirm_witness(batch: Mapping[str, Any], witness: Mapping[str, Any], *, confirmed: Iterable[str],
                    in_chain: str | None) -> tuple[dict[str, Any], list[Draft]]:
    """A witness confirms, from their own session, attending a ready destruction. `witness`: user_id (the
    session's), name, organisation; `confirmed`: who already did; `in_chain`: an item they handled, if any.
    Returns the witness as kept (canonical id) and the event."""
    if batch["status"] != BatchStatus.READY:
        raise Conflict(f"the batch is {batch['status']}, witnesses confirm a ready batch's destruction",
                       code="not_ready")
    if batch["method"] != Method.DESTROY:
        raise RuleViolation("only a destruction is witnessed", code="no_witnesses_needed")
    kept = {"user_id": canonical_user_id(str(witness["user_id"])), "name": witness["name"],
            "organisation": witness.get("organisation")}
    if not kept["user_id"]:
        raise InvalidInput("a witness needs an id", code="invalid_input")
    if kept["user_id"] in {canonical_user_id(c) for c in confirmed}:
        raise Conflict("this witness has already confirmed", code="already_witnessed")
    if in_chain is not None:
        raise RuleViolation("a witness is in the chain of custody of a destroyed item",
                            code="witness_in_chain_of_custody",
                            details=[{"witness": kept["user_id"], "item_id": in_chain}])
    batch_id: uuid.UUID = batch["batch_id"]
    return kept, [Draft("disposal.execution_witnessed", subject_of(batch_id),
                        {"batch_id": str(batch_id), "witness": kept})]


def withdraw_witness(batch: Mapping[str, Any], user_id: str, *, confirmed: Iterable[str]) -> tuple[str, list[Draft]]:
    """A witness who confirmed by mistake withdraws, from their own session, while the destruction is not yet
    recorded (after that the record stands: 409). Returns the canonical id to remove and the event."""
    if batch["status"] != BatchStatus.READY:
        raise Conflict(f"the batch is {batch['status']}, a witness withdraws only before the execution is recorded",
                       code="not_ready")
    who = canonical_user_id(user_id)
    if who not in {canonical_user_id(c) for c in confirmed}:
        raise Conflict("this person has not confirmed as a witness of the batch", code="not_a_witness")
    batch_id: uuid.UUID = batch["batch_id"]
    return who, [Draft("disposal.witness_withdrawn", subject_of(batch_id), {"batch_id": str(batch_id), "user_id": who})]


def check_recorder(recorder: str, witnesses: Iterable[str]) -> None:
    """Whoever records a destruction is not one of its witnesses: the record attests that two people other
    than its author saw it happen. Refused rather than silently not counted, so the certificate never lists a
    witness the recorder believed counted (they withdraw, or another member records)."""
    if canonical_user_id(recorder) in {canonical_user_id(w) for w in witnesses}:
        raise RuleViolation("the person recording the destruction is one of its witnesses", code="recorder_is_witness",
                            details={"recorder": canonical_user_id(recorder)})


# An execution's date is a local date: it may run ahead of UTC by the widest time zone (UTC+14) and a
# little clock skew, never more; and nothing is executed before the board approved it (the approval's
# local date may be behind UTC by up to 12 hours).
AHEAD_OF_UTC = timedelta(hours=14, minutes=5)
BEHIND_UTC = timedelta(hours=12)


def check_executed_on(executed_on: date, *, approved_at: datetime | None, now: datetime) -> None:
    if executed_on > (now + AHEAD_OF_UTC).date():
        raise RuleViolation(f"the execution date {executed_on} is in the future", code="executed_in_future")
    if approved_at is None or executed_on < (approved_at - BEHIND_UTC).date():
        raise RuleViolation(f"the execution date {executed_on} is before the board's approval",
                            code="executed_before_approval")


def check_execution_fields(method: Method, execution: Mapping[str, Any]) -> None:
    missing = [f for f in REQUIRED_BY_METHOD[method] if execution.get(f) is None]
    if missing:
        raise InvalidInput(f"a {method.value} needs {', '.join(missing)}", code="missing_fields",
                           details=[{"loc": ["body", f], "message": "required for this method"} for f in missing])


def check_handed_over(reserved: Sequence[uuid.UUID], not_handed_over: Sequence[uuid.UUID]) -> None:
    if not reserved:
        raise RuleViolation("custody reserved none of the batch's items", code="nothing_reserved")
    if not_handed_over:
        # Custody's staff release the goods (two people above the value threshold) before anything
        # is destroyed, sold or given away.
        raise Conflict(f"{len(not_handed_over)} reserved item(s) have not been handed over by custody yet",
                       code="not_handed_over", details={"item_ids": [str(i) for i in not_handed_over[:MAX_LISTED]],
                                                        "not_handed_over": len(not_handed_over)})


def check_confirmation(confirmed: Iterable[uuid.UUID] | None, reserved: Iterable[uuid.UUID]) -> None:
    """Per-item confirmation by scan, when given, names exactly the reserved items."""
    if confirmed is None:
        return
    scanned, expected = set(confirmed), set(reserved)
    if scanned != expected:
        raise RuleViolation("the scanned items are not the reserved items", code="confirmation_mismatch",
                            details={"not_scanned": sorted(str(i) for i in expected - scanned)[:MAX_LISTED],
                                     "not_reserved": sorted(str(i) for i in scanned - expected)[:MAX_LISTED]})


@dataclass(frozen=True)
class Execution:
    record: dict[str, Any]  # what `disposal.batch_executed` says and the batch keeps
    witness_pair: list[str] | None  # a destruction's witnesses, whom the unit's next one may not repeat


def execute(batch: Mapping[str, Any], execution: Mapping[str, Any], *, confirmed: Iterable[uuid.UUID] | None,
            reserved: Sequence[uuid.UUID], not_handed_over: Sequence[uuid.UUID],
            witnessed: Sequence[Mapping[str, Any]], in_chain: Mapping[str, str], previous_pair: Sequence[str] | None,
            recorder: str, now: datetime) -> tuple[Execution, list[Draft]]:
    """Execute a ready batch's reserved items. `execution`: the request's fields as JSON (without the scan),
    `witnessed`: the witnesses who confirmed from their own sessions, `in_chain`: those of them who handled one
    of the items (looked up for destructions only), `recorder`: who records it (the session's id);
    `batch["decided_at"]` is the board's approval."""
    guard(batch["status"], BatchStatus.EXECUTED)
    method = Method(batch["method"])
    check_execution_fields(method, execution)
    check_executed_on(date.fromisoformat(str(execution["executed_on"])), approved_at=batch.get("decided_at"),
                      now=now)
    check_handed_over(reserved, not_handed_over)
    check_confirmation(confirmed, reserved)
    witnesses = witness_ids(witnessed)
    if method is Method.DESTROY:
        if not execution.get("evidence"):
            raise RuleViolation("a destruction needs evidence (photos, video) by SHA-256", code="evidence_required")
        check_recorder(recorder, witnesses)
        check_witnesses(witnesses, in_chain=in_chain, previous_pair=previous_pair)
    batch_id: uuid.UUID = batch["batch_id"]
    record = {"batch_id": str(batch_id), "method": method.value, "item_count": len(reserved), **execution,
              "witnesses": [dict(w) for w in witnessed] if method is Method.DESTROY else []}
    destruction = execution.get("destruction_method")
    described = f"{method.value}/{destruction}" if destruction else method.value
    outcome = "released" if method is Method.RETURN else "disposed"
    drafts = [Draft("disposal.batch_executed", subject_of(batch_id), record),
              *chunked("disposal.items_executed", batch_id, reserved, method=described, outcome=outcome)]
    return Execution(record, witnesses if method is Method.DESTROY else None), drafts


def check_certificate(method: str, status: str) -> None:
    if method != Method.DESTROY or status != BatchStatus.EXECUTED:
        raise Conflict("a destruction certificate exists only for an executed destruction",
                       code="not_an_executed_destruction")
