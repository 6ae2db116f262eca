"""HTTP models of the counter's returns to owners on a release order (never the event models)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from tangvat_shared.events.custody import OwnerIdType
from tangvat_shared.forms.signing import Base64Png
from tangvat_shared.types import Code, ShortText


class ReturnIn(BaseModel):
    """The hand-back at the counter: which of the seizure's items, to whom, on which identity document."""

    model_config = ConfigDict(extra="forbid")

    seizure_id: uuid.UUID
    warehouse_id: Code
    item_ids: list[uuid.UUID] = Field(min_length=1, max_length=5000)
    owner_name: ShortText = Field(min_length=1)
    id_type: OwnerIdType
    id_number: ShortText = Field(min_length=3)
    # The owner's signature drawn on the counter's pad, as a PNG (base64): kept in the file store by its SHA-256,
    # which the events record, and drawn into the return minutes.
    owner_signature_png: Base64Png | None = None  # decoded by the route: unreadable base64 is a refusal in words


class ReturnItemOut(BaseModel):
    item_id: uuid.UUID
    label_code: str
    description: str
    quantity: int
    unit: str
    value_vnd: int
    state: str
    on_hold: bool
    location_code: str | None


class ReturnTaskOut(BaseModel):
    seizure_id: uuid.UUID
    warehouse_id: str
    decision_number: str
    decided_on: date
    issued_by: str | None
    due_on: date = Field(description="the release order's date + 5 working days (Vietnamese public holidays kept)")
    working_days_left: int = Field(description="working days until the deadline; negative: that many late")
    overdue: bool
    items: list[ReturnItemOut]


class ReturnOut(BaseModel):
    return_id: uuid.UUID
    seizure_id: uuid.UUID
    warehouse_id: str
    decision_number: str
    owner_name: str
    id_type: str
    id_number: str
    signature_sha256: str | None
    due_on: date
    late: bool
    returned_by: str
    returned_at: datetime
    items: list[ReturnItemOut]
