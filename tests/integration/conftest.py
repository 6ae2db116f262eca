"""A service wired to the real test broker and database: intake's API in-process, its relay running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tangvat_intake.api import build_app
from tangvat_shared.auth import TokenVerifier
from tangvat_shared.db import create_pool
from tangvat_shared.kafka import event_topic, make_producer
from tangvat_shared.keys import load_private_key
from tangvat_shared.relay import Relay, RelayConfig
from tests.support.databases import migrated_database
from tests.support.tokens import TokenFactory, bearer

__all__ = ["TokenFactory", "bearer", "running_app"]  # keys_dir, auth_key and token come from tests/conftest.py


@pytest.fixture(scope="session")
async def intake_dsn(infra: Any) -> str:
    return await migrated_database(infra.pg_admin_dsn, "intake", "tangvat_intake")


@asynccontextmanager
async def running_app(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake.test", timeout=120) as client:
            yield client


@pytest.fixture(scope="session")
async def intake_client(intake_dsn: str, keys_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    from tangvat_shared.keys import load_public_key

    verifier = TokenVerifier(load_public_key((keys_dir / "auth.pub.pem").read_bytes()))
    app = build_app(intake_dsn, verifier, load_private_key((keys_dir / "intake.pem").read_bytes()))
    async with running_app(app) as client:
        yield client


@pytest.fixture(scope="session")
async def intake_relay(infra: Any, intake_dsn: str, keys_dir: Path) -> AsyncIterator[Relay]:
    pool = await create_pool(intake_dsn, max_size=3)
    producer = make_producer(infra.kafka_bootstrap, client_id="test-intake-relay")
    await producer.start()
    relay = Relay(pool, producer, RelayConfig(stream="intake", topic=event_topic("intake")),
                  load_private_key((keys_dir / "intake.pem").read_bytes()), holder="test-relay")
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield relay
    finally:
        stop.set()
        await task
        await producer.stop()
        await pool.close()
