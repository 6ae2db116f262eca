"""The event envelope: CloudEvents 1.0 attribute names plus Tangvat's chain extensions.

An envelope is born in a service transaction without `sequence`, `prevhash` and `hash`;
the relay, the single writer of the service's stream, assigns those when it orders the
stream, so the chain never needs cross-transaction coordination at write time.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

GENESIS_HASH = "0" * 64
SPEC_VERSION = "1.0"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str
    role: str


class Envelope(BaseModel):
    """One event as it travels on Kafka and is stored in a service's `event` table."""

    model_config = ConfigDict(frozen=True)

    specversion: str = SPEC_VERSION
    id: uuid.UUID
    source: str
    type: str
    schemaversion: int
    subject: str
    time: datetime
    datacontenttype: str = "application/json"
    actorid: str
    actorrole: str
    correlationid: uuid.UUID | None = None
    causationid: uuid.UUID | None = None
    sequence: int | None = Field(default=None, ge=1)
    prevhash: str | None = None
    hash: str | None = None
    data: dict[str, Any]


def envelope_body(
    *,
    event_id: uuid.UUID | str,
    source: str,
    type: str,
    schemaversion: int,
    subject: str,
    data: dict[str, Any],
    actor: Actor,
    time: datetime | str,
    correlation_id: uuid.UUID | str | None = None,
    causation_id: uuid.UUID | str | None = None,
) -> dict[str, Any]:
    """The stored (unsequenced) JSON body of an event; `data` must already be JSON values.

    Bulk writers build bodies with this instead of an Envelope model per event: the shape is
    the same one `Envelope.model_validate` reads back.
    """
    return {
        "specversion": SPEC_VERSION,
        "id": str(event_id),
        "source": source,
        "type": type,
        "schemaversion": schemaversion,
        "subject": subject,
        "time": time if isinstance(time, str) else time.isoformat(),
        "datacontenttype": "application/json",
        "actorid": actor.user_id,
        "actorrole": actor.role,
        "correlationid": str(correlation_id) if correlation_id else None,
        "causationid": str(causation_id) if causation_id else None,
        "data": data,
    }
