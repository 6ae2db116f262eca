"""Custody's pure rules: decide(item, command) -> events, every one checked by the shared table."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tangvat_shared.draft import Draft
from tangvat_shared.errors import Conflict, RuleViolation
from tangvat_shared.events.custody import DiscrepancyKind, UnavailableReason
from tangvat_shared.transitions import ItemState, ItemStatus, Place, guard, place_after, transition_for


def item_subject(item_id: uuid.UUID) -> str:
    return f"item/{item_id}"


def status_of(item: Mapping[str, Any]) -> ItemStatus:
    return ItemStatus(ItemState(item["state"]), bool(item["on_hold"]))


def item_event(item: Mapping[str, Any], event_type: str, **data: Any) -> tuple[ItemStatus, Draft]:
    """Guard `event_type` against the item's status; the new status and the event.

    The event names where the item lies after it whenever the table says it changes: given by the
    command when it puts the item on a shelf, None when it leaves our shelves, and the shelf it left
    when it returns (`store.project` writes the same)."""
    after = guard(event_type, status_of(item))
    payload = {"item_id": str(item["item_id"]), **{k: json_value(v) for k, v in data.items()}}
    place = transition_for(event_type).place
    if place is Place.SETS and "location_code" not in payload:
        raise ValueError(f"{event_type} puts the item on a shelf: it must name it")
    if place is Place.CLEARS or place is Place.RETURNS:
        payload["location_code"] = place_after(place, payload, item["location_code"], item.get("shelf_code"))[0]
    return after, Draft(event_type, item_subject(item["item_id"]), payload)


def json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value


def require_same_warehouse(item: Mapping[str, Any], location: Mapping[str, Any]) -> None:
    if item["warehouse_id"] != location["warehouse_id"]:
        raise Conflict(
            f"item belongs to warehouse {item['warehouse_id']}, location is in {location['warehouse_id']}",
            code="wrong_warehouse",
        )


def check_in(item: Mapping[str, Any], location: Mapping[str, Any], *, quantity_counted: int, condition: str,
             seal_intact: bool, note: str | None) -> list[Draft]:
    """Receipt: the item goes on a shelf; every difference from the seizure record is recorded."""
    require_same_warehouse(item, location)
    _, received = item_event(
        item, "custody.item_received", warehouse_id=item["warehouse_id"], location_code=location["location_code"],
        quantity_expected=item["quantity"], quantity_counted=quantity_counted, condition=condition,
        seal_intact=seal_intact,
    )
    drafts = [received]
    differences: list[tuple[DiscrepancyKind, Any, Any]] = []
    if quantity_counted != item["quantity"]:
        differences.append((DiscrepancyKind.QUANTITY, item["quantity"], quantity_counted))
    if condition != item["condition"]:
        differences.append((DiscrepancyKind.CONDITION, item["condition"], condition))
    if not seal_intact:
        differences.append((DiscrepancyKind.SEAL_BROKEN, True, False))
    for kind, expected, observed in differences:
        drafts.append(discrepancy(item, kind, expected, observed, "receipt", None, note))
    return drafts


def discrepancy_row(draft: Draft, recorded_by: str, now: datetime) -> tuple[Any, ...]:
    """The warehouse's discrepancy row for a `custody.discrepancy_recorded` draft (store.insert_discrepancies)."""
    if draft.type != "custody.discrepancy_recorded":
        raise ValueError(f"{draft.type} is not a discrepancy")
    d = draft.data
    return (uuid.UUID(d["item_id"]), d["warehouse_id"], d["kind"], d["expected"], d["observed"], d["context"],
            uuid.UUID(d["reference_id"]) if d.get("reference_id") else None, d.get("note"), recorded_by, now)


def discrepancy(item: Mapping[str, Any], kind: DiscrepancyKind, expected: Any, observed: Any, context: str,
                reference_id: uuid.UUID | None, note: str | None = None) -> Draft:
    _, draft = item_event(item, "custody.discrepancy_recorded", warehouse_id=item["warehouse_id"], kind=kind,
                          expected=expected, observed=observed, context=context, reference_id=reference_id,
                          note=note)
    return draft


def move(item: Mapping[str, Any], location: Mapping[str, Any], container_id: uuid.UUID | None = None) -> Draft:
    require_same_warehouse(item, location)
    if item["location_code"] == location["location_code"]:
        raise Conflict(f"item is already at {location['location_code']}", code="already_there")
    if item["container_id"] is not None and container_id is None:
        raise Conflict("item is packed in a container: move the container or unpack it first", code="in_container")
    _, draft = item_event(item, "custody.item_moved", warehouse_id=item["warehouse_id"],
                          from_location_code=item["location_code"], location_code=location["location_code"],
                          container_id=container_id)
    return draft


def unavailable_reason(item: Mapping[str, Any] | None) -> UnavailableReason | None:
    """Why an item cannot be reserved for disposal, or None if it can (an item already held for the
    asking batch is answered before this is asked)."""
    if item is None:
        return UnavailableReason.UNKNOWN_ITEM
    if item["on_hold"]:
        return UnavailableReason.ON_HOLD
    state = ItemState(item["state"])
    return {
        ItemState.IN_STORAGE: None,
        ItemState.CHECKED_OUT: UnavailableReason.CHECKED_OUT,
        ItemState.IN_TRANSIT: UnavailableReason.IN_TRANSIT,
        ItemState.MISSING: UnavailableReason.MISSING,
        ItemState.RESERVED_FOR_DISPOSAL: UnavailableReason.RESERVED_FOR_ANOTHER_BATCH,
        ItemState.HANDED_OVER: UnavailableReason.RESERVED_FOR_ANOTHER_BATCH,
    }.get(state, UnavailableReason.NOT_IN_STORAGE)


def needs_second_person(value_vnd: int, threshold_vnd: int) -> bool:
    return value_vnd > threshold_vnd


def require_second_person(requested_by: str, confirming: str) -> None:
    if requested_by == confirming:
        raise RuleViolation("the second confirmation must come from a different person", code="two_person_rule")


def count_report(expected: Mapping[uuid.UUID, str | None], scanned: Mapping[uuid.UUID, str | None]) -> dict[str, Any]:
    """Expected vs found vs unexpected vs missing, item ids as strings, sorted."""
    found = sorted(str(i) for i in expected if i in scanned)
    unexpected = sorted(str(i) for i in scanned if i not in expected)
    missing = sorted(str(i) for i in expected if i not in scanned)
    return {"expected": len(expected), "found": found, "unexpected": unexpected, "missing": missing}
