"""Pure rules of a release order carried out at the counter: the return task's deadline and the hand-back.

A release order (intake's legal status `release_ordered`) sends the seizure's goods back to their owner with no
board vote; Vietnamese practice gives the warehouse 5 working days from the order, and four-party minutes at the
counter. Custody returns only what lies on its shelves, in the warehouse the staff act for, not on hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tangvat_custody.domain_flows import Decided
from tangvat_shared.errors import Conflict, NotFound, RuleViolation
from tangvat_shared.events.custody import OwnerIdType
from tangvat_shared.workdays import Calendar, add_working_days, working_days_between

RETURN_WORKING_DAYS = 5


def release_order(legal: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The seizure's release order (intake's decision as recorded), or the refusal: no order, no return."""
    if legal is None or legal["status"] != "release_ordered":
        raise RuleViolation("the seizure has no release order: its goods cannot be handed back",
                            code="no_release_order")
    decision: Mapping[str, Any] = legal["decision"]
    return decision


def due_on(decision: Mapping[str, Any], cal: Calendar) -> date:
    """The last day of the return: 5 working days after the order's date."""
    return add_working_days(date.fromisoformat(str(decision["decided_on"])), RETURN_WORKING_DAYS, cal)


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def check_signature(png: bytes | None) -> None:
    """The owner's signature, when given, is the pad's PNG (what the minutes draw), nothing else."""
    if png is not None and not png.startswith(PNG_MAGIC):
        raise RuleViolation("the owner's signature must be a PNG image", code="signature_not_png")


@dataclass(frozen=True)
class OwnerReturn:
    """What the staff record at the counter."""

    seizure_id: uuid.UUID
    warehouse_id: str
    item_ids: Sequence[uuid.UUID]
    owner_name: str
    id_type: OwnerIdType
    id_number: str
    signature_sha256: str | None = None


def return_to_owner(request: OwnerReturn, legal: Mapping[str, Any] | None,
                    items: Mapping[uuid.UUID, Mapping[str, Any]], *, return_id: uuid.UUID, cal: Calendar,
                    today: date) -> tuple[Decided, date, bool]:
    """The items handed back (`items`: those of the caller's warehouses, locked), the deadline and whether the
    return is late; or the rule the hand-back breaks (the transition table refuses an item off its shelf or on
    hold, in words of its state)."""
    decision = release_order(legal)
    unknown = [str(i) for i in request.item_ids if i not in items]
    if unknown:
        raise NotFound(f"{len(unknown)} item(s) unknown", code="unknown_item", details=unknown[:100])
    if len(set(request.item_ids)) != len(request.item_ids):
        raise RuleViolation("an item is listed twice", code="duplicate_item")
    due = due_on(decision, cal)
    late = today > due
    decided = Decided()
    for item_id in request.item_ids:
        item = items[item_id]
        if item["seizure_id"] != request.seizure_id:
            raise RuleViolation(f"item {item_id} is not of this seizure", code="item_not_in_seizure",
                                details={"item_id": str(item_id)})
        if item["warehouse_id"] != request.warehouse_id:
            raise Conflict(f"item {item_id} is kept in {item['warehouse_id']}", code="wrong_warehouse")
        decided.item(item, "custody.item_returned_to_owner", seizure_id=request.seizure_id, return_id=return_id,
                     warehouse_id=request.warehouse_id, decision_number=decision["decision_number"],
                     owner_name=request.owner_name, id_type=request.id_type, id_number=request.id_number,
                     signature_sha256=request.signature_sha256, due_on=due, late=late)
    return decided, due, late


def task(decision: Mapping[str, Any], cal: Calendar, today: date) -> dict[str, Any]:
    """A return task's deadline as the counter shows it: the day, working days left (negative: late)."""
    due = due_on(decision, cal)
    left = working_days_between(today, due, cal) if due >= today else -working_days_between(due, today, cal)
    return {"due_on": due, "working_days_left": left, "overdue": today > due}
