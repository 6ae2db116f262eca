"""Intake's rules, free of I/O: what a registration, a correction or a legal decision decides.

Functions take plain values (mappings, the items' facts) and return what to save and the `Draft`s of
the events to record; the service loads, the store saves, `tangvat_shared.command` records.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from tangvat_shared.draft import Draft
from tangvat_shared.errors import Conflict, InvalidInput, RuleViolation
from tangvat_shared.events.intake import Category, FieldChange, LabelFormat, LegalStatus, ReprintReason
from tangvat_shared.ids import block_strings, uuid4_block

CLOCK_SKEW = timedelta(minutes=10)
MAX_TOTAL_VND = 2**53 - 1  # the largest integer every JSON reader keeps exact
CHUNK = 5000  # items saved (and their ids formatted) at a time, as the kernel records drafts: bounded memory
ITEM_NULLABLE = frozenset({"brand"})
SEIZURE_NULLABLE = frozenset({"case_id", "notes"})


def item_subject(item_id: uuid.UUID | str) -> str:
    return f"item/{item_id}"


def seizure_subject(seizure_id: uuid.UUID | str) -> str:
    return f"seizure/{seizure_id}"


class ItemFacts(Protocol):
    """What the rules read of a registered item (the API's validated `ItemIn` has it: no copy per item)."""

    @property
    def category(self) -> Category: ...
    @property
    def description(self) -> str: ...
    @property
    def brand(self) -> str | None: ...
    @property
    def quantity(self) -> int: ...
    @property
    def unit(self) -> str: ...
    @property
    def value_vnd(self) -> int: ...
    @property
    def perishable(self) -> bool: ...
    @property
    def hazardous(self) -> bool: ...
    @property
    def condition(self) -> str: ...
    @property
    def photos(self) -> list[str]: ...
    @property
    def label_code(self) -> str: ...
    @property
    def warehouse_id(self) -> str: ...


@dataclass(frozen=True)
class Registration:
    """A registration decided on: the seizure's id and total and an id per item, in line order.

    The ids are one block of random bytes (1.2 MB for 76,804 items, not 6.5 MB of strings), formatted a
    chunk at a time by whoever needs them: the store for the rows, `drafts` for the events."""

    seizure_id: uuid.UUID
    seizure: Mapping[str, Any]  # the seizure's fields as JSON values
    items: Sequence[ItemFacts]
    total_value_vnd: int
    item_id_block: bytes

    @property
    def item_count(self) -> int:
        return len(self.items)

    def item_ids(self, start: int, stop: int) -> list[str]:
        return block_strings(self.item_id_block, start, min(stop, self.item_count))

    def drafts(self) -> Iterator[Draft]:
        """The seizure's event, then one per item in line order, produced lazily (the kernel records 5,000 at
        a time, so a 100,000-item registration never holds all its events at once)."""
        data = dict(self.seizure)
        data.update(seizure_id=str(self.seizure_id), item_count=self.item_count, total_value_vnd=self.total_value_vnd)
        yield Draft("intake.seizure_registered", seizure_subject(self.seizure_id), data)
        seizure_id, unit = str(self.seizure_id), self.seizure["seizing_unit"]
        for start in range(0, self.item_count, CHUNK):
            ids = self.item_ids(start, start + CHUNK)
            for item_id, item in zip(ids, self.items[start : start + CHUNK], strict=True):
                yield Draft("intake.item_registered", f"item/{item_id}", _item_data(item_id, seizure_id, unit, item))


def _item_data(item_id: str, seizure_id: str, unit: str, item: ItemFacts) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "seizure_id": seizure_id,
        "seizing_unit": unit,
        "category": item.category.value,
        "description": item.description,
        "brand": item.brand,
        "quantity": item.quantity,
        "unit": item.unit,
        "value_vnd": item.value_vnd,
        "perishable": item.perishable,
        "hazardous": item.hazardous,
        "condition": item.condition,
        "photos": item.photos,
        "label_code": item.label_code,
        "warehouse_id": item.warehouse_id,
    }


def check_registration(seized_at: datetime, items: Sequence[ItemFacts], now: datetime) -> None:
    """Rules across rows that a schema cannot express; every offending row is reported (`invalid_input`)."""
    problems: list[dict[str, Any]] = []
    if seized_at > now + CLOCK_SKEW:
        problems.append({"row": None, "field": "seized_at", "code": "future",
                         "message": "seizure time is in the future"})
    first_row: dict[str, int] = {}
    for row, item in enumerate(items, start=1):
        earlier = first_row.setdefault(item.label_code, row)
        if earlier != row:
            problems.append({"row": row, "field": "label_code", "code": "duplicate", "first_row": earlier,
                             "message": f"duplicate of row {earlier}: {item.label_code}"})
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the registration", details=problems)


