"""The idempotent consumer: each event's effect is applied exactly once, whatever Kafka redelivers.

For a batch of records the consumer claims the event ids in `inbox` and runs the handlers in
one database transaction, then commits the Kafka offsets. A redelivered event finds its id
already claimed and is skipped. A record that cannot be parsed, has an unknown type or
version, fails validation, or whose handler keeps failing goes to the dead-letter topic with
the reason, is recorded as dead-lettered (`dead_letter`, with the kind of reason), and the
consumer moves on.

The kinds differ in what they mean. Poison (`unparseable`, `unknown_type`, `invalid`) is a
record nobody could apply: dead-lettering it is the right outcome. `handler_failed` is a valid
event that this service's own handler failed to apply: its read model now lacks an effect the
log has, which tangvat_shared.health reports as degraded readiness and the auditor as a finding.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Counter, Gauge
from pydantic import BaseModel, ValidationError

from tangvat_shared.chain import CHECKPOINT_TYPE
from tangvat_shared.envelope import Envelope
from tangvat_shared.events.registry import UnknownEventType, UnknownEventVersion, spec_for
from tangvat_shared.health import HANDLER_FAILED, INVALID, UNKNOWN_TYPE, UNPARSEABLE

log = structlog.get_logger("tangvat.consumer")

CONSUMER_LAG = Gauge(
    "tangvat_consumer_lag", "Records behind the partition's high watermark", ["group", "topic", "partition"]
)
EVENTS_APPLIED = Counter("tangvat_consumer_events_applied_total", "Events applied", ["group", "type"])
EVENTS_DUPLICATE = Counter("tangvat_consumer_duplicates_total", "Redelivered events skipped", ["group"])
EVENTS_DEAD = Counter("tangvat_consumer_dead_lettered_total", "Records sent to the dead-letter topic, by reason",
                      ["group", "reason"])


@dataclass(frozen=True)
class Event:
    """A consumed event: its envelope and its data parsed into the current schema."""

    envelope: Envelope
    data: BaseModel
    topic: str
    partition: int
    offset: int


Handler = Callable[[asyncpg.Connection, Sequence[Event]], Awaitable[None]]


# Failures of the infrastructure, not of the event: retry the batch later, never dead-letter.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,
    # The dead-letter topic unreachable: the record is dead-lettered again once the broker is back.
    KafkaError,
)


class Poison(Exception):
    """A record that can never be applied: the kind of reason (UNPARSEABLE, UNKNOWN_TYPE, INVALID) and the reason."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


# Records parsed between two chances for the event loop to serve the batch in the database.
_PARSE_SLICE = 50


@dataclass(frozen=True)
class _Fetched:
    """One getmany's records, in order, and what parsing made of each."""

    batches: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]]
    records: Sequence[ConsumerRecord[Any, Any]]
    parsed: Sequence[Event | Poison | None]


async def _finished(task: asyncio.Task[_Fetched | None]) -> _Fetched | None:
    """The fetch ahead, once done; a failed one read nothing that has to be rewound."""
    try:
        return await task
    except Exception as exc:  # noqa: BLE001 - the batch before it is what gets retried
        log.warning("consumer.fetch_ahead_failed", error=repr(exc))
        return None


def parse_record(record: ConsumerRecord[Any, Any]) -> Event | None:
    """Parse one record; None for stream checkpoints (not events); raise Poison for garbage."""
    try:
        wire = orjson.loads(record.value)
    except orjson.JSONDecodeError as exc:
        raise Poison(UNPARSEABLE, f"invalid JSON: {exc}") from None
    if not isinstance(wire, dict):
        raise Poison(UNPARSEABLE, "message is not a JSON object")
    if wire.get("type") == CHECKPOINT_TYPE:
        return None
    try:
        envelope = Envelope.model_validate(wire)
        spec = spec_for(envelope.type)
        data = spec.model.model_validate(spec.upcast(envelope.schemaversion, dict(envelope.data)))
    except ValidationError as exc:
        raise Poison(INVALID, f"validation failed: {exc.errors(include_url=False)}") from None
    except UnknownEventType as exc:
        raise Poison(UNKNOWN_TYPE, f"unknown event type {exc}") from None
    except UnknownEventVersion as exc:
        raise Poison(UNKNOWN_TYPE, str(exc)) from None
    return Event(envelope, data, record.topic, record.partition, record.offset)


