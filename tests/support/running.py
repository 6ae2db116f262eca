"""A service's relay or consumer running in the test's own event loop, on the real broker and database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tangvat_shared.consumer import Handler, IdempotentConsumer
from tangvat_shared.db import create_pool
from tangvat_shared.kafka import event_topic, make_consumer, make_producer
from tangvat_shared.relay import Relay, RelayConfig


@asynccontextmanager
async def running_relay(infra: Any, dsn: str, stream: str, key: Ed25519PrivateKey, *, holder: str,
                        topic: str | None = None) -> AsyncIterator[Relay]:
    """The stream's relay publishing to `topic` (the stream's own topic by default) until the block ends."""
    pool = await create_pool(dsn, max_size=3)
    producer = make_producer(infra.kafka_bootstrap, client_id=f"{holder}-producer")
    await producer.start()
    relay = Relay(pool, producer, RelayConfig(stream=stream, topic=topic or event_topic(stream)), key, holder=holder)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield relay
    finally:
        stop.set()
        await task
        await producer.stop()
        await pool.close()


@asynccontextmanager
async def running_consumer(infra: Any, dsn: str, *, group: str, topics: list[str], handlers: Mapping[str, Handler],
                           dlq_topic: str, kafka_group: str | None = None) -> AsyncIterator[None]:
    """The shared IdempotentConsumer with `handlers` until the block ends; `kafka_group` keeps test
    sessions from sharing offsets (the inbox group stays `group`)."""
    pool = await create_pool(dsn, max_size=3)
    try:
        async with consuming(infra.kafka_bootstrap, pool, group=group, topics=topics, handlers=handlers,
                             dlq_topic=dlq_topic, kafka_group=kafka_group):
            yield
    finally:
        await pool.close()


@asynccontextmanager
async def consuming(bootstrap: str, pool: asyncpg.Pool, *, group: str, topics: list[str],
                    handlers: Mapping[str, Handler], dlq_topic: str, kafka_group: str | None = None,
                    **options: Any) -> AsyncIterator[None]:
    """The shared IdempotentConsumer over the caller's pool until the block ends; `options` go to it
    (max_records, handler_attempts)."""
    consumer = make_consumer(bootstrap, group_id=kafka_group or group, topics=topics, client_id=f"{group}-consumer")
    dlq = make_producer(bootstrap, client_id=f"{group}-dlq")
    await consumer.start()
    await dlq.start()
    stop = asyncio.Event()
    task = asyncio.create_task(IdempotentConsumer(pool, consumer, dlq, group=group, dlq_topic=dlq_topic,
                                                  handlers=handlers, **options).run(stop))
    try:
        yield
    finally:
        stop.set()
        await task
        try:
            await consumer.stop()
        except asyncio.CancelledError:
            # aiokafka's fetcher, stopped while a fetch request is timing out (a broker slow under load), lets the
            # CancelledError of its own fetch task out of stop(); only a cancellation of this task goes on.
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
        await dlq.stop()


@asynccontextmanager
async def running_app(app: Any, name: str = "intake") -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run (pools open), and a client that calls it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}.test", timeout=120) as client:
            yield client
