"""Custody's pure rules: decide(item, command) -> events, every one checked by the shared table."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tangvat_shared.auth import canonical_user_id
from tangvat_shared.draft import Draft
from tangvat_shared.errors import Conflict, NotFound, RuleViolation
from tangvat_shared.events.custody import DiscrepancyKind, UnavailableReason
from tangvat_shared.transitions import TERMINAL, ItemState, ItemStatus, Place, guard, place_after, transition_for


def item_subject(item_id: uuid.UUID) -> str:
    return f"item/{item_id}"


# --- the answers for an id nobody knows: also those for one kept outside the caller's warehouses ---------------


def unknown_item(item_id: uuid.UUID | str) -> NotFound:
    return NotFound(f"item {item_id} is not known to custody", code="unknown_item")


def unknown_location(code: str) -> NotFound:
    return NotFound(f"location {code} not found", code="unknown_location")


def unknown_container(code: str) -> NotFound:
    return NotFound(f"container {code} not found", code="unknown_container")


def unknown_transfer(transfer_id: uuid.UUID) -> NotFound:
    return NotFound(f"transfer {transfer_id} not found", code="unknown_transfer")


def unknown_count(count_id: uuid.UUID) -> NotFound:
    return NotFound(f"count {count_id} not found", code="unknown_count")


def unknown_approval(approval_id: uuid.UUID) -> NotFound:
    return NotFound(f"approval {approval_id} not found", code="unknown_approval")


def status_of(item: Mapping[str, Any]) -> ItemStatus:
    return ItemStatus(ItemState(item["state"]), bool(item["on_hold"]))


def item_event(item: Mapping[str, Any], event_type: str, **data: Any) -> tuple[ItemStatus, Draft]:
    """Guard `event_type` against the item's status; the new status and the event.

    The event names where the item lies after it whenever the table says it changes: given by the
    command when it puts the item on a shelf, None when it leaves our shelves, and the shelf it left
    when it returns (`decide` and the store write the same)."""
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


# --- decisions about one item: the row's new values and the event, from the transition table ----------------


@dataclass(frozen=True)
class ItemDecision:
    """What a command decided for one item: the state it leaves the item in (None: unchanged), the other
    columns it writes (where the item lies as the table's `Place` says, and the command's own), the event, and
    the discrepancies found on the way (their rows are saved beside the events)."""

    item_id: uuid.UUID
    state: ItemState | None
    fields: Mapping[str, Any]
    event: Draft
    discrepancies: tuple[Draft, ...] = ()

    @property
    def drafts(self) -> list[Draft]:
        return [self.event, *self.discrepancies]


def decide(item: Mapping[str, Any], event_type: str, fields: Mapping[str, Any] | None = None, **data: Any
           ) -> ItemDecision:
    """`event_type` on the item, guarded by the shared table: the new state and location it writes (the
    same as the event says: `item_event`), with the command's own `fields`."""
    after, draft = item_event(item, event_type, **data)
    place = transition_for(event_type).place
    row: dict[str, Any] = {}
    if place is not Place.KEEPS:
        row["location_code"], shelf = place_after(place, draft.data, item["location_code"], item.get("shelf_code"))
        if place is Place.CLEARS:  # off our shelves and out of any container; the shelf it left kept to return to
            row.update(shelf_code=shelf, container_id=None)
    state = after.state if after.state is not None and after.state != item["state"] else None
    return ItemDecision(item["item_id"], state, {**row, **(fields or {})}, draft)


def check_in(item: Mapping[str, Any], location: Mapping[str, Any], *, quantity_counted: int, condition: str,
             seal_intact: bool, note: str | None, now: datetime, deliverer: str | None = None,
             photos: list[dict[str, Any]] | None = None) -> ItemDecision:
    """Receipt: the item goes on a shelf; every difference from the seizure record is recorded. Who delivered
    it and the photos taken (`domain_photos.receipt_photos`) go into the event when given."""
    require_same_warehouse(item, location)
    evidence: dict[str, Any] = {}
    if deliverer is not None:
        evidence["deliverer"] = deliverer
    if photos:
        evidence["photos"] = photos
    received = decide(
        item, "custody.item_received", {"received_at": now, **({"deliverer": deliverer} if deliverer else {})},
        warehouse_id=item["warehouse_id"], location_code=location["location_code"],
        quantity_expected=item["quantity"], quantity_counted=quantity_counted, condition=condition,
        seal_intact=seal_intact, **evidence,
    )
    differences: list[tuple[DiscrepancyKind, Any, Any]] = []
    if quantity_counted != item["quantity"]:
        differences.append((DiscrepancyKind.QUANTITY, item["quantity"], quantity_counted))
    if condition != item["condition"]:
        differences.append((DiscrepancyKind.CONDITION, item["condition"], condition))
    if not seal_intact:
        differences.append((DiscrepancyKind.SEAL_BROKEN, True, False))
    found = tuple(discrepancy(item, kind, expected, observed, "receipt", None, note)
                  for kind, expected, observed in differences)
    return replace(received, discrepancies=found)


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


