"""The event envelope: CloudEvents 1.0 attribute names plus Tangvat's chain extensions.

An envelope is born in a service transaction without `sequence`, `prevhash` and `hash`;
the relay, the single writer of the service's stream, assigns those when it orders the
stream, so the chain never needs cross-transaction coordination at write time.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tangvat_shared.canonical import canonical_json, sha256_hex

GENESIS_HASH = "0" * 64
SPEC_VERSION = "1.0"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str
    role: str


SYSTEM_ACTOR = Actor(user_id="system", role="system")


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

    def chain_body(self) -> dict[str, Any]:
        """The JSON object the hash covers: everything but the hash itself."""
        body = self.model_dump(mode="json", exclude={"hash"})
        return body

    def wire_bytes(self) -> bytes:
        return canonical_json(self.model_dump(mode="json"))


def new_envelope(
    *,
    source: str,
    type: str,
    schemaversion: int,
    subject: str,
    data: dict[str, Any],
    actor: Actor,
    correlation_id: uuid.UUID | None = None,
    causation_id: uuid.UUID | None = None,
    time: datetime | None = None,
) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        source=source,
        type=type,
        schemaversion=schemaversion,
        subject=subject,
        time=time or datetime.now(UTC),
        actorid=actor.user_id,
        actorrole=actor.role,
        correlationid=correlation_id,
        causationid=causation_id,
        data=data,
    )


def chain_hash(body: dict[str, Any]) -> str:
    """Hash of an envelope body (a dict without "hash") that already carries prevhash."""
    return sha256_hex(canonical_json(body))


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
