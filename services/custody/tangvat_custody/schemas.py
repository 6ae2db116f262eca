"""HTTP request and response models of the custody service (never the event models); a request the service
keeps (one waiting for a second person) is handed to it as the domain's plain value (`plain()`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tangvat_custody import domain_requests as requests
from tangvat_shared.events.custody import HolderKind
from tangvat_shared.types import Code, Instant, NonBlankLine, NonBlankText, ShortText, Text

LabelPayload = Annotated[NonBlankLine, Field(description="the signed QR payload of an intake label")]
ScannedAt = Annotated[Instant | None, Field(
    default=None, description="when the handheld scanned the label (a scan queued offline is sent later): with its "
                              "UTC offset, at most 5 minutes ahead of the server's clock and at most 7 days old "
                              "(422 scanned_at_in_future / scanned_at_too_old); recorded beside the server's instant")]
LocationLabel = Annotated[NonBlankLine, Field(max_length=300, description=(
    "the scanned QR payload of a location label custody signed (TVL1.<code>.<signature>): a manufacturer's "
    "barcode or unsigned text is refused (422 invalid_location_label)"))]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScannedLocation(BaseModel):
    """A scan command's location: the signed label scanned (`location_label`), or a code picked from a list
    (`location_code`); one of the two, or neither where the location is optional."""

    location_code: Code | None = None
    location_label: LocationLabel | None = None
    location_required: ClassVar[bool] = True

    @model_validator(mode="after")
    def _one_location(self) -> ScannedLocation:
        if self.location_code is not None and self.location_label is not None:
            raise ValueError("give location_code or location_label, not both")
        if self.location_required and self.location_code is None and self.location_label is None:
            raise ValueError("give location_label (scanned) or location_code (picked)")
        return self


class WarehouseIn(Input):
    warehouse_id: Code
    name: ShortText


class LocationIn(Input):
    location_code: Code
    kind: Literal["zone", "shelf", "bin"]
    parent_code: Code | None = None
    name: ShortText | None = None


class ContainerIn(Input):
    container_code: Code
    location_code: Code | None = None


class LabelsIn(Input):
    labels: list[LabelPayload] = Field(min_length=1, max_length=2000)


class CheckInIn(Input, ScannedLocation):
    label: LabelPayload
    scanned_at: ScannedAt = None
    quantity_counted: int | None = Field(default=None, ge=0, le=10**9)
    condition: ShortText | None = None
    seal_intact: bool = True
    note: Text | None = None
    deliverer: ShortText | None = Field(default=None, description="who brought the goods in, in words")
    photo_ids: list[uuid.UUID] = Field(default=[], max_length=10,
                                       description="photos staged for this item (POST /items/{id}/photos)")

    @model_validator(mode="after")
    def _photos_once(self) -> CheckInIn:
        if len(set(self.photo_ids)) != len(self.photo_ids):
            raise ValueError("photo_ids must not repeat")
        return self


class MoveIn(Input, ScannedLocation):
    label: LabelPayload | None = None
    scanned_at: ScannedAt = None
    container_code: Code | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> MoveIn:
        if (self.label is None) == (self.container_code is None):
            raise ValueError("give exactly one of label or container_code")
        return self


class TransferIn(Input):
    from_warehouse_id: Code
    to_warehouse_id: Code
    item_ids: list[uuid.UUID] = Field(min_length=1, max_length=2000)
    carrier: ShortText | None = None

    @model_validator(mode="after")
    def _two_warehouses(self) -> TransferIn:
        if self.from_warehouse_id == self.to_warehouse_id:
            raise ValueError("a transfer goes between two different warehouses")
        if len(set(self.item_ids)) != len(self.item_ids):
            raise ValueError("item_ids must not repeat")
        return self

    def plain(self) -> requests.Dispatch:
        return requests.Dispatch(self.from_warehouse_id, self.to_warehouse_id, self.item_ids, self.carrier)


class TransferReceiptIn(Input, ScannedLocation):
    labels: list[LabelPayload] = Field(min_length=1, max_length=2000)


class CheckOutIn(Input):
    holder: ShortText
    scanned_at: ScannedAt = None
    holder_kind: HolderKind
    purpose: Text
    due_at: Instant

    def plain(self) -> requests.CheckOut:
        return requests.CheckOut(self.holder, self.holder_kind, self.purpose, self.due_at)


class ReturnIn(Input, ScannedLocation):
    scanned_at: ScannedAt = None
    condition: ShortText | None = None


class HoldIn(Input):
    reason: NonBlankText


class HandoverIn(Input):
    """Release a disposal batch's reserved items in one warehouse to the disposal team: the scanned
    labels, or (no labels) every item of the batch reserved there."""

    batch_id: uuid.UUID
    warehouse_id: Code
    recipient: ShortText = Field(description="who of the disposal team takes the goods, in words (a team, an "
                                             "outside organisation)")
    recipient_user_id: ShortText | None = Field(
        default=None, description="the person of Tangvat who takes the goods (their account's id): in the items' "
                                  "chain of custody from then on, so never a witness of their destruction")
    labels: list[LabelPayload] | None = Field(default=None, min_length=1, max_length=2000)

    def plain(self) -> requests.Handover:
        return requests.Handover(self.batch_id, self.warehouse_id, self.recipient, self.labels,
                                 self.recipient_user_id)


class CountIn(Input):
    warehouse_id: Code
    location_code: Code | None = None
    blind: bool = False


class CountScanIn(Input, ScannedLocation):
    label: LabelPayload
    scanned_at: ScannedAt = None
    location_required: ClassVar[bool] = False


class CommandOut(BaseModel):
    """What a command answers: what changed, and the events it recorded."""

    model_config = ConfigDict(extra="allow")

    status: str
    event_ids: list[uuid.UUID] = []


class ItemOut(BaseModel):
    item_id: uuid.UUID
    seizure_id: uuid.UUID
    label_code: str
    category: str
    description: str
    quantity: int
    unit: str
    value_vnd: int
    perishable: bool
    hazardous: bool
    condition: str
    warehouse_id: str
    state: str
    on_hold: bool
    hold_reason: str | None
    legal_status: str | None
    location_code: str | None
    container_id: uuid.UUID | None
    holder: str | None
    holder_kind: str | None
    purpose: str | None
    due_at: datetime | None
    transfer_id: uuid.UUID | None
    batch_id: uuid.UUID | None
    registered_at: datetime
    received_at: datetime | None
    state_changed_at: datetime
    deliverer: str | None = None


class ContainerContents(BaseModel):
    container_code: str
    warehouse_id: str
    location_code: str | None
    items: list[ItemOut]


class ItemPage(BaseModel):
    items: list[ItemOut]
    next_after: str | None


class CustodyAt(BaseModel):
    item_id: uuid.UUID
    at: datetime
    state: str | None
    on_hold: bool
    warehouse_id: str | None
    location_code: str | None
    holder: str | None
    holder_kind: str | None
    last_event_type: str | None
    last_event_at: datetime | None
    last_actor_id: str | None


class LocationItemsAt(BaseModel):
    location_code: str
    at: datetime | None
    item_ids: list[uuid.UUID]


class WarehouseSummary(BaseModel):
    warehouse_id: str
    states: dict[str, int]
    on_hold: int


class AgeBucket(BaseModel):
    bucket: str
    items: int
    oldest_received_at: datetime | None


# --- answers of the query routes that return rows (extra columns a later migration adds still pass) ----------


class Row(BaseModel):
    model_config = ConfigDict(extra="allow")


class LocationOut(Row):
    location_code: str
    warehouse_id: str
    kind: str
    parent_code: str | None
    name: str | None
    created_at: datetime


class LabelledLocationOut(LocationOut):
    label: str = Field(description="the location's signed label (TVL1.<code>.<signature>), what its QR code carries")


class WarehouseOut(Row):
    warehouse_id: str
    name: str
    created_at: datetime


class DiscrepancyOut(Row):
    id: int
    item_id: uuid.UUID
    warehouse_id: str
    kind: str
    expected: Any
    observed: Any
    context: str
    reference_id: uuid.UUID | None
    note: str | None
    recorded_by: str
    recorded_at: datetime
    label_code: str | None = None
    description: str | None = None


class TransferItemOut(Row):
    transfer_id: uuid.UUID
    item_id: uuid.UUID
    received_at: datetime | None
    received_by: str | None


class TransferOut(Row):
    transfer_id: uuid.UUID
    from_warehouse_id: str
    to_warehouse_id: str
    carrier: str | None
    dispatched_by: str
    confirmed_by: str | None
    dispatched_at: datetime
    received_by: str | None
    closed_at: datetime | None
    items: list[TransferItemOut]


class ApprovalItemOut(Row):
    item_id: uuid.UUID
    label_code: str
    description: str
    value_vnd: int
    state: str


class ApprovalOut(Row):
    """A request waiting for a second person, with what it would do: the items (up to 20 named, `item_count` in
    all), to whom (`holder`: the check-out's holder, the handover's recipient, the transfer's carrier), why and
    until when (a check-out's `purpose` and `due_at`), where to (a transfer's `to_warehouse_id`)."""

    approval_id: uuid.UUID
    kind: str
    warehouse_id: str
    payload: dict[str, Any]
    value_vnd: int
    requested_by: str
    requested_at: datetime
    status: str
    items: list[ApprovalItemOut] = []
    item_count: int = 0
    holder: str | None = None
    holder_kind: str | None = None
    purpose: str | None = None
    due_at: datetime | None = None
    to_warehouse_id: str | None = None
    batch_id: uuid.UUID | None = None


class OpenCountOut(Row):
    """A count still open: how many items it has scanned, and (0 for a blind one's view too) expects."""

    count_id: uuid.UUID
    warehouse_id: str
    location_code: str | None
    blind: bool
    opened_by: str
    opened_at: datetime
    scanned: int
    expected: int


class CountPendingItem(BaseModel):
    """An item an open count expects and has not scanned yet: closing the count now marks it missing."""

    item_id: uuid.UUID
    label_code: str
    description: str
    location_code: str | None
    state: str
    batch_id: uuid.UUID | None = Field(description="the disposal batch the item is reserved for, if any")


class CountOut(Row):
    """A count; its report once closed, or (an open count that is not blind) the items it expects."""

    count_id: uuid.UUID
    warehouse_id: str
    location_code: str | None
    blind: bool
    opened_by: str
    opened_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    scanned: int
    report: dict[str, Any] | None = None
    expected_item_ids: list[str] | None = None
    not_scanned: list[CountPendingItem] | None = None
    unexpected: int | None = None


class PhotoOut(Row):
    """A photo taken at receipt (its bytes at GET /photos/{photo_id}); `received_at` once a receipt named it."""

    photo_id: uuid.UUID
    item_id: uuid.UUID
    media_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    received_at: datetime | None