def move(item: Mapping[str, Any], location: Mapping[str, Any], container_id: uuid.UUID | None = None
         ) -> ItemDecision:
    """An item onto another shelf: alone (never out of its container), or with its container."""
    require_same_warehouse(item, location)
    if item["location_code"] == location["location_code"]:
        raise Conflict(f"item is already at {location['location_code']}", code="already_there")
    if item["container_id"] is not None and container_id is None:
        raise Conflict("item is packed in a container: move the container or unpack it first", code="in_container")
    return decide(item, "custody.item_moved", warehouse_id=item["warehouse_id"],
                  from_location_code=item["location_code"], location_code=location["location_code"],
                  container_id=container_id)


def move_container(container: Mapping[str, Any], location: Mapping[str, Any], packed: list[dict[str, Any]],
                   open_counts: list[dict[str, Any]], scope: set[str]) -> list[ItemDecision]:
    """A container onto another shelf of its warehouse, not in or out of a location being counted, moves every
    item in it not already there: one event per item keeps each item's trail whole."""
    if container["warehouse_id"] != location["warehouse_id"]:
        raise Conflict("the container is in another warehouse", code="wrong_warehouse")
    require_not_counted(location["warehouse_id"], open_counts, scope)
    return [move(item, location, container["container_id"]) for item in packed
            if item["location_code"] != location["location_code"]]


def require_not_counted(warehouse_id: str, open_counts: list[dict[str, Any]], scope: set[str]) -> None:
    """A move in or out of a location under an open inventory count would falsify the count: refused until the
    count closes. `scope` is the locations the move touches and every location above them; a count of the whole
    warehouse (no location) freezes every move in it."""
    for count in open_counts:
        if count["location_code"] is None or count["location_code"] in scope:
            where = count["location_code"] or f"warehouse {warehouse_id}"
            raise Conflict(f"{where} is being counted (count {count['count_id']}): no moves in or out until it "
                           "closes", code="count_in_progress",
                           details={"count_id": str(count["count_id"]), "location_code": count["location_code"]})


# --- places: the location hierarchy, containers, packing --------------------------------------------------

LOCATION_KINDS = ("zone", "shelf", "bin")  # outermost first: a location lies inside one of an earlier kind


def location_placement(warehouse_id: str, kind: str, parent: Mapping[str, Any] | None) -> None:
    """Where a new location may go: a zone stands alone, a shelf in a zone, a bin in a shelf or zone, all
    inside its own warehouse."""
    if parent is None:
        if kind != LOCATION_KINDS[0]:
            raise RuleViolation("only a zone may have no parent", code="bad_hierarchy")
        return
    if parent["warehouse_id"] != warehouse_id:
        raise RuleViolation("the parent location is in another warehouse", code="wrong_warehouse")
    if LOCATION_KINDS.index(parent["kind"]) >= LOCATION_KINDS.index(kind):
        raise RuleViolation(f"a {kind} cannot be inside a {parent['kind']}", code="bad_hierarchy")


def require_location_in(warehouse_id: str, location: Mapping[str, Any] | None) -> None:
    """A container standing, or a count held, at a location of the warehouse it belongs to."""
    if location is not None and location["warehouse_id"] != warehouse_id:
        raise RuleViolation("the location is in another warehouse", code="wrong_warehouse")


def pack(item: Mapping[str, Any], container: Mapping[str, Any]) -> ItemDecision:
    """Into a container of its warehouse; the item then lies where the container stands (or stays put)."""
    if item["warehouse_id"] != container["warehouse_id"]:
        raise Conflict("item and container are in different warehouses", code="wrong_warehouse")
    if item["container_id"] is not None:
        raise Conflict(f"item {item['item_id']} is already packed", code="already_packed")
    where = container["location_code"] or item["location_code"]
    return decide(item, "custody.item_packed", {"container_id": container["container_id"]},
                  warehouse_id=item["warehouse_id"], container_id=container["container_id"], location_code=where)


