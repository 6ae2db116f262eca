"""HTTP request and response models of the disposal service (never the event models)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tangvat_shared.events.disposal import Decision, DestructionMethod, Method
from tangvat_shared.events.intake import Category
from tangvat_shared.types import Code, Instant, MoneyVnd, NonBlankText, Sha256Hex, ShortText, Text


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WitnessIn(Input):
    """A witness confirms attending a destruction from their own session: their id is the session's, so the
    body has none (a body naming a person is refused)."""

    name: ShortText
    organisation: ShortText | None = None


class EvidenceIn(Input):
    sha256: Sha256Hex
    name: ShortText
    kind: ShortText


class BoardIn(Input):
    members: list[ShortText] = Field(min_length=1, max_length=100)
    quorum: int = Field(ge=1, le=100)
    rejections_to_reject: int = Field(ge=1, le=100)


class ItemFilter(Input):
    """Which items of the read model a proposal takes (all given conditions hold). Without a seizure it takes the
    proposing unit's items still in custody (none disposed of, released or returned), the ineligible ones refused
    by rule as an explicit list is."""

    seizure_id: uuid.UUID | None = None
    category: Category | None = None
    warehouse_id: Code | None = None
    legal_status: LegalStatusFilter | None = None
    # Registered at intake at least this many days ago (goods kept past the time the law allows).
    min_age_days: int | None = Field(default=None, ge=0, le=36_500)


class LegalStatusFilter(StrEnum):
    CONFISCATED = "confiscated"
    RELEASE_ORDERED = "release_ordered"
    NONE = "none"  # no decision recorded yet


class ProposalIn(Input):
    unit: Code
    method: Method
    reason: NonBlankText
    item_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=100_000)
    filter: ItemFilter | None = None
    emergency: bool = False
    emergency_reason: Text | None = None
    deadline: Instant | None = None
    # Leave ineligible items out (and list them) instead of refusing the whole proposal.
    skip_ineligible: bool = False

    @model_validator(mode="after")
    def _one_selection(self) -> ProposalIn:
        if (self.item_ids is None) == (self.filter is None):
            raise ValueError("give exactly one of item_ids or filter")
        if self.emergency and not (self.emergency_reason or "").strip():
            raise ValueError("the emergency path needs a stated emergency_reason")
        return self


class VoteIn(Input):
    decision: Decision
    reason: NonBlankText


class CancelIn(Input):
    reason: NonBlankText


class DropIn(Input):
    """Take one item out of an approved batch before execution; the reason is recorded in the event."""

    reason: NonBlankText
    # The board means to propose the item again once the obstacle (a legal hold, say) is gone.
    deferred: bool = False


class ExecutionIn(Input):
    executed_on: date
    # destroy
    place: ShortText | None = None
    destruction_method: DestructionMethod | None = None
    # No `witnesses`: each confirms with their own session (POST /batches/{id}/execution/witnesses).
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=200)
    # Per-item confirmation by scan: when given it must name exactly the reserved items.
    confirmed_item_ids: list[uuid.UUID] | None = Field(default=None, max_length=100_000)
    # auction
    proceeds_vnd: MoneyVnd | None = None
    buyer_reference: ShortText | None = None
    # transfer
    receiving_agency: ShortText | None = None
    acknowledgement_reference: ShortText | None = None
    # return
    owner_name: ShortText | None = None
    receipt_reference: ShortText | None = None


class CommandOut(BaseModel):
    batch_id: uuid.UUID
    status: str
    event_ids: list[str] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)


class VoteOut(BaseModel):
    member: str
    decision: str
    reason: str
    cast_at: datetime


class DroppedOut(BaseModel):
    item_id: uuid.UUID
    label_code: str
    description: str
    reason: str
    deferred: bool
    dropped_by: str
    dropped_at: datetime


class WitnessOut(BaseModel):
    user_id: str
    name: str
    organisation: str | None
    confirmed_at: datetime


class BatchOut(BaseModel):
    batch_id: uuid.UUID
    unit: str
    method: str
    reason: str
    emergency: bool
    proposer: str
    status: str
    item_count: int
    total_value_vnd: int
    quorum: int
    rejections_to_reject: int
    deadline: datetime | None
    proposed_at: datetime
    decided_at: datetime | None
    ready_at: datetime | None
    executed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    votes: list[VoteOut]
    reservation: dict[str, int]
    handed_over: int = Field(description="reserved items custody has handed over to the disposal team")
    unavailable: list[dict[str, Any]]
    dropped: list[DroppedOut] = Field(description="items the board took out of the batch, with its reason")
    outcomes: dict[str, int]
    witnesses: list[WitnessOut] = Field(default_factory=list,
                                        description="who confirmed attending the destruction, from their own sessions")
    execution: dict[str, Any] | None
    events_sha256: str


class BatchItemOut(BaseModel):
    item_id: uuid.UUID
    category: str
    description: str
    quantity: int
    value_vnd: int
    reservation: str
    reason: str | None
    handed_over: bool
    executed: bool
    outcome: str | None
    drop_reason: str | None = None
    deferred: bool | None = None
    dropped_by: str | None = None
    label_code: str | None = None
    # Where custody says the item is now (missing: the board must know before it decides or executes).
    custody_state: str | None = None
    on_hold: bool = False


class ItemOut(BaseModel):
    item_id: uuid.UUID
    seizure_id: uuid.UUID
    seizing_unit: str
    category: str
    value_vnd: int
    perishable: bool
    hazardous: bool
    warehouse_id: str
    custody_state: str | None
    on_hold: bool
    legal_status: str | None
    batch_id: uuid.UUID | None
    custody_actors: list[str]


class BoardOut(BaseModel):
    unit: str
    members: list[str]
    quorum: int
    rejections_to_reject: int


class BatchSummary(BaseModel):
    batch_id: uuid.UUID
    unit: str
    method: str
    status: str
    item_count: int
    proposed_at: datetime
