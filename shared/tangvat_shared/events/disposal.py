"""The disposal → custody contract: what the disposal service publishes (stream `disposal`).

Item lists travel in chunks of at most 2,000 ids per event; custody answers every item of a
reservation request with `custody.item_reserved` or `custody.item_unavailable` (with reason),
and every executed item with `custody.item_disposed` / `custody.item_released`.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from tangvat_shared.types import ShortText, Text

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


class ItemsExecuted(EventData):
    batch_id: uuid.UUID
    method: ShortText
    outcome: ExecutionOutcome
    item_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_ITEMS_PER_EVENT)
    chunk: int = Field(default=1, ge=1)
    chunks: int = Field(default=1, ge=1)