def unpack(item: Mapping[str, Any], container: Mapping[str, Any]) -> ItemDecision:
    if item["container_id"] != container["container_id"]:
        raise Conflict(f"item {item['item_id']} is not in container {container['container_code']}",
                       code="not_in_container")
    return decide(item, "custody.item_unpacked", {"container_id": None}, warehouse_id=item["warehouse_id"],
                  container_id=container["container_id"], location_code=item["location_code"])


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
    # One person by any spelling of their id (case, surrounding whitespace) is still one person.
    if canonical_user_id(requested_by) == canonical_user_id(confirming):
        raise RuleViolation("the second confirmation must come from a different person", code="two_person_rule")


def count_report(expected: Mapping[uuid.UUID, str | None], scanned: Mapping[uuid.UUID, str | None]) -> dict[str, Any]:
    """Expected vs found vs unexpected vs missing, item ids as strings, sorted."""
    found = sorted(str(i) for i in expected if i in scanned)
    unexpected = sorted(str(i) for i in scanned if i not in expected)
    missing = sorted(str(i) for i in expected if i not in scanned)
    return {"expected": len(expected), "found": found, "unexpected": unexpected, "missing": missing}


@dataclass(frozen=True)
class CountClosure:
    """What closing a count decides: its report, the items flagged missing or found again, the discrepancies
    (scanned where not expected) and the closing event."""

    report: dict[str, Any]
    decisions: list[ItemDecision]
    discrepancies: list[Draft]
    drafts: list[Draft]  # every event in the order decided: missing, found again or unexpected, closed


def require_countable(count: Mapping[str, Any], item_id: uuid.UUID, item: Mapping[str, Any] | None) -> None:
    """`unknown_item` for a scan of an item custody does not know or another warehouse keeps: a count holds only
    its own warehouse's items (staff of warehouse B neither put A's items into B's count nor write discrepancies
    into A's list), and both answers are the same (no oracle for where an item is kept)."""
    if item is None or item["warehouse_id"] != count["warehouse_id"]:
        raise unknown_item(item_id)


def close_count(count: Mapping[str, Any], expected: Mapping[uuid.UUID, str | None],
                scans: Mapping[uuid.UUID, str | None], items: Mapping[uuid.UUID, Mapping[str, Any]]
                ) -> CountClosure:
    """Classify a count's items as it closes. `items` holds the items expected but not scanned and those
    scanned but not expected, as they are now:
    - expected, not scanned: flagged missing, unless it left the shelves during the count (checked out,
      dispatched: the table refuses `item_missing` in its state) — then it "left during the count";
    - scanned, not expected, missing from this warehouse, scanned at a location: found again, put where scanned;
    - any other unexpected item not disposed of or released: a discrepancy (expected where it lies, observed
      where scanned)."""
    count_id = count["count_id"]
    report = count_report(expected, scans)
    decisions: list[ItemDecision] = []
    flagged: list[str] = []
    left: list[str] = []
    for item_id in report["missing"]:
        item = items.get(uuid.UUID(item_id))
        if item is None:
            continue
        try:
            decisions.append(decide(item, "custody.item_missing", {"batch_id": None},
                                    warehouse_id=item["warehouse_id"], context="count", reference_id=count_id,
                                    last_location_code=item["location_code"]))
        except Conflict:
            left.append(item_id)
            continue
        flagged.append(item_id)
    found_again: list[str] = []
    discrepancies: list[Draft] = []
    drafts = [d.event for d in decisions]
    for item_id in report["unexpected"]:
        item = items.get(uuid.UUID(item_id))
        if item is None:
            continue
        where = scans[item["item_id"]]
        state = ItemState(item["state"])
        if state is ItemState.MISSING and item["warehouse_id"] == count["warehouse_id"] and where:
            decisions.append(decide(item, "custody.item_found", warehouse_id=item["warehouse_id"],
                                    reference_id=count_id, location_code=where))
            drafts.append(decisions[-1].event)
            found_again.append(item_id)
        elif state not in TERMINAL:
            discrepancies.append(discrepancy(item, DiscrepancyKind.UNEXPECTED, item["location_code"], where,
                                             "count", count_id))
            drafts.append(discrepancies[-1])
    report.update(flagged_missing=flagged, left_during_count=left, found_again=found_again)
    closed = Draft("custody.count_closed", f"count/{count_id}", {
        "count_id": str(count_id), "warehouse_id": count["warehouse_id"], "location_code": count["location_code"],
        "expected": report["expected"], "found": len(report["found"]), "unexpected": len(report["unexpected"]),
        "missing": len(report["missing"])})
    return CountClosure(report, decisions, discrepancies, [*drafts, closed])
