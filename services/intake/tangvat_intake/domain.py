"""Intake's rules, free of I/O: what a registration, a correction or a legal decision produces."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from tangvat_intake import SERVICE
from tangvat_intake.schemas import ItemIn, LegalStatusIn, SeizureFields, SeizureRegistration
from tangvat_shared.envelope import Actor, envelope_body
from tangvat_shared.errors import Conflict, InvalidInput, RuleViolation
from tangvat_shared.events.intake import FieldChange, LegalStatus
from tangvat_shared.ids import uuid4_strings
from tangvat_shared.outbox import outbox_record

CLOCK_SKEW = timedelta(minutes=10)


def item_subject(item_id: uuid.UUID) -> str:
    return f"item/{item_id}"


def seizure_subject(seizure_id: uuid.UUID) -> str:
    return f"seizure/{seizure_id}"


@dataclass(frozen=True)
class EventDraft:
    """An event a command decided on: type, subject and JSON data, not yet in the stream."""

    type: str
    subject: str
    data: dict[str, Any]


CHUNK = 5000  # rows per COPY: bounds the memory a 100,000-item registration holds at once


@dataclass(frozen=True)
class PlannedRegistration:
    """A registration decided on; its rows are produced chunk by chunk (see `chunks`)."""

    seizure_id: uuid.UUID
    seizure: dict[str, Any]
    registration: SeizureRegistration
    actor: Actor
    now: datetime
    correlation_id: uuid.UUID | None
    total_value_vnd: int

    @functools.cached_property
    def _time(self) -> str:
        return self.now.isoformat()  # one instant for the whole registration, formatted once

    def seizure_event(self) -> tuple[Any, ...]:
        (event_id,) = uuid4_strings(1)
        data = _seizure_data(self.seizure_id, self.registration, len(self.registration.items), self.total_value_vnd)
        return self._event(event_id, "intake.seizure_registered", seizure_subject(self.seizure_id), data)

    def _event(self, event_id: str, event_type: str, subject: str, data: dict[str, Any]) -> tuple[Any, ...]:
        body = envelope_body(
            event_id=event_id, source=SERVICE, type=event_type, schemaversion=1, subject=subject, data=data,
            actor=self.actor, time=self._time, correlation_id=self.correlation_id,
        )
        return outbox_record(body, self.now)

    def chunks(self, size: int = CHUNK) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
        """(item rows, event rows) for `size` items at a time, in line order."""
        seizure_id = str(self.seizure_id)
        unit = self.registration.seizing_unit
        items = self.registration.items
        for start in range(0, len(items), size):
            batch = items[start : start + size]
            ids = uuid4_strings(2 * len(batch))
            item_rows: list[tuple[Any, ...]] = []
            events: list[tuple[Any, ...]] = []
            for offset, item in enumerate(batch):
                item_id, event_id = ids[2 * offset], ids[2 * offset + 1]
                item_rows.append((
                    item_id, seizure_id, start + offset + 1, item.category.value, item.description, item.brand,
                    item.quantity, item.unit, item.value_vnd, item.perishable, item.hazardous,
                    item.condition, item.photos, item.label_code, item.warehouse_id, self.now,
                ))
                events.append(self._event(event_id, "intake.item_registered", f"item/{item_id}",
                                          _item_data(item_id, seizure_id, unit, item)))
            yield item_rows, events


ITEM_COLUMNS = (
    "item_id", "seizure_id", "line_no", "category", "description", "brand", "quantity", "unit",
    "value_vnd", "perishable", "hazardous", "condition", "photos", "label_code", "warehouse_id",
    "registered_at",
)


def check_registration(registration: SeizureRegistration, now: datetime) -> None:
    """Rules across rows that a schema cannot express; every offending row is reported."""
    problems: list[dict[str, Any]] = []
    if registration.seized_at > now + CLOCK_SKEW:
        problems.append({"row": None, "field": "seized_at", "message": "seizure time is in the future"})
    first_row: dict[str, int] = {}
    for row, item in enumerate(registration.items, start=1):
        earlier = first_row.setdefault(item.label_code, row)
        if earlier != row:
            problems.append(
                {"row": row, "field": "label_code", "message": f"duplicate of row {earlier}: {item.label_code}"}
            )
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the registration", details=problems)


def _seizure_data(seizure_id: uuid.UUID, fields: SeizureFields, item_count: int, total: int) -> dict[str, Any]:
    data = fields.model_dump(mode="json", exclude={"items"})
    data.update(seizure_id=str(seizure_id), item_count=item_count, total_value_vnd=total)
    return data


def _item_data(item_id: str, seizure_id: str, unit: str, item: ItemIn) -> dict[str, Any]:
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


def plan_registration(
    registration: SeizureRegistration,
    *,
    actor: Actor,
    now: datetime,
    correlation_id: uuid.UUID | None,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> PlannedRegistration:
    """A seizure and all its items, and one event for each, all or nothing."""
    check_registration(registration, now)
    total = sum(item.value_vnd for item in registration.items)
    if total > 2**53 - 1:
        raise InvalidInput("total value is out of range", details=[{"row": None, "field": "value_vnd",
                                                                    "message": "sum exceeds 2^53-1 VND"}])
    seizure_id = new_id()
    seizure = registration.model_dump(exclude={"items"})
    seizure.update(seizure_id=seizure_id, item_count=len(registration.items), total_value_vnd=total)
    return PlannedRegistration(seizure_id, seizure, registration, actor, now, correlation_id, total)


ITEM_NULLABLE = frozenset({"brand"})
SEIZURE_NULLABLE = frozenset({"case_id", "notes"})


def corrections(
    current: Mapping[str, Any], requested: BaseModel, nullable: frozenset[str]
) -> list[FieldChange]:
    """The fields a correction really changes; asking to change nothing is refused."""
    changes = []
    for field, new in requested.model_dump(exclude={"reason"}, exclude_unset=True, mode="json").items():
        if new is None and field not in nullable:
            raise RuleViolation(f"{field} cannot be emptied", code="required_field")
        old = current[field]
        old_json = old.value if hasattr(old, "value") else old
        if new != old_json:
            changes.append(FieldChange(field=field, old=old_json, new=new))
    if not changes:
        raise RuleViolation("the correction changes nothing", code="empty_correction")
    return changes


def decide_legal_status(current: LegalStatus | None, decision: LegalStatusIn) -> EventDraft:
    """A seizure gets one legal outcome; a second, different decision is a conflict."""
    if current is not None:
        raise Conflict(f"legal status already recorded: {current.value}", code="legal_status_recorded")
    return EventDraft(
        type="intake.legal_status_recorded",
        subject="",
        data=decision.model_dump(mode="json"),
    )
