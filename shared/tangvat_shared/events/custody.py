"""Events published by the custody service (stream `custody`).

Item events have subject `item/<item_id>`; every event that changes where an item lies (the
transition table's `place`, `tangvat_shared.transitions`) carries `location_code`, the item's
location *after* the event (None when it left our shelves), so "what was in location L at time T"
is answered by folding the stream. Events published before that rule left the key out when the item
left the shelves; the table, not the key, says what they did.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from tangvat_shared.transitions import PLACING_EVENT_TYPES

# Event data is replayed as recorded: only what PostgreSQL cannot store is refused (requests check more).
from tangvat_shared.types import Code, MoneyVnd, Quantity, Sha256Hex
from tangvat_shared.types import RecordedShortText as ShortText
from tangvat_shared.types import RecordedText as Text


class EventData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HolderKind(StrEnum):
    COURT = "court"
    LAB = "lab"
    APPRAISAL = "appraisal"
    AGENCY = "agency"


class UnavailableReason(StrEnum):
    CHECKED_OUT = "checked_out"
    ON_HOLD = "on_hold"
    IN_TRANSIT = "in_transit"
    MISSING = "missing"
    NOT_IN_STORAGE = "not_in_storage"
    UNKNOWN_ITEM = "unknown_item"
    NOT_RESERVED = "not_reserved"
    RESERVED_FOR_ANOTHER_BATCH = "reserved_for_another_batch"
    NOT_HANDED_OVER = "not_handed_over"


class DiscrepancyKind(StrEnum):
    QUANTITY = "quantity"
    CONDITION = "condition"
    SEAL_BROKEN = "seal_broken"
    WRONG_WAREHOUSE = "wrong_warehouse"
    NOT_RECEIVED = "not_received"
    UNEXPECTED = "unexpected"


class ItemAwaitingReceipt(EventData):
    item_id: uuid.UUID
    seizure_id: uuid.UUID
    label_code: Code
    warehouse_id: Code
    category: str
    quantity: Quantity
    value_vnd: MoneyVnd
    perishable: bool
    hazardous: bool
    location_code: None = None


class PhotoRef(EventData):
    """A photo taken at receipt, as the chain vouches for it: its bytes are kept by custody (GET /photos/{id}),
    and anyone holding them can check them against `sha256` (hex of the stored bytes)."""

    photo_id: uuid.UUID
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    media_type: str
    size_bytes: int = Field(ge=1)


class ItemReceived(EventData):
    """`deliverer`: who brought the goods in, in words; `photos`: those taken at receipt. Both absent in
    events recorded before they existed."""

    item_id: uuid.UUID
    warehouse_id: Code
    location_code: Code
    quantity_expected: int
    quantity_counted: int
    condition: ShortText
    seal_intact: bool
    scanned_at: datetime | None = None  # when the handheld scanned it (a queued scan); occurred_at is custody's
    deliverer: ShortText | None = None
    photos: list[PhotoRef] = Field(default_factory=list, max_length=20)


class DiscrepancyRecorded(EventData):
    item_id: uuid.UUID
    warehouse_id: Code
    kind: DiscrepancyKind
    expected: str | int | bool | None
    observed: str | int | bool | None
    context: str  # receipt | transfer | count
    reference_id: uuid.UUID | None = None
    note: Text | None = None


class ItemMoved(EventData):
    item_id: uuid.UUID
    warehouse_id: Code
    from_location_code: Code | None
    location_code: Code
    container_id: uuid.UUID | None = None
    scanned_at: datetime | None = None  # when the handheld scanned it (a queued scan); occurred_at is custody's


class ItemPacked(EventData):
    item_id: uuid.UUID
    warehouse_id: Code
    container_id: uuid.UUID
    location_code: Code | None


class ItemUnpacked(EventData):
    item_id: uuid.UUID
    warehouse_id: Code
    container_id: uuid.UUID
    location_code: Code | None


class ItemTransferDispatched(EventData):
    item_id: uuid.UUID
    transfer_id: uuid.UUID
    from_warehouse_id: Code
    to_warehouse_id: Code
    from_location_code: Code | None
    carrier: ShortText | None
    requested_by: str | None = None
    confirmed_by: str | None = None
    location_code: None = None


class ItemTransferReceived(EventData):
    item_id: uuid.UUID
    transfer_id: uuid.UUID
    warehouse_id: Code
    location_code: Code


class ItemCheckedOut(EventData):
    item_id: uuid.UUID
    warehouse_id: Code
    holder: ShortText
    holder_kind: HolderKind
    purpose: Text
    due_at: datetime
    from_location_code: Code | None
    requested_by: str | None = None
    confirmed_by: str | None = None
    location_code: None = None
    scanned_at: datetime | None = None  # when the handheld scanned it (a queued scan); occurred_at is custody's


class ItemReturned(EventData):
    item_id: uuid.UUID
    warehouse_id: Code
    holder: ShortText
    location_code: Code
    condition: ShortText
    scanned_at: datetime | None = None  # when the handheld scanned it (a queued scan); occurred_at is custody's


class ItemMissing(EventData):
    item_id: uuid.UUID
    warehouse_id: Code
    context: str  # count | transfer
    reference_id: uuid.UUID
    last_location_code: Code | None
    location_code: None = None


class ItemFound(EventData):
    item_id: uuid.UUID
    warehouse_id: Code
    reference_id: uuid.UUID | None
    location_code: Code


class ItemReserved(EventData):
    item_id: uuid.UUID
    batch_id: uuid.UUID
    warehouse_id: Code


class ItemUnavailable(EventData):
    item_id: uuid.UUID
    batch_id: uuid.UUID
    reason: UnavailableReason


class ItemStillReserved(EventData):
    """The answer to a re-sent reservation request: the item is already held for this batch.

    A separate type, not a second `custody.item_reserved`: it changes no state, so replaying the
    log never sees an item reserved twice."""

    item_id: uuid.UUID
    batch_id: uuid.UUID
    warehouse_id: Code


class ItemHandedOver(EventData):
    """Custody staff released a reserved item to the disposal team (`recipient`: who, in words); above the
    value threshold `confirmed_by` is the second, different staff member. Disposal executes only items
    handed over for the batch. `recipient_user_id`: the person of Tangvat who took the goods (canonical id),
    in the item's chain of custody from then on; None for an outside recipient and in older events."""

    item_id: uuid.UUID
    batch_id: uuid.UUID
    handover_id: uuid.UUID
    warehouse_id: Code
    recipient: ShortText
    recipient_user_id: ShortText | None = None
    from_location_code: Code | None
    requested_by: str | None = None
    confirmed_by: str | None = None
    location_code: None = None


