"""The idempotent consumer reads and parses the next batch while the previous one is in the database:
a database outage then must rewind both batches, and nothing may be lost, applied twice or reordered."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tangvat_shared.consumer import Event, IdempotentConsumer
from tangvat_shared.db import create_pool
from tangvat_shared.envelope import Actor
from tests.support.databases import migrated_database
from tests.support.events import new_envelope, wire_bytes
from tests.support.running import consuming
from tests.support.topics import new_topics
from tests.support.waiting import eventually

ACTOR = Actor(user_id="tester", role="admin")
EVENTS = 3000
BATCH = 250  # small batches: many of them, so a fetch ahead is always holding records


def item_event_bytes(n: int) -> tuple[bytes, bytes]:
    item_id = uuid.uuid4()
    envelope = new_envelope(
        source="pipetest", type="intake.item_registered", schemaversion=1, subject=f"item/{item_id}", actor=ACTOR,
        data={
            "item_id": str(item_id), "seizure_id": str(uuid.uuid4()), "seizing_unit": "QLTT-BN",
            "category": "counterfeit", "description": f"item {n}", "brand": None, "quantity": 1, "unit": "cái",
            "value_vnd": 1000, "perishable": False, "hazardous": False, "condition": "intact", "photos": [],
            "label_code": f"P-{n}", "warehouse_id": "KHO-1",
        },
    )
    return envelope.subject.encode(), wire_bytes(envelope)


@pytest.fixture
async def db(infra: Any) -> AsyncIterator[asyncpg.Pool]:
    dsn = await migrated_database(infra.pg_admin_dsn, f"pipe_{uuid.uuid4().hex[:8]}", None)
    pool = await create_pool(dsn, max_size=4)
    async with pool.acquire() as conn:
        # `seq` records the order in which effects were applied (a sequence is not rolled back,
        # but it only ever grows, so committed rows keep their application order).
        await conn.execute("""CREATE TABLE effect (seq bigserial PRIMARY KEY, event_id uuid NOT NULL,
                                                   kafka_partition int NOT NULL, kafka_offset bigint NOT NULL)""")
    yield pool
    await pool.close()


async def run_consumer(pool: asyncpg.Pool, bootstrap: str, topic: str, group: str, handler: Any,
                       done: Any) -> None:
    async with consuming(bootstrap, pool, group="pipe", kafka_group=group, topics=[topic],
                         handlers={"intake.item_registered": handler}, dlq_topic=f"{topic}.dlq", max_records=BATCH):
        await eventually(done, timeout=90, what="the consumer to settle")


async def test_a_database_outage_mid_batch_rewinds_the_batch_fetched_ahead_too(db: asyncpg.Pool, infra: Any) -> None:
    (topic,) = await new_topics(infra.kafka_bootstrap, "pipetest.events", partitions=3)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        sent = [await producer.send(topic, value=value, key=key) for key, value in map(item_event_bytes, range(EVENTS))]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()

    calls = 0

    async def flaky(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
        nonlocal calls
        calls += 1
        await conn.executemany(
            "INSERT INTO effect (event_id, kafka_partition, kafka_offset) VALUES ($1, $2, $3)",
            [(e.envelope.id, e.partition, e.offset) for e in events])
        if calls in (2, 5, 6):  # after writing: the transaction's effects must vanish with it
            raise ConnectionResetError("the database went away mid-batch")

    async def settled() -> bool:
        async with db.acquire() as conn:
            return bool(await conn.fetchval("SELECT count(*) FROM inbox") == EVENTS)

    group = f"pipe-{uuid.uuid4().hex[:6]}"
    await run_consumer(db, infra.kafka_bootstrap, topic, group, flaky, settled)
    assert calls > 6  # the outages happened, and were retried

    async with db.acquire() as conn:
        rows = await conn.fetch("SELECT event_id, kafka_partition, kafka_offset FROM effect ORDER BY seq")
    assert len(rows) == EVENTS
    assert len({r["event_id"] for r in rows}) == EVENTS
    for partition in {r["kafka_partition"] for r in rows}:
        offsets = [r["kafka_offset"] for r in rows if r["kafka_partition"] == partition]
        assert offsets == sorted(offsets) == list(range(offsets[0], offsets[0] + len(offsets)))

    # Every applied batch's offsets were committed, the last one's too (on the way out).
    reader = AIOKafkaConsumer(bootstrap_servers=infra.kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        ends = await reader.end_offsets(partitions)
        assert {tp: await reader.committed(tp) for tp in partitions} == ends
    finally:
        await reader.stop()


def test_a_rewind_covers_partitions_only_the_batch_fetched_ahead_read_from() -> None:
    from types import SimpleNamespace

    from tangvat_shared.consumer import _Fetched

    a, b, c, gone = (TopicPartition("t", p) for p in range(4))
    seeks: dict[TopicPartition, int] = {}
    kafka = SimpleNamespace(assignment=lambda: {a, b, c}, seek=seeks.__setitem__)
    consumer = IdempotentConsumer(None, kafka, None, group="g", dlq_topic="d", handlers={})

    def fetched(**first: tuple[TopicPartition, int]) -> _Fetched:
        batches: Any = {tp: [SimpleNamespace(offset=o), SimpleNamespace(offset=o + 1)] for tp, o in first.values()}
        return _Fetched(batches, [], [])

    consumer._rewind(fetched(x=(a, 10), y=(b, 20)), fetched(x=(a, 12), z=(c, 30), w=(gone, 5)))
    assert seeks == {a: 10, b: 20, c: 30}  # `gone` was revoked meanwhile: not ours to seek
    seeks.clear()
    consumer._rewind(fetched(x=(a, 10)), None)
    assert seeks == {a: 10}
