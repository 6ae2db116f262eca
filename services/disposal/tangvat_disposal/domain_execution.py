"""Pure execution rules: what each method must state, the handover, the scan, the witnesses, the certificate.

Over plain values, like `domain`: the service loads the reserved items and who handled them, these
functions decide, the store saves what they return.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tangvat_disposal.domain import MAX_LISTED, BatchStatus, chunked, guard, subject_of
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


def witness_ids(execution: Mapping[str, Any]) -> list[str]:
    return [str(w["user_id"]) for w in execution.get("witnesses") or ()]


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
            reserved: Sequence[uuid.UUID], not_handed_over: Sequence[uuid.UUID], in_chain: Mapping[str, str],
            previous_pair: Sequence[str] | None) -> tuple[Execution, list[Draft]]:
    """Execute a ready batch's reserved items. `execution`: the request's fields as JSON (without the scan),
    `in_chain`: the witnesses who handled one of the items (looked up for destructions only)."""
    guard(batch["status"], BatchStatus.EXECUTED)
    method = Method(batch["method"])
    check_execution_fields(method, execution)
    check_handed_over(reserved, not_handed_over)
    check_confirmation(confirmed, reserved)
    witnesses = witness_ids(execution)
    if method is Method.DESTROY:
        if not execution.get("evidence"):
            raise RuleViolation("a destruction needs evidence (photos, video) by SHA-256", code="evidence_required")
        check_witnesses(witnesses, in_chain=in_chain, previous_pair=previous_pair)
    batch_id: uuid.UUID = batch["batch_id"]
    record = {"batch_id": str(batch_id), "method": method.value, "item_count": len(reserved), **execution}
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