class ReservationReleased(EventData):
    """Back in storage, on the shelf it left when it was handed over (or never left, if it was only
    reserved). Older events do not name it: `location_code` absent means that same shelf."""

    item_id: uuid.UUID
    batch_id: uuid.UUID
    location_code: Code | None = None


class ItemDisposed(EventData):
    item_id: uuid.UUID
    batch_id: uuid.UUID
    method: ShortText
    warehouse_id: Code
    location_code: None = None


class ItemReleased(EventData):
    item_id: uuid.UUID
    batch_id: uuid.UUID
    method: ShortText
    warehouse_id: Code
    location_code: None = None


class OwnerIdType(StrEnum):
    """The document the owner (or the business's representative) showed at the counter."""

    CCCD = "cccd"  # căn cước công dân / căn cước
    CMND = "cmnd"  # chứng minh nhân dân (older)
    PASSPORT = "passport"
    BUSINESS_REGISTRATION = "business_registration"  # with the representative's authorisation


class ItemReturnedToOwner(EventData):
    """A release order carried out at the counter: the item handed back to its owner, whose identity document
    the staff checked (the envelope's actor); one `return_id` names the whole hand-back and its minutes."""

    item_id: uuid.UUID
    seizure_id: uuid.UUID
    return_id: uuid.UUID
    warehouse_id: Code
    decision_number: ShortText  # the release order's
    owner_name: ShortText
    id_type: OwnerIdType
    id_number: ShortText
    # SHA-256 of the owner's signature image (the pad at the counter), when one was captured.
    signature_sha256: Sha256Hex | None = None
    due_on: date  # the release order's date + 5 working days
    late: bool
    location_code: None = None


class LegalHoldPlaced(EventData):
    item_id: uuid.UUID
    warehouse_id: Code
    reason: Text


class LegalHoldLifted(EventData):
    item_id: uuid.UUID
    warehouse_id: Code
    reason: Text


class WarehouseRegistered(EventData):
    warehouse_id: Code
    name: ShortText


class LocationCreated(EventData):
    warehouse_id: Code
    location_code: Code
    kind: str
    parent_code: Code | None
    name: ShortText | None


class ContainerCreated(EventData):
    container_id: uuid.UUID
    warehouse_id: Code
    container_code: Code
    location_code: Code | None


class TransferClosed(EventData):
    transfer_id: uuid.UUID
    from_warehouse_id: Code
    to_warehouse_id: Code
    dispatched: int
    received: int
    not_received: list[uuid.UUID] = Field(max_length=100_000)


class CountOpened(EventData):
    count_id: uuid.UUID
    warehouse_id: Code
    location_code: Code | None
    blind: bool
    expected: int


class CountClosed(EventData):
    count_id: uuid.UUID
    warehouse_id: Code
    location_code: Code | None
    expected: int
    found: int
    unexpected: int
    missing: int


ITEM_EVENTS: dict[str, type[EventData]] = {
    "custody.item_awaiting_receipt": ItemAwaitingReceipt,
    "custody.item_received": ItemReceived,
    "custody.item_moved": ItemMoved,
    "custody.item_packed": ItemPacked,
    "custody.item_unpacked": ItemUnpacked,
    "custody.item_transfer_dispatched": ItemTransferDispatched,
    "custody.item_transfer_received": ItemTransferReceived,
    "custody.item_checked_out": ItemCheckedOut,
    "custody.item_returned": ItemReturned,
    "custody.item_missing": ItemMissing,
    "custody.item_found": ItemFound,
    "custody.item_reserved": ItemReserved,
    "custody.item_still_reserved": ItemStillReserved,
    "custody.item_handed_over": ItemHandedOver,
    "custody.reservation_released": ReservationReleased,
    "custody.item_disposed": ItemDisposed,
    "custody.item_released": ItemReleased,
    "custody.legal_hold_placed": LegalHoldPlaced,
    "custody.legal_hold_lifted": LegalHoldLifted,
    "custody.discrepancy_recorded": DiscrepancyRecorded,
    "custody.item_unavailable": ItemUnavailable,
    "custody.item_returned_to_owner": ItemReturnedToOwner,
}

OTHER_EVENTS: dict[str, type[EventData]] = {
    "custody.warehouse_registered": WarehouseRegistered,
    "custody.location_created": LocationCreated,
    "custody.container_created": ContainerCreated,
    "custody.transfer_closed": TransferClosed,
    "custody.count_opened": CountOpened,
    "custody.count_closed": CountClosed,
}

# Item events after which the item lies somewhere else (`data.location_code`; None or absent: on no shelf).
LOCATION_EVENTS: frozenset[str] = PLACING_EVENT_TYPES
