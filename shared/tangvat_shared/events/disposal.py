"""The disposal → custody contract: what the disposal service publishes (stream `disposal`).

Item lists travel in chunks of at most 2,000 ids per event; custody answers every item of a
reservation request with `custody.item_reserved` or `custody.item_unavailable` (with reason) —
a re-sent request for an item already held for the batch with `custody.item_still_reserved`.
Custody staff then hand reserved items over to the disposal team (`custody.item_handed_over`,
two people above the value threshold); disposal executes only handed-over items, and custody
answers every executed item with `custody.item_disposed` / `custody.item_released`, or refuses
it (`custody.item_unavailable`) and releases its reservation (`custody.reservation_released`).
The board may drop one item from an approved batch before execution (`disposal.item_dropped`, with a
reason); custody releases that item's reservation, and the batch executes the rest.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# Event data is replayed as recorded: only what PostgreSQL cannot store is refused (requests check more).
from tangvat_shared.types import MoneyVnd, Sha256Hex
from tangvat_shared.types import RecordedShortText as ShortText
from tangvat_shared.types import RecordedText as Text

MAX_ITEMS_PER_EVENT = 2000


class EventData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExecutionOutcome(StrEnum):
    DISPOSED = "disposed"
    RELEASED = "released"


class ReservationRequested(EventData):
    batch_id: uuid.UUID
    item_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_ITEMS_PER_EVENT)
    chunk: int = Field(default=1, ge=1)
    chunks: int = Field(default=1, ge=1)


class BatchCancelled(EventData):
    batch_id: uuid.UUID
    reason: Text


class ItemDropped(EventData):
    """The board took one item out of an approved batch (a late legal hold, damage found at handover...):
    custody releases its reservation for the batch, and the batch executes without it. `deferred` says
    the board means to propose it again once the obstacle is gone."""

    batch_id: uuid.UUID
    item_id: uuid.UUID
    reason: Text
    deferred: bool = False
    dropped_by: ShortText


class ItemsExecuted(EventData):
    batch_id: uuid.UUID
    method: ShortText
    outcome: ExecutionOutcome
    item_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_ITEMS_PER_EVENT)
    chunk: int = Field(default=1, ge=1)
    chunks: int = Field(default=1, ge=1)


# --- the disposal service's own record: proposals, the board, execution --------------------------


class Method(StrEnum):
    DESTROY = "destroy"
    AUCTION = "auction"
    TRANSFER = "transfer"
    RETURN = "return"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class DestructionMethod(StrEnum):
    BURN = "burn"
    CRUSH = "crush"
    BURY = "bury"
    CHEMICAL = "chemical"


class BoardConfigured(EventData):
    unit: ShortText
    members: list[ShortText] = Field(min_length=1, max_length=100)
    quorum: int = Field(ge=1)
    rejections_to_reject: int = Field(ge=1)


class BatchProposed(EventData):
    batch_id: uuid.UUID
    unit: ShortText
    method: Method
    reason: Text
    emergency: bool
    emergency_reason: Text | None = None
    proposer: ShortText
    item_count: int = Field(ge=1)
    total_value_vnd: int = Field(ge=0)
    deadline: datetime | None = None


class ItemsProposed(EventData):
    batch_id: uuid.UUID
    item_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_ITEMS_PER_EVENT)
    chunk: int = Field(default=1, ge=1)
    chunks: int = Field(default=1, ge=1)


class VoteCast(EventData):
    batch_id: uuid.UUID
    member: ShortText
    decision: Decision
    reason: Text
    cast_at: datetime


class BatchDecided(EventData):
    """`disposal.batch_approved` or `disposal.batch_rejected`: who voted how, at the decision."""

    batch_id: uuid.UUID
    approvals: list[ShortText]
    rejections: list[ShortText]
    quorum: int
    rejections_to_reject: int


class BatchReady(EventData):
    batch_id: uuid.UUID
    reserved: int = Field(ge=0)
    unavailable: int = Field(ge=0)


class Witness(EventData):
    user_id: ShortText
    name: ShortText
    organisation: ShortText | None = None


class ExecutionWitnessed(EventData):
    """A witness, signed in as themselves, confirmed attending a batch's destruction (their id is their
    session's, never a name someone else typed); the execution names the witnesses who confirmed."""

    batch_id: uuid.UUID
    witness: Witness


class WitnessWithdrawn(EventData):
    """A witness who had confirmed by mistake withdrew, from their own session, before the execution was
    recorded: the execution no longer counts them."""

    batch_id: uuid.UUID
    user_id: ShortText


class Evidence(EventData):
    sha256: Sha256Hex
    name: ShortText
    kind: ShortText


class BatchExecuted(EventData):
    batch_id: uuid.UUID
    method: Method
    executed_on: date
    item_count: int = Field(ge=0)
    place: ShortText | None = None
    destruction_method: DestructionMethod | None = None
    witnesses: list[Witness] = Field(default_factory=list, max_length=20)
    evidence: list[Evidence] = Field(default_factory=list, max_length=200)
    proceeds_vnd: MoneyVnd | None = None
    buyer_reference: ShortText | None = None
    receiving_agency: ShortText | None = None
    acknowledgement_reference: ShortText | None = None
    owner_name: ShortText | None = None
    receipt_reference: ShortText | None = None
