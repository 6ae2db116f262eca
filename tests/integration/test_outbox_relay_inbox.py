"""The outbox relay and the idempotent consumer against the real broker and database:
crash windows, out-of-order commits, lease fencing and poison messages."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from tangvat_shared.chain import verify_chain
from tangvat_shared.consumer import Event
from tangvat_shared.db import create_pool
from tangvat_shared.envelope import Actor, Envelope
from tangvat_shared.kafka import make_producer
from tangvat_shared.keys import generate_private_key
from tangvat_shared.relay import CLAIM_QUEUED, LeaseLost, Relay, RelayConfig, relay_application_name
from tests.support.databases import migrated_database
from tests.support.events import append_events, new_envelope, wire_bytes
from tests.support.kafka_reader import read_lanes, read_raw
from tests.support.running import consuming
from tests.support.topics import new_topics
from tests.support.waiting import eventually

ACTOR = Actor(user_id="tester", role="admin")


def item_event(n: int) -> Envelope:
    item_id = uuid.uuid4()
    return new_envelope(
        source="relaytest", type="intake.item_registered", schemaversion=1, subject=f"item/{item_id}", actor=ACTOR,
        data={
            "item_id": str(item_id), "seizure_id": str(uuid.uuid4()), "seizing_unit": "QLTT-BN",
            "category": "counterfeit", "description": f"item {n}", "brand": None, "quantity": 1, "unit": "cái",
            "value_vnd": 1000, "perishable": False, "hazardous": False, "condition": "intact", "photos": [],
            "label_code": f"T-{n}", "warehouse_id": "KHO-1",
        },
    )


@pytest.fixture
async def stream_db(infra: Any) -> AsyncIterator[asyncpg.Pool]:
    dsn = await migrated_database(infra.pg_admin_dsn, f"relay_{uuid.uuid4().hex[:8]}", None)
    pool = await create_pool(dsn, max_size=6)
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effect (event_id uuid NOT NULL, applied_at timestamptz DEFAULT now())")
    yield pool
    await pool.close()


@pytest.fixture
async def producer(infra: Any) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(infra.kafka_bootstrap, client_id="test-relay")
    await p.start()
    yield p
    await p.stop()


def relay(pool: asyncpg.Pool, producer: AIOKafkaProducer, topic: str, holder: str, **config: Any) -> Relay:
    return Relay(pool, producer, RelayConfig(stream="relaytest", topic=topic, **config), generate_private_key(),
                 holder=holder)


async def write_events(pool: asyncpg.Pool, n: int) -> list[Envelope]:
    events = [item_event(i) for i in range(n)]
    async with pool.acquire() as conn, conn.transaction():
        await append_events(conn, events)
    return events


async def expire_lease(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("UPDATE stream_head SET relay_expires_at = now() - interval '1 second'")


async def record_effect(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    await conn.executemany("INSERT INTO effect (event_id) VALUES ($1)", [(e.envelope.id,) for e in events])


async def consume_until(pool: asyncpg.Pool, bootstrap: str, topic: str, dlq: str, done: Any,
                        handlers: dict[str, Any] | None = None) -> None:
    async with consuming(bootstrap, pool, group="test", kafka_group=f"g-{uuid.uuid4().hex[:6]}", topics=[topic],
                         handlers=handlers or {"intake.item_registered": record_effect}, dlq_topic=dlq,
                         handler_attempts=2):
        await eventually(done, timeout=60, what="consumer to settle")


async def test_a_relay_killed_after_the_ack_republishes_and_the_consumer_applies_once(
    stream_db: asyncpg.Pool, producer: AIOKafkaProducer, infra: Any
) -> None:
    topic, dlq = await new_topics(infra.kafka_bootstrap, "relaytest.events", "relaytest.dlq")
    written = await write_events(stream_db, 40)
    first = relay(stream_db, producer, topic, "relay-a")
    await first.ensure_stream()
    assert await first.try_acquire()
    messages, _ = await first._claim()
    await first._publish(messages)  # the broker has them; the relay dies before marking them published
    await expire_lease(stream_db)

    second = relay(stream_db, producer, topic, "relay-b")
    assert await second.run_once() == 40  # the same 40 again: a duplicate on the wire
    assert await second.run_once() == 0

    lanes = await read_lanes(infra.kafka_bootstrap, topic)
    assert len(lanes) == 80
    assert len({r["id"] for _, r in lanes}) == 40
    assert verify_chain("relaytest", lanes) == []  # duplicates are byte-identical, not conflicts

    async def settled() -> bool:
        async with stream_db.acquire() as conn:
            return bool(await conn.fetchval("SELECT count(*) FROM inbox") == 40)

    await consume_until(stream_db, infra.kafka_bootstrap, topic, dlq, settled)
    async with stream_db.acquire() as conn:
        counts = await conn.fetch("SELECT event_id, count(*) AS n FROM effect GROUP BY event_id")
    assert {r["event_id"] for r in counts} == {e.id for e in written}
    assert {r["n"] for r in counts} == {1}


async def test_transactions_committing_out_of_id_order_are_not_skipped(
    stream_db: asyncpg.Pool, producer: AIOKafkaProducer, infra: Any
) -> None:
    (topic,) = await new_topics(infra.kafka_bootstrap, "relaytest.events")
    the_relay = relay(stream_db, producer, topic, "relay-a")
    await the_relay.ensure_stream()
    slow = await stream_db.acquire()
    fast = await stream_db.acquire()
    try:
        slow_tx = slow.transaction()
        await slow_tx.start()
        early = item_event(1)
        await append_events(slow, [early])  # takes the lower id, commits last
        async with fast.transaction():
            late = item_event(2)
            await append_events(fast, [late])
        assert await the_relay.run_once() == 1
        await slow_tx.commit()
        assert await the_relay.run_once() == 1
    finally:
        await stream_db.release(slow)
        await stream_db.release(fast)
    lanes = await read_lanes(infra.kafka_bootstrap, topic)
    assert [(r["id"], r["sequence"]) for _, r in sorted(lanes, key=lambda pr: pr[1]["sequence"])] == [
        (str(late.id), 1), (str(early.id), 2)]
    assert verify_chain("relaytest", lanes) == []


async def test_a_relay_that_lost_its_lease_cannot_sequence_or_mark(
    stream_db: asyncpg.Pool, producer: AIOKafkaProducer, infra: Any
) -> None:
    (topic,) = await new_topics(infra.kafka_bootstrap, "relaytest.events")
    old = relay(stream_db, producer, topic, "relay-old")
    new = relay(stream_db, producer, topic, "relay-new")
    await old.ensure_stream()
    assert await old.try_acquire()
    assert not await new.try_acquire()  # one active relay per stream
    await expire_lease(stream_db)  # the old relay was paused (SIGSTOP, GC) past its lease
    assert await new.try_acquire()
    await write_events(stream_db, 5)
    with pytest.raises(LeaseLost):
        await old.run_once()
    async with stream_db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM event WHERE stream_seq IS NOT NULL") == 0
    assert await new.run_once() == 5
    async with stream_db.acquire() as conn:
        head = await conn.fetchrow("SELECT last_seq, published_seq, relay_holder FROM stream_head")
    assert dict(head) == {"last_seq": 5, "published_seq": 5, "relay_holder": "relay-new"}


async def test_a_relay_whose_lease_lapsed_unclaimed_keeps_it_and_publishes_once(
    stream_db: asyncpg.Pool, producer: AIOKafkaProducer, infra: Any
) -> None:
    (topic,) = await new_topics(infra.kafka_bootstrap, "relaytest.events")
    slow = relay(stream_db, producer, topic, "relay-slow")
    await slow.ensure_stream()
    assert await slow.try_acquire()
    await write_events(stream_db, 7)
    await expire_lease(stream_db)  # starved past its lease, but no successor came
    assert await slow.run_once() == 7
    async with stream_db.acquire() as conn:
        head = await conn.fetchrow("SELECT published_seq, relay_holder, relay_expires_at > now() AS live "
                                   "FROM stream_head")
    assert dict(head) == {"published_seq": 7, "relay_holder": "relay-slow", "live": True}
    lanes = await read_lanes(infra.kafka_bootstrap, topic)
    assert len(lanes) == 7


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_consumer_goes_on(
    stream_db: asyncpg.Pool, producer: AIOKafkaProducer, infra: Any
) -> None:
    topic, dlq = await new_topics(infra.kafka_bootstrap, "relaytest.events", "relaytest.dlq")
    good = item_event(1)
    unknown = new_envelope(source="relaytest", type="intake.no_such_event", schemaversion=1, subject="x/1",
                           actor=ACTOR, data={})
    invalid = new_envelope(source="relaytest", type="intake.item_registered", schemaversion=1, subject="x/2",
                           actor=ACTOR, data={"item_id": "not-a-uuid"})
    failing = item_event(2)
    for value in (b"{not json", wire_bytes(unknown), wire_bytes(invalid), wire_bytes(failing), wire_bytes(good)):
        await producer.send_and_wait(topic, value=value, key=b"k")

    async def handler(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
        if any(e.envelope.id == failing.id for e in events):
            raise RuntimeError("handler bug on this event")
        await record_effect(conn, events)

    async def settled() -> bool:
        async with stream_db.acquire() as conn:
            dead = await conn.fetchval("SELECT count(*) FROM dead_letter")
            applied = await conn.fetchval("SELECT count(*) FROM effect")
        return bool(dead == 4 and applied == 1)

    await consume_until(stream_db, infra.kafka_bootstrap, topic, dlq, settled,
                        handlers={"intake.item_registered": handler})
    async with stream_db.acquire() as conn:
        reasons = [r["reason"] for r in await conn.fetch("SELECT reason FROM dead_letter ORDER BY kafka_offset")]
        assert await conn.fetchval("SELECT event_id FROM effect") == good.id
        assert await conn.fetchval("SELECT outcome FROM inbox WHERE event_id = $1", failing.id) == "dead_lettered"
    assert reasons[0].startswith("invalid JSON")
    assert "unknown event type" in reasons[1]
    assert reasons[2].startswith("validation failed")
    assert reasons[3].startswith("handler failed")

    dead_letters = await read_raw(infra.kafka_bootstrap, dlq)
    assert len(dead_letters) == 4
    assert all(dict(r.headers)["tangvat-source-topic"] == topic.encode() for r in dead_letters)
    first = min(dead_letters, key=lambda r: int(dict(r.headers)["tangvat-source-offset"]))
    assert first.value == b"{not json"


async def test_batches_sequenced_while_another_was_in_flight_are_not_skipped_after_a_failure(
    stream_db: asyncpg.Pool, producer: AIOKafkaProducer, infra: Any
) -> None:
    (topic,) = await new_topics(infra.kafka_bootstrap, "relaytest.events")
    await write_events(stream_db, 15)
    failing = relay(stream_db, producer, topic, "relay-a", batch_size=5)
    await failing.ensure_stream()
    assert await failing.try_acquire()
    first, last_first = await failing._claim()  # batch 1..5 handed to the broker...
    await failing._publish(first)
    second, _ = await failing._claim(after=last_first)  # ...6..10 sequenced meanwhile...
    assert len(second) == 5
    # ...and then batch 1's acknowledgement is lost (broker died): nothing is marked.
    await expire_lease(stream_db)
    survivor = relay(stream_db, producer, topic, "relay-b", batch_size=5)
    assert await survivor.drain() == 15
    lanes = await read_lanes(infra.kafka_bootstrap, topic)
    assert sorted({r["sequence"] for _, r in lanes}) == list(range(1, 16))
    assert verify_chain("relaytest", lanes) == []


async def test_a_successor_ends_a_lapsed_holder_stuck_inside_its_transaction(
    stream_db: asyncpg.Pool, producer: AIOKafkaProducer, infra: Any
) -> None:
    """A relay paused while its backend is busy (sending a claimed batch it does not read, a COPY it never
    finishes) keeps the stream head locked, and idle_in_transaction_session_timeout does not apply to a
    busy backend: here the stuck holder is a relay session sleeping inside its transaction after renewing."""
    (topic,) = await new_topics(infra.kafka_bootstrap, "relaytest.events")
    successor = relay(stream_db, producer, topic, "relay-successor", lease_seconds=1.0)
    await successor.ensure_stream()
    stuck = await stream_db.acquire()
    try:
        await stuck.execute(f"SET application_name = '{relay_application_name('relaytest')}'")
        await stuck.execute("BEGIN")
        await stuck.execute("UPDATE stream_head SET relay_holder = 'relay-paused', relay_token = relay_token + 1, "
                            "relay_expires_at = now() + interval '1 second'")
        sleeping = asyncio.ensure_future(stuck.execute("SELECT pg_sleep(3600)"))

        async def took_over() -> bool:
            # Without the fix the successor waits for the row lock forever: bounded here so the test fails instead.
            return await asyncio.wait_for(successor.try_acquire(), timeout=20)

        await eventually(took_over, timeout=30, what="the successor to take the lease over")
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError)):
            await sleeping  # its session was ended
    finally:
        await stream_db.release(stuck)
    async with stream_db.acquire() as conn:
        assert await conn.fetchval("SELECT relay_holder FROM stream_head") == "relay-successor"


async def claim_plan(conn: asyncpg.Connection, claim: str) -> str:
    """The plan a relay keeps for `claim` once PostgreSQL went generic, made on an empty, analyzed queue."""
    await conn.execute("ANALYZE outbox")
    await conn.execute("SET plan_cache_mode = force_generic_plan")
    await conn.execute(f"PREPARE claim(int) AS {claim}")
    try:
        return "\n".join(r[0] for r in await conn.fetch("EXPLAIN EXECUTE claim(5000)"))
    finally:
        await conn.execute("DEALLOCATE claim")


async def test_the_claim_plan_made_on_an_empty_queue_is_no_join(stream_db: asyncpg.Pool) -> None:
    """The queue is usually empty when the relay's statement goes generic, and that plan is kept when a bulk
    command queues 34,200 events in one commit. The claim must be one range scan then: the semi-join it
    replaced became a nested loop re-scanning the queue per row (130 s for one claim of 5,000)."""
    async with stream_db.acquire() as conn:
        semi_join = await claim_plan(conn, "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id "
                                           "LIMIT $1) RETURNING id, event_id, subject, payload")
        plan = await claim_plan(conn, CLAIM_QUEUED)
    assert "Nested Loop" in semi_join, semi_join  # what the check below tells apart
    assert "Join" not in plan and "Nested Loop" not in plan, plan