class IdempotentConsumer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        consumer: AIOKafkaConsumer,
        dlq_producer: AIOKafkaProducer,
        *,
        group: str,
        dlq_topic: str,
        handlers: Mapping[str, Handler],
        max_records: int = 5000,
        handler_attempts: int = 3,
    ) -> None:
        self._pool = pool
        self._consumer = consumer
        self._dlq = dlq_producer
        self._group = group
        self._dlq_topic = dlq_topic
        self._handlers = handlers
        self._max_records = max_records
        self._attempts = handler_attempts

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop`, one batch at a time in offset order.

        While a batch's transaction is in the database, the next batch is fetched and parsed (pure
        CPU, no effects), and the previous batch's offsets travel to Kafka: the consumer's Python
        work overlaps the database's instead of waiting for it. Effects still happen strictly batch
        after batch, and a batch's offsets are committed only after its transaction committed and
        after the previous batch's offsets."""
        ahead: asyncio.Task[_Fetched | None] | None = None
        committing: asyncio.Task[None] | None = None
        try:
            while not stop.is_set():
                fetching, ahead = ahead or asyncio.ensure_future(self._fetch()), None
                fetched = await fetching
                if fetched is None:
                    continue
                ahead = asyncio.ensure_future(self._fetch())
                try:
                    await self._settle(fetched)
                except INFRASTRUCTURE_ERRORS as exc:
                    log.warning("consumer.retry_batch", group=self._group, error=repr(exc))
                    following, ahead = await _finished(ahead), None
                    self._rewind(fetched, following)
                    await asyncio.sleep(1.0)
                    continue
                if committing is not None:
                    await committing
                committing = asyncio.ensure_future(self._commit(fetched.batches))
        finally:
            # Fetched ahead but not applied: nothing of it is committed, so it is consumed again.
            if ahead is not None:
                await _finished(ahead)
            if committing is not None:
                await committing

    async def _fetch(self) -> _Fetched | None:
        batches = await self._consumer.getmany(timeout_ms=200, max_records=self._max_records)
        records = [r for batch in batches.values() for r in batch]
        if not records:
            return None
        return _Fetched(batches, records, await self._parse(records))

    def _rewind(self, fetched: _Fetched, following: _Fetched | None) -> None:
        """Back to the first record of `fetched` on its partitions, and to the first of `following`
        on the partitions only it read from: both are consumed again."""
        first = {tp: batch[0].offset for tp, batch in (following.batches.items() if following else ())}
        first.update({tp: batch[0].offset for tp, batch in fetched.batches.items()})
        assigned = self._consumer.assignment()
        for tp, offset in first.items():
            if tp in assigned:  # a partition revoked meanwhile starts from its committed offset anyway
                self._consumer.seek(tp, offset)

    async def _commit(self, batches: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        try:
            await self._consumer.commit({tp: batch[-1].offset + 1 for tp, batch in batches.items()})
        except KafkaError as exc:
            # Typically a rebalance while this consumer was stalled (paused, GC, slow batch):
            # the effects are committed in the database, so whoever gets these partitions
            # now may redeliver them, and the inbox skips them. Nothing to undo.
            log.warning("consumer.commit_failed", group=self._group, error=repr(exc))
            return
        for tp, batch in batches.items():
            highwater = self._consumer.highwater(tp)
            if highwater is not None:
                CONSUMER_LAG.labels(self._group, tp.topic, tp.partition).set(
                    max(0, highwater - batch[-1].offset - 1)
                )

    async def process(self, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
        """Apply a batch; returns once every record is applied, skipped or dead-lettered."""
        await self._settle(_Fetched({}, records, await self._parse(records)))

    async def _parse(self, records: Sequence[ConsumerRecord[Any, Any]]) -> list[Event | Poison | None]:
        """Each record's event, its poison, or None (a checkpoint, or a type nobody here handles)."""
        parsed: list[Event | Poison | None] = []
        for i, record in enumerate(records):
            if i % _PARSE_SLICE == _PARSE_SLICE - 1:
                # Let the batch in the database go on (its results, its next statement) meanwhile.
                await asyncio.sleep(0)
            try:
                event = parse_record(record)
            except Poison as exc:
                parsed.append(exc)
                continue
            parsed.append(event if event is not None and event.envelope.type in self._handlers else None)
        return parsed

    async def _settle(self, fetched: _Fetched) -> None:
        """Dead-letter the batch's poison, then apply its events (one transaction if they all can)."""
        events: list[Event] = []
        for record, outcome in zip(fetched.records, fetched.parsed, strict=True):
            if isinstance(outcome, Poison):
                await self._dead_letter(record, None, outcome.kind, str(outcome))
            elif outcome is not None:
                events.append(outcome)
        if not events:
            return
        try:
            await self._apply(events)
        except INFRASTRUCTURE_ERRORS:
            raise
        except Exception as exc:  # noqa: BLE001 - isolate the culprit one event at a time
            log.warning("consumer.batch_failed", group=self._group, error=repr(exc), size=len(events))
            for event in events:
                await self._apply_alone(event, fetched.records)

    async def _apply(self, events: Sequence[Event]) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            fresh = await self._claim(conn, events, "applied")
            # A batch may hold the same event twice (a relay re-published it): apply it once.
            todo = []
            for e in events:
                if e.envelope.id in fresh:
                    fresh.discard(e.envelope.id)
                    todo.append(e)
            EVENTS_DUPLICATE.labels(self._group).inc(len(events) - len(todo))
            # Consecutive events of one type go to their handler together (bulk effects).
            start = 0
            while start < len(todo):
                end = start
                kind = todo[start].envelope.type
                while end < len(todo) and todo[end].envelope.type == kind:
                    end += 1
                await self._handlers[kind](conn, todo[start:end])
                EVENTS_APPLIED.labels(self._group, kind).inc(end - start)
                start = end

    async def _apply_alone(self, event: Event, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
        last_error = ""
        for attempt in range(self._attempts):
            try:
                await self._apply([event])
                return
            except INFRASTRUCTURE_ERRORS:
                raise
            except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as exc:
                last_error = repr(exc)
                await asyncio.sleep(0.1 * (attempt + 1))
            except Exception as exc:  # noqa: BLE001 - a handler's failure is the poison's reason
                last_error = repr(exc)
        raw = next((r for r in records if r.topic == event.topic and r.offset == event.offset
                    and r.partition == event.partition), None)
        await self._dead_letter(raw, event, HANDLER_FAILED,
                                f"handler failed after {self._attempts} attempts: {last_error}")

    async def _claim(self, conn: asyncpg.Connection, events: Sequence[Event], outcome: str) -> set[Any]:
        unique: dict[Any, Event] = {}
        for e in events:
            unique.setdefault(e.envelope.id, e)
        rows = await conn.fetch(
            """INSERT INTO inbox (event_id, source, event_type, topic, kafka_partition, kafka_offset, outcome)
               SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[],
                                    $7::text[])
               ON CONFLICT (event_id) DO NOTHING RETURNING event_id""",
            list(unique),
            [e.envelope.source for e in unique.values()],
            [e.envelope.type for e in unique.values()],
            [e.topic for e in unique.values()],
            [e.partition for e in unique.values()],
            [e.offset for e in unique.values()],
            [outcome] * len(unique),
        )
        return {r["event_id"] for r in rows}

    async def _dead_letter(
        self, record: ConsumerRecord[Any, Any] | None, event: Event | None, kind: str, reason: str
    ) -> None:
        """In `dead_letter` (with the event's inbox claim) and on the dead-letter topic, published inside that
        transaction: an event another attempt already settled (applied, or dead-lettered) is never put on the
        topic (the auditor would call an applied event missing), and a broker outage rolls the row back with
        the batch, to be dead-lettered again once the broker is back. A crash between the publication and the
        commit puts the record on the topic twice; the auditor takes each event once."""
        topic = record.topic if record else (event.topic if event else "")
        partition = record.partition if record else (event.partition if event else -1)
        offset = record.offset if record else (event.offset if event else -1)
        raw: bytes | None = record.value if record else None
        headers = [
            ("tangvat-reason", reason[:1000].encode()),
            ("tangvat-reason-kind", kind.encode()),
            ("tangvat-consumer", self._group.encode()),
            ("tangvat-source-topic", topic.encode()),
            ("tangvat-source-partition", str(partition).encode()),
            ("tangvat-source-offset", str(offset).encode()),
        ]
        async with self._pool.acquire() as conn, conn.transaction():
            if event is not None and not await self._claim(conn, [event], "dead_lettered"):
                return  # another attempt already settled this event
            inserted = await conn.fetchval(
                """INSERT INTO dead_letter (event_id, topic, kafka_partition, kafka_offset, reason, raw, kind,
                                            consumer, event_type)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                   ON CONFLICT (consumer, topic, kafka_partition, kafka_offset) DO NOTHING RETURNING id""",
                event.envelope.id if event else None, topic, partition, offset, reason, raw, kind, self._group,
                event.envelope.type if event else None,
            )
            if inserted is None:
                return  # dead-lettered before (a redelivery after a crash): already on the topic
            # A KafkaError here is an infrastructure error: the batch is retried once the broker is back.
            await self._dlq.send_and_wait(self._dlq_topic, value=raw or b"", headers=headers)
        log.error("consumer.dead_lettered", group=self._group, topic=topic, partition=partition,
                  offset=offset, kind=kind, reason=reason[:500])
        EVENTS_DEAD.labels(self._group, kind).inc()
