"""Writing events into the service's stream, inside the caller's transaction.

An event is recorded (`event_record`) and queued (`outbox`) in the transaction of the state
change that caused it: both commit or neither does. Its sequence number and hash come later,
from the relay, in publication order (`event_seal`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from tangvat_shared.canonical import canonical_json
from tangvat_shared.envelope import Actor, envelope_body
from tangvat_shared.events.registry import spec_for
from tangvat_shared.ids import uuid4_strings

_COLUMNS = ("event_id", "event_type", "subject", "occurred_at", "correlation_id", "body")
_QUEUE_COLUMNS = ("event_id", "subject", "payload")
_COPY_THRESHOLD = 64

Cause = tuple[uuid.UUID | str | None, uuid.UUID | str | None]
"""What an event answers: the correlation id it carries on, and the id of the event that caused it."""


def outbox_record(body: dict[str, Any], occurred_at: datetime) -> tuple[Any, ...]:
    """The `event` row of an unsequenced envelope body (see envelope.envelope_body)."""
    # asyncpg encodes uuid columns from their canonical strings; no UUID objects needed.
    return (body["id"], body["type"], body["subject"], occurred_at, body.get("correlationid"), body)


async def append_records(conn: asyncpg.Connection, records: Sequence[tuple[Any, ...]]) -> None:
    """Bulk path for callers that build (event_id, type, subject, time, correlation, body) rows.

    Each event is recorded and queued for the relay with its canonical bytes, computed once
    here so that the relay never parses JSON.
    """
    queued = [(r[0], r[2], canonical_json(r[5])) for r in records]
    if len(records) >= _COPY_THRESHOLD:
        # The body column gets the canonical bytes too instead of a second serialisation: the same
        # JSON value (jsonb keeps no key order), and the largest part of encoding the COPY.
        stored = [(*r[:5], orjson.Fragment(q[2])) for r, q in zip(records, queued, strict=True)]
        await conn.copy_records_to_table("event_record", records=stored, columns=_COLUMNS)
        await conn.copy_records_to_table("outbox", records=queued, columns=_QUEUE_COLUMNS)
    elif records:
        # One statement, one round trip: a scan's single event is half its database work.
        await conn.execute(
            """WITH recorded AS (
                   INSERT INTO event_record (event_id, event_type, subject, occurred_at, correlation_id, body)
                   SELECT e, t, s, o, c, b
                     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::uuid[], $6::jsonb[])
                          WITH ORDINALITY AS r(e, t, s, o, c, b, n)
                    ORDER BY n)
               INSERT INTO outbox (event_id, subject, payload)
               SELECT e, s, p FROM unnest($1::uuid[], $3::text[], $7::bytea[]) WITH ORDINALITY AS q(e, s, p, n)
                ORDER BY n""",
            [r[0] for r in records], [r[1] for r in records], [r[2] for r in records], [r[3] for r in records],
            [r[4] for r in records], [r[5] for r in records], [q[2] for q in queued],
        )


async def emit(
    conn: asyncpg.Connection,
    *,
    source: str,
    actor: Actor,
    events: Sequence[tuple[str, str, dict[str, Any]]],
    now: datetime,
    correlation_id: uuid.UUID | None = None,
    causation_id: uuid.UUID | None = None,
    causes: Sequence[Cause] | None = None,
) -> list[str]:
    """Record (type, subject, data) events of one command in the current transaction; their ids.

    `causes`, one per event, gives each its own (correlation id, causation id): a consumer's bulk
    handler answering many consumed events in one write; otherwise every event has the given pair."""
    # Per event only what differs: the ids come from one urandom call (uuid4() and str() of each were a
    # fifth of a 34,200-item handover's Python time), the time is formatted once, the
    # correlation and causation ids turned into strings once.
    ids = uuid4_strings(len(events))
    at = now.isoformat()
    if causes is None:
        causes = [(str(correlation_id) if correlation_id else None, str(causation_id) if causation_id else None)]
        causes *= len(events)
    records = [
        outbox_record(envelope_body(event_id=event_id, source=source, type=event_type,
                                    schemaversion=spec_for(event_type).version,
                                    subject=subject, data=data, actor=actor, time=at, correlation_id=correlation,
                                    causation_id=causation), now)
        for event_id, (event_type, subject, data), (correlation, causation) in zip(ids, events, causes, strict=True)
    ]
    await append_records(conn, records)
    return ids
