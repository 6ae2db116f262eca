"""Events built by hand for tests: envelopes of any source and type, appended to an outbox as they are, and
the chain's sealing in its plainest form (the specification the relay's fast paths are held to)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tangvat_shared.canonical import canonical_json, sha256_hex
from tangvat_shared.envelope import Actor, Envelope
from tangvat_shared.outbox import append_records, outbox_record

SYSTEM_ACTOR = Actor(user_id="system", role="system")


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


def wire_bytes(envelope: Envelope) -> bytes:
    """An envelope as a producer puts it on Kafka: its canonical JSON."""
    return canonical_json(envelope.model_dump(mode="json"))


async def append_events(conn: asyncpg.Connection, envelopes: Sequence[Envelope]) -> None:
    """Record hand-built envelopes in the current transaction, as a service's outbox records its own."""
    if not conn.is_in_transaction():
        raise RuntimeError("events must be appended inside the state change's transaction")
    records = []
    for envelope in envelopes:
        body = envelope.model_dump(mode="json", exclude={"sequence", "prevhash", "hash"})
        records.append(outbox_record(body, envelope.time))
    await append_records(conn, records)


def seal(body: dict[str, Any], sequence: int, prev_hash: str) -> tuple[dict[str, Any], str]:
    """Give an unsequenced envelope body its place in the chain; return (wire body, hash)."""
    sealed = dict(body)
    sealed["sequence"] = sequence
    sealed["prevhash"] = prev_hash
    digest = sha256_hex(canonical_json(sealed))
    sealed["hash"] = digest
    return sealed, digest
