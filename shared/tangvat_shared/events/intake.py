"""Events published by the intake service (stream `intake`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

# Event data is replayed as recorded: only what PostgreSQL cannot store is refused (requests check more).
from tangvat_shared.types import Code, MoneyVnd, Quantity, Sha256Hex
from tangvat_shared.types import RecordedShortText as ShortText
from tangvat_shared.types import RecordedText as Text


class Agency(StrEnum):
    QLTT = "qltt"
    CUSTOMS = "customs"
    POLICE = "police"
    BORDER_GUARD = "border_guard"


class Category(StrEnum):
    COUNTERFEIT = "counterfeit"
    SMUGGLED = "smuggled"
    PROHIBITED = "prohibited"
    UNKNOWN_ORIGIN = "unknown_origin"
    IP_INFRINGING = "ip_infringing"
    SUBSTANDARD = "substandard"


class OffenderKind(StrEnum):
    PERSON = "person"
    BUSINESS = "business"


class LegalStatus(StrEnum):
    CONFISCATED = "confiscated"
    RELEASE_ORDERED = "release_ordered"


class ReprintReason(StrEnum):
    DAMAGED = "damaged"
    LOST = "lost"
    OTHER = "other"


class LabelFormat(StrEnum):
    PDF = "pdf"
    ZPL = "zpl"


class EventData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Offender(EventData):
    kind: OffenderKind
    name: ShortText
    id_number: ShortText | None = None
    address: Text | None = None


class Attachment(EventData):
    sha256: Sha256Hex
    name: ShortText


class SeizureRegistered(EventData):
    seizure_id: uuid.UUID
    record_number: ShortText
    seizing_unit: Code
    agency: Agency
    officers: list[ShortText]
    seized_at: datetime
    province: ShortText
    address: Text
    legal_basis: Text
    case_id: ShortText | None
    violation_categories: list[Category]
    offender: Offender | None
    notes: Text | None
    attachments: list[Attachment]
    item_count: int
    total_value_vnd: MoneyVnd


class ItemRegistered(EventData):
    item_id: uuid.UUID
    seizure_id: uuid.UUID
    seizing_unit: Code
    category: Category
    description: Text
    brand: ShortText | None
    quantity: Quantity
    unit: ShortText
    value_vnd: MoneyVnd
    perishable: bool
    hazardous: bool
    condition: ShortText
    photos: list[Sha256Hex]
    label_code: Code
    warehouse_id: Code


class FieldChange(EventData):
    field: str
    old: str | int | bool | None
    new: str | int | bool | None


class ItemCorrected(EventData):
    item_id: uuid.UUID
    seizure_id: uuid.UUID
    changes: list[FieldChange]
    reason: Text


class SeizureCorrected(EventData):
    seizure_id: uuid.UUID
    changes: list[FieldChange]
    reason: Text


class LegalStatusRecorded(EventData):
    seizure_id: uuid.UUID
    status: LegalStatus
    decision_number: ShortText
    decided_on: date
    issued_by: ShortText
    note: Text | None


class LabelReprinted(EventData):
    """An item's label printed again (the envelope's actor is who printed it): why, in which format, and which
    reprint of the item's label it is (1, 2, ...)."""

    item_id: uuid.UUID
    seizure_id: uuid.UUID
    label_code: Code
    reason: ReprintReason
    note: Text | None
    format: LabelFormat
    reprint_no: int


class AttachmentAdded(EventData):
    """A photo or document of a seizure, or of one of its items (`item_id`), added after its registration: the
    bytes are in intake's file store under `sha256` (the auditor checks they are there, unaltered)."""

    seizure_id: uuid.UUID
    item_id: uuid.UUID | None
    sha256: Sha256Hex
    name: ShortText
    media_type: ShortText
    size_bytes: int
