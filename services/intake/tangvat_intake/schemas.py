"""HTTP request and response models of the intake API (never the event models)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from tangvat_shared.events.intake import (
    Agency,
    Attachment,
    Category,
    LabelFormat,
    LegalStatus,
    Offender,
    OffenderKind,
    ReprintReason,
)
from tangvat_shared.types import (
    Code,
    Instant,
    MoneyVnd,
    NonBlankLine,
    NonBlankText,
    Quantity,
    Reason,
    Sha256Hex,
    ShortText,
    Text,
)

MAX_ITEMS = 100_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OffenderIn(Strict):
    kind: OffenderKind
    name: ShortText
    id_number: ShortText | None = None
    address: Text | None = None


class AttachmentIn(Strict):
    sha256: Sha256Hex
    name: ShortText


class ItemIn(Strict):
    category: Category
    description: NonBlankText
    brand: ShortText | None = None
    quantity: Quantity
    unit: ShortText
    value_vnd: MoneyVnd
    perishable: StrictBool = False
    hazardous: StrictBool = False
    condition: ShortText = "intact"
    photos: Annotated[list[Sha256Hex], Field(max_length=20)] = []
    label_code: Code
    warehouse_id: Code


class SeizureFields(Strict):
    record_number: ShortText
    seizing_unit: Code
    agency: Agency
    officers: Annotated[list[ShortText], Field(min_length=1, max_length=50)]
    seized_at: Instant
    province: ShortText
    address: Text
    legal_basis: Text
    case_id: ShortText | None = None
    violation_categories: Annotated[list[Category], Field(min_length=1)]
    offender: OffenderIn | None = None
    notes: Text | None = None
    attachments: Annotated[list[AttachmentIn], Field(max_length=100)] = []


class SeizureRegistration(SeizureFields):
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=MAX_ITEMS)]


class RegistrationResult(BaseModel):
    seizure_id: uuid.UUID
    record_number: str
    item_count: int
    total_value_vnd: int
    items_url: str
    labels_url: str


class ItemOut(BaseModel):
    item_id: uuid.UUID
    seizure_id: uuid.UUID
    line_no: int
    category: Category
    description: str
    brand: str | None
    quantity: int
    unit: str
    value_vnd: int
    perishable: bool
    hazardous: bool
    condition: str
    photos: list[str]
    label_code: str
    warehouse_id: str
    label_payload: str


class ItemPage(BaseModel):
    items: list[ItemOut]
    next_after: int | None = Field(description="pass as `after` to get the next page; null at the end")


class SeizureOut(BaseModel):
    seizure_id: uuid.UUID
    record_number: str
    seizing_unit: str
    agency: Agency
    officers: list[str]
    seized_at: datetime
    province: str
    address: str
    legal_basis: str
    case_id: str | None
    violation_categories: list[Category]
    offender: Offender | None
    notes: str | None
    attachments: list[Attachment]
    item_count: int
    total_value_vnd: int
    items_by_category: dict[str, int]
    legal_status: LegalStatus | None
    legal_decision: dict[str, Any] | None
    registered_by: str
    registered_at: datetime


class ItemCorrectionIn(Strict):
    description: NonBlankText | None = None
    brand: ShortText | None = None
    quantity: Quantity | None = None
    unit: ShortText | None = None
    value_vnd: MoneyVnd | None = None
    condition: ShortText | None = None
    category: Category | None = None
    perishable: StrictBool | None = None
    hazardous: StrictBool | None = None
    reason: Reason


class SeizureCorrectionIn(Strict):
    record_number: ShortText | None = None
    province: ShortText | None = None
    address: Text | None = None
    legal_basis: Text | None = None
    case_id: ShortText | None = None
    notes: Text | None = None
    reason: Reason


class LegalStatusIn(Strict):
    status: LegalStatus
    decision_number: ShortText
    decided_on: date
    issued_by: ShortText
    note: Text | None = None


class LabelCheckIn(Strict):
    payload: NonBlankLine


class LabelCheckOut(BaseModel):
    item_id: uuid.UUID
    label_code: str


class Accepted(BaseModel):
    event_id: uuid.UUID


class LabelReprintIn(Strict):
    reason: ReprintReason = Field(description="damaged, lost, or other (then `note` says what)")
    note: Text | None = None
    format: LabelFormat = Field(description="pdf: an A4 sheet; zpl: a 50×30 mm thermal label")


class LabelReprintOut(BaseModel):
    reprint_id: uuid.UUID
    reprint_no: int
    format: LabelFormat
    label_url: str
    event_ids: list[uuid.UUID]


class LabelReprintRow(BaseModel):
    reprint_id: uuid.UUID
    item_id: uuid.UUID
    reprint_no: int
    reason: ReprintReason
    note: str | None
    format: LabelFormat
    reprinted_by: str
    reprinted_at: datetime


class SeizureSummary(BaseModel):
    seizure_id: uuid.UUID
    record_number: str
    seizing_unit: str
    agency: Agency
    seized_at: datetime
    province: str
    address: str
    case_id: str | None
    offender: Offender | None
    violation_categories: list[Category]
    item_count: int
    total_value_vnd: int
    legal_status: LegalStatus | None


class SeizurePage(BaseModel):
    seizures: list[SeizureSummary]
    next_after: str | None = Field(description="pass as `after` to get the next page; null at the end")