def register(
    seizure: Mapping[str, Any],
    seized_at: datetime,
    items: Sequence[ItemFacts],
    *,
    now: datetime,
    record_number_taken: bool,
    labels_taken: Collection[str],
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> Registration:
    """A seizure and all its items, and one event for each, all or nothing.

    Refuses rows the schema cannot judge (`invalid_input`), a total beyond 2^53-1 VND (`invalid_input`), a
    record number its unit already registered (`duplicate_record_number`) and label codes already in use
    (`duplicate_label`, each row named)."""
    check_registration(seized_at, items, now)
    total = sum(item.value_vnd for item in items)
    if total > MAX_TOTAL_VND:
        raise InvalidInput("total value is out of range", details=[{"row": None, "field": "value_vnd",
                                                                    "message": "sum exceeds 2^53-1 VND"}])
    if record_number_taken:
        raise Conflict(
            f"record number {seizure['record_number']} already registered by {seizure['seizing_unit']}",
            code="duplicate_record_number",
        )
    if labels_taken:
        rows = [
            {"row": n, "field": "label_code", "code": "label_in_use",
             "message": f"label {i.label_code} is already in use"}
            for n, i in enumerate(items, start=1)
            if i.label_code in labels_taken
        ]
        raise Conflict(f"{len(rows)} label code(s) already in use", code="duplicate_label", details=rows[:1000])
    return Registration(new_id(), seizure, items, total, uuid4_block(len(items)))


def corrections(current: Mapping[str, Any], requested: Mapping[str, Any], nullable: frozenset[str]
                ) -> list[FieldChange]:
    """The fields a correction really changes (`requested`: field -> new JSON value); emptying a required
    field is refused (`required_field`), and so is asking to change nothing (`empty_correction`)."""
    changes = []
    for field, new in requested.items():
        if new is None and field not in nullable:
            raise RuleViolation(f"{field} cannot be emptied", code="required_field")
        old = current[field]
        old_json = old.value if hasattr(old, "value") else old
        if new != old_json:
            changes.append(FieldChange(field=field, old=old_json, new=new))
    if not changes:
        raise RuleViolation("the correction changes nothing", code="empty_correction")
    return changes


@dataclass(frozen=True)
class Correction:
    """A correction decided on: the new values to save and the event that records them with the reason."""

    values: dict[str, Any]
    draft: Draft


def correct_item(item: Mapping[str, Any], requested: Mapping[str, Any], reason: str) -> Correction:
    changes = corrections(item, requested, ITEM_NULLABLE)
    return Correction({c.field: c.new for c in changes}, Draft("intake.item_corrected", item_subject(item["item_id"]), {
        "item_id": str(item["item_id"]),
        "seizure_id": str(item["seizure_id"]),
        "changes": [c.model_dump(mode="json") for c in changes],
        "reason": reason,
    }))


def corrected_total(seizure_total: int, old_value: int, new_value: int) -> int:
    """A seizure's declared total after one item's value is corrected: the total moves with the item."""
    return seizure_total - old_value + new_value


def correct_seizure(seizure: Mapping[str, Any], requested: Mapping[str, Any], reason: str) -> Correction:
    changes = corrections(seizure, requested, SEIZURE_NULLABLE)
    seizure_id = seizure["seizure_id"]
    return Correction({c.field: c.new for c in changes}, Draft(
        "intake.seizure_corrected", seizure_subject(seizure_id),
        {"seizure_id": str(seizure_id), "changes": [c.model_dump(mode="json") for c in changes], "reason": reason}))


def decide_legal_status(seizure_id: uuid.UUID, current: LegalStatus | None, decision: Mapping[str, Any]) -> Draft:
    """A seizure gets one legal outcome; a second decision is a conflict (`legal_status_recorded`)."""
    if current is not None:
        raise Conflict(f"legal status already recorded: {current.value}", code="legal_status_recorded")
    return Draft("intake.legal_status_recorded", seizure_subject(seizure_id),
                 {**decision, "seizure_id": str(seizure_id)})


@dataclass(frozen=True)
class Reprint:
    reprint_no: int
    draft: Draft


def reprint_label(item: Mapping[str, Any], reason: ReprintReason, note: str | None, label_format: LabelFormat,
                  reprints_so_far: int) -> Reprint:
    """An item's label printed again, recorded with why: "other" must say what it is."""
    if reason is ReprintReason.OTHER and not (note and note.strip()):
        raise RuleViolation("say why the label is printed again", code="reprint_note_required")
    reprint_no = reprints_so_far + 1
    return Reprint(reprint_no, Draft("intake.label_reprinted", item_subject(item["item_id"]), {
        "item_id": str(item["item_id"]), "seizure_id": str(item["seizure_id"]), "label_code": item["label_code"],
        "reason": reason.value, "note": note, "format": label_format.value, "reprint_no": reprint_no}))
