"""Replaying the three streams into every item's lifecycle, with the shared transition table.

Pure: it is fed wire events (dicts) and produces findings and state; it never touches a
database or a broker. Within a stream events are folded in sequence order (each service is the
single writer of its stream); checks that cross streams run once everything is folded, so
they do not depend on how the streams interleave.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tangvat_audit.findings import Finding
from tangvat_shared.errors import DomainError
from tangvat_shared.transitions import TRANSITIONS, ItemState, ItemStatus, Place, guard, place_after

NOT_IN_CUSTODY = "registered_not_in_custody"
_SETS, _KEEPS = Place.SETS, Place.KEEPS
UNTRACKED = ItemStatus(None)  # immutable, so every new item can share it


@dataclass(slots=True)
class Step:
    time: str
    stream: str
    sequence: int
    type: str
    actor: str
    event_id: str
    location_code: str | None = None


@dataclass(slots=True)
class ItemLife:
    item_id: str
    seizure_id: str | None = None
    category: str | None = None
    quantity: int = 0
    value_vnd: int = 0
    registered: int = 0  # intake registrations seen (exactly one is right)
    status: ItemStatus = UNTRACKED
    location_code: str | None = None
    warehouse_id: str | None = None
    holders: set[str] = field(default_factory=set)  # everyone in its chain of custody
    batch_id: str | None = None  # the disposal batch custody holds it for (reserved, handed over, executed)
    steps: list[Step] = field(default_factory=list)
    shelf: str | None = None  # the last shelf it left: where a released reservation puts it back

    @property
    def state(self) -> str:
        return self.status.state.value if self.status.state else NOT_IN_CUSTODY


@dataclass
class Batch:
    batch_id: str
    reservation_requested: set[str] = field(default_factory=set)
    executed: dict[str, str] = field(default_factory=dict)  # item -> disposed | released
    dropped: set[str] = field(default_factory=set)  # items the board took out before execution
    cancelled: bool = False
    types: Counter[str] = field(default_factory=Counter)
    proposed: set[str] = field(default_factory=set)  # the items its proposal listed
    declared: dict[str, Any] = field(default_factory=dict)  # the proposal's item_count and total_value_vnd

    @property
    def status(self) -> str | None:
        """The batch's status as disposal's record of it must say, from the events it published."""
        return next((status for kind, status in _BATCH_STATUS if self.types[kind]), None)


# The event that puts a batch in each status, the later status first (approval reserves at once).
_BATCH_STATUS = (("disposal.batch_cancelled", "cancelled"), ("disposal.batch_executed", "executed"),
                 ("disposal.batch_ready", "ready"), ("disposal.batch_approved", "reserving"),
                 ("disposal.batch_rejected", "rejected"), ("disposal.batch_proposed", "proposed"))


def _whole_numbers(*values: Any) -> bool:
    """Quantities and VND amounts are integers on the wire (never floats, strings or booleans)."""
    return all(type(v) is int for v in values)


def _sequence_of(wire: dict[str, Any]) -> Any:
    return wire.get("sequence") or 0


class Ledger:
    def __init__(self) -> None:
        self.items: dict[str, ItemLife] = {}
        self.seizures: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, Batch] = {}
        self.findings: list[Finding] = []
        self.events_seen: Counter[str] = Counter()
        # Every reservation custody released: (item, batch, the release's wire event); its cause is
        # checked in finish(), once the disposal stream is folded too.
        self.releases: list[tuple[str, Any, dict[str, Any]]] = []

    def _item(self, item_id: str) -> ItemLife:
        life = self.items.get(item_id)
        if life is None:
            life = self.items[item_id] = ItemLife(item_id)
        return life

    def _finding(self, kind: str, wire: dict[str, Any], detail: str) -> None:
        self.findings.append(Finding(kind, str(wire.get("source")), detail, wire.get("sequence"), wire.get("id"),
                                     wire.get("subject")))

    def apply_stream(self, stream: str, events: Iterable[dict[str, Any]], in_order: bool = False) -> None:
        """Fold one stream's events (any order; each sequence once) into the ledger.

        `in_order`: the caller already sorted them by sequence (the audit's verified stream is),
        so the per-event sort key is not computed again, and `events` is walked once as given
        (it may hand each event over and let go of it: see audit._handed_over).
        """
        ordered = events if in_order else sorted(events, key=_sequence_of)
        handler = {"intake": self._intake, "custody": self._custody, "disposal": self._disposal,
                   "audit": self._audit}.get(stream)
        folded = 0
        if handler is None:
            for wire in ordered:
                folded += 1
                self._finding("unknown_stream", wire, f"no rules for stream {stream}")
        else:
            for wire in ordered:
                folded += 1
                if not isinstance(wire.get("data"), dict):
                    # A hash that matches proves who wrote it, not that it is well formed.
                    self._finding("malformed", wire, f"{wire.get('type')}: data is not an object")
                    continue
                try:
                    handler(wire)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    self._finding("malformed", wire, f"{wire.get('type')}: {exc!r}")
        self.events_seen[stream] += folded

    def _step(self, life: ItemLife, wire: dict[str, Any], stream: str) -> None:
        data = wire["data"]
        life.steps.append(Step(wire["time"], stream, wire["sequence"], wire["type"], wire["actorid"], wire["id"],
                               data.get("location_code")))

    def _custody_step(self, life: ItemLife, wire: dict[str, Any]) -> None:
        """A custody step, with where the item lies after it (as the table says, not as the event's keys)."""
        life.steps.append(Step(wire["time"], "custody", wire["sequence"], wire["type"], wire["actorid"], wire["id"],
                               life.location_code))

    def _intake(self, wire: dict[str, Any]) -> None:
        data, kind = wire["data"], wire["type"]
        if kind == "intake.item_registered":
            item_id = data["item_id"]
            if item_id not in self.items and _whole_numbers(data.get("quantity"), data.get("value_vnd")):
                # Nearly every event of a replay is a first registration: built whole in one call.
                # Anything missing or odd goes the general way below, which names it exactly.
                try:
                    life = ItemLife(item_id, data["seizure_id"], data["category"], data["quantity"],
                                    data["value_vnd"], 1, UNTRACKED, None, data["warehouse_id"], set(), None,
                                    [Step(wire["time"], "intake", wire["sequence"], kind, wire["actorid"],
                                          wire["id"], data.get("location_code"))])
                except Exception:  # noqa: BLE001 - nothing was changed yet; the general path raises it again
                    pass
                else:
                    self.items[item_id] = life
                    return
            life = self._item(item_id)
            life.registered += 1
            if life.registered > 1:
                self._finding("duplicate_registration", wire, f"item {life.item_id} registered twice")
                return
            if not _whole_numbers(data["quantity"], data["value_vnd"]):
                # Left out of its seizure's balance (no seizure set), named instead.
                raise TypeError(f"quantity {data['quantity']!r} and value_vnd {data['value_vnd']!r} "
                                "must be whole numbers")
            life.seizure_id, life.category = data["seizure_id"], data["category"]
            life.quantity, life.value_vnd = data["quantity"], data["value_vnd"]
            life.warehouse_id = data["warehouse_id"]
            self._step(life, wire, "intake")
        elif kind == "intake.item_corrected":
            life = self._item(data["item_id"])
            changes = [c for c in data["changes"] if c["field"] in ("quantity", "value_vnd", "category")]
            for change in changes:
                if change["field"] != "category" and not _whole_numbers(change["new"]):
                    raise TypeError(f"corrected {change['field']} {change['new']!r} is not a whole number")
            for change in changes:
                if change["field"] == "value_vnd" and life.registered:
                    # Intake's record of the seizure declares its new total with the corrected value.
                    record = self.seizures.get(str(life.seizure_id))
                    if record is not None and record.get("declared_value_vnd") is not None:
                        record["declared_value_vnd"] += change["new"] - life.value_vnd
                setattr(life, change["field"], change["new"])
            self._step(life, wire, "intake")
        elif kind == "intake.seizure_registered":
            self.seizures[data["seizure_id"]] = {"record_number": data["record_number"],
                                                 "declared_items": data["item_count"],
                                                 "declared_value_vnd": data["total_value_vnd"], "legal_status": None}
        elif kind == "intake.legal_status_recorded":
            self.seizures.setdefault(data["seizure_id"], {})["legal_status"] = data["status"]

    def _custody(self, wire: dict[str, Any]) -> None:
        kind = wire["type"]
        transition = TRANSITIONS.get(kind)
        if transition is None:
            return  # warehouses, locations, counts: no item state
        life = self._item(wire["data"]["item_id"])
        try:
            life.status = guard(kind, life.status)
        except DomainError as exc:
            self._finding("illegal_transition", wire, f"item {life.item_id}: {exc.message}")
            return
        data = wire["data"]
        self._check_batch(life, kind, data, wire)
        place = transition.place
        # The table says where it is now, not the keys an event happens to carry (SETS, the most common
        # placing event, is place_after's first case written out: this is the replay's hot path).
        if place is _SETS:
            life.location_code = data.get("location_code")
        elif place is not _KEEPS:
            life.location_code, life.shelf = place_after(place, data, life.location_code, life.shelf)
            if place is Place.RETURNS and "location_code" in data and data["location_code"] != life.location_code:
                self._finding("wrong_location", wire, f"item {life.item_id}: {kind} puts it on "
                                                      f"{data['location_code']}, but the shelf it left is "
                                                      f"{life.location_code}")
        if data.get("warehouse_id"):
            life.warehouse_id = data["warehouse_id"]
        life.holders.add(wire["actorid"])
        self._custody_step(life, wire)

    def _check_batch(self, life: ItemLife, kind: str, data: dict[str, Any], wire: dict[str, Any]) -> None:
        """A reserved item stays with its batch until released: the handover and the execution
        must name that batch, and a handover confirmed by a second person names two people."""
        if kind == "custody.item_reserved":
            life.batch_id = data.get("batch_id")
        elif kind == "custody.reservation_released":
            self.releases.append((life.item_id, data.get("batch_id"), wire))
            life.batch_id = None
        elif kind in ("custody.item_still_reserved", "custody.item_handed_over", "custody.item_disposed",
                      "custody.item_released") and data.get("batch_id") != life.batch_id:
            self._finding("wrong_batch", wire, f"item {life.item_id}: {kind} names batch {data.get('batch_id')} "
                                               f"but it is held for batch {life.batch_id}")
        if kind == "custody.item_handed_over" and data.get("confirmed_by") is not None \
                and data.get("confirmed_by") == data.get("requested_by"):
            self._finding("separation_of_duties", wire, f"item {life.item_id}: handover {data.get('handover_id')} "
                                                        f"requested and confirmed by {data.get('requested_by')}")

    def _audit(self, wire: dict[str, Any]) -> None:
        """Recorded reads and exports: verified as a chain, no item state."""

    def _disposal(self, wire: dict[str, Any]) -> None:
        data, kind = wire["data"], wire["type"]
        batch_id = data.get("batch_id")
        if not batch_id:
            return
        batch = self.batches.setdefault(batch_id, Batch(batch_id))
        batch.types[kind] += 1
        if kind == "disposal.reservation_requested":
            batch.reservation_requested.update(data["item_ids"])
        elif kind == "disposal.items_proposed":
            batch.proposed.update(data["item_ids"])
        elif kind == "disposal.batch_proposed":
            batch.declared = {"item_count": data["item_count"], "total_value_vnd": data["total_value_vnd"]}
        elif kind == "disposal.items_executed":
            for item_id in data["item_ids"]:
                batch.executed[item_id] = data["outcome"]
        elif kind == "disposal.item_dropped":
            batch.dropped.add(data["item_id"])
        elif kind == "disposal.batch_cancelled":
            batch.cancelled = True

    def finish(self) -> None:
        """Checks across streams: every step has its cause."""
        executed = {item: (batch.batch_id, outcome) for batch in self.batches.values()
                    for item, outcome in batch.executed.items()}
        requested = {item for batch in self.batches.values() for item in batch.reservation_requested}
        for item_id, batch_id, wire in self.releases:
            # Custody gives a reservation back only when its batch was cancelled, the board dropped the
            # item, or the execution named an item custody refused.
            batch = self.batches.get(str(batch_id))
            if batch is None or not (batch.cancelled or item_id in batch.dropped or item_id in batch.executed):
                self._finding("no_cause", wire, f"item {item_id}: its reservation for batch {batch_id} was released "
                                                "without a cancellation, a drop or an execution of the batch")
        for life in self.items.values():
            if life.status is UNTRACKED:
                continue  # custody never moved it (guard returns a new status): no step needs a cause
            where = Finding
            custody_types = {s.type for s in life.steps if s.stream == "custody"}
            if custody_types and not life.registered:
                self.findings.append(where("no_cause", "custody", f"item {life.item_id} is in custody but was "
                                           "never registered at intake", subject=f"item/{life.item_id}"))
            if "custody.item_reserved" in custody_types and life.item_id not in requested:
                self.findings.append(where("no_cause", "custody", f"item {life.item_id} was reserved without a "
                                           "disposal reservation request", subject=f"item/{life.item_id}"))
            final = life.status.state
            if final is ItemState.RETURNED_TO_OWNER:
                # No board decides a return to the owner: the seizure's release order is its cause.
                record = self.seizures.get(str(life.seizure_id)) or {}
                if record.get("legal_status") != "release_ordered":
                    self.findings.append(where("no_cause", "custody", f"item {life.item_id} was returned to its "
                                               "owner without a release order for its seizure",
                                               subject=f"item/{life.item_id}"))
            if final in (ItemState.DISPOSED, ItemState.RELEASED):
                cause = executed.get(life.item_id)
                if cause is None or cause[1] != final.value or cause[0] != life.batch_id:
                    self.findings.append(where("no_cause", "custody", f"item {life.item_id} is {final.value} "
                                               "without a disposal execution for it", subject=f"item/{life.item_id}"))

    # Queries over the replayed state ---------------------------------------------------------

    def conservation(self) -> dict[str, dict[str, Any]]:
        """Per seizure: registered quantity and value, and where all of it is now, by state."""
        # Sums kept in lists while walking the items (one lookup each instead of six), added in the
        # same order as before, then laid out as the report shows them.
        seizures: dict[str, list[Any]] = {}
        buckets: dict[tuple[str, str], list[Any]] = {}
        for life in self.items.values():
            seizure_id = life.seizure_id
            if not life.registered or seizure_id is None:
                continue
            quantity, value = life.quantity, life.value_vnd
            state = life.status.state
            totals = seizures.get(seizure_id)
            if totals is None:
                totals = seizures[seizure_id] = [0, 0, 0]
            totals[0] += 1
            totals[1] += quantity
            totals[2] += value
            key = (seizure_id, state.value if state else NOT_IN_CUSTODY)
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = [0, 0, 0]
            bucket[0] += 1
            bucket[1] += quantity
            bucket[2] += value
        out: dict[str, dict[str, Any]] = {
            seizure_id: {"registered_items": items, "registered_quantity": quantity, "registered_value_vnd": value,
                         "by_state": {}}
            for seizure_id, (items, quantity, value) in seizures.items()
        }
        for (seizure_id, state_name), (items, quantity, value) in buckets.items():
            out[seizure_id]["by_state"][state_name] = {"items": items, "quantity": quantity, "value_vnd": value}
        for seizure_id, entry in out.items():
            # Balanced: the record intake registered declares exactly the items and the VND registered
            # under it (after corrections), and where they all are now adds up to them.
            states = entry["by_state"].values()
            record = self.seizures.get(seizure_id, {})
            entry["declared_items"] = declared_items = record.get("declared_items")
            entry["declared_value_vnd"] = declared_value = record.get("declared_value_vnd")
            wrong = []
            if declared_items is None or declared_value is None:
                wrong.append("no seizure record declares its totals")
            if declared_items is not None and declared_items != entry["registered_items"]:
                wrong.append(f"declares {declared_items} items but {entry['registered_items']} were registered")
            if declared_value is not None and declared_value != entry["registered_value_vnd"]:
                wrong.append(f"declares a total of {declared_value} VND but its items are worth "
                             f"{entry['registered_value_vnd']} VND")
            if (sum(b["items"] for b in states), sum(b["quantity"] for b in states),
                    sum(b["value_vnd"] for b in states)) != (items_value := (
                    entry["registered_items"], entry["registered_quantity"], entry["registered_value_vnd"])):
                wrong.append(f"its items by state do not add up to the registered {items_value}")
            entry["balanced"] = not wrong
            for problem in wrong:
                self.findings.append(Finding("conservation", "intake", f"seizure {seizure_id} {problem}",
                                             subject=f"seizure/{seizure_id}"))
        return out

    def states(self) -> dict[str, int]:
        return dict(Counter(life.state for life in self.items.values() if life.registered))

    def location_contents(self, location_code: str) -> list[str]:
        """What lies on the location: by the table's rule only goods in storage or reserved have a location."""
        return sorted(life.item_id for life in self.items.values() if life.location_code == location_code)
