"""run_command against a real migrated database: one transaction, idempotent replay, events recorded
with the registry's schema version, and a malformed event never reaching the stream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import pytest

from tangvat_shared.auth import Principal, Role
from tangvat_shared.command import CommandContext, Decision, Draft, MalformedEvent, Outcome, run_command
from tangvat_shared.db import create_pool
from tangvat_shared.errors import Conflict
from tests.support.databases import migrated_database

PRINCIPAL = Principal("kernel-tester", frozenset({Role.ADMIN}), frozenset({"*"}), frozenset({"*"}))


@pytest.fixture
async def pool(infra: Any) -> AsyncIterator[asyncpg.Pool]:
    dsn = await migrated_database(infra.pg_admin_dsn, f"kernel_{uuid.uuid4().hex[:8]}", None)
    p = await create_pool(dsn, max_size=4)
    async with p.acquire() as conn:
        await conn.execute("CREATE TABLE thing (name text PRIMARY KEY)")
    yield p
    await p.close()


def ctx(key: str | None = None, request_hash: str = "h1") -> CommandContext:
    return CommandContext(PRINCIPAL, uuid.uuid4(), key, request_hash)


def register(name: str, data: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        await conn.execute("INSERT INTO thing VALUES ($1)", name)
        draft = Draft("custody.warehouse_registered", f"warehouse/{name}",
                      data if data is not None else {"warehouse_id": name, "name": f"Kho {name}"})
        return Outcome.created({"name": name}), [draft]
    return work


async def test_a_command_records_its_state_and_event_in_one_transaction(pool: asyncpg.Pool) -> None:
    outcome = await run_command(pool, ctx(), "custody", register("KHO-1"))
    assert outcome.body["name"] == "KHO-1"
    [event_id] = outcome.body["event_ids"]
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT body FROM event_record WHERE event_id = $1", uuid.UUID(event_id))
        queued = await conn.fetchval("SELECT count(*) FROM outbox WHERE event_id = $1", uuid.UUID(event_id))
    assert row["body"]["schemaversion"] == 1 and row["body"]["actorid"] == "kernel-tester"
    assert queued == 1


async def test_a_retry_under_the_same_key_replays_the_first_answer(pool: asyncpg.Pool) -> None:
    first = await run_command(pool, ctx("k-1"), "custody", register("KHO-2"))
    again = await run_command(pool, ctx("k-1"), "custody", register("KHO-2"))
    assert again.kind is first.kind and again.body == first.body
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM event_record") == 1
    with pytest.raises(Conflict):
        await run_command(pool, ctx("k-1", request_hash="other"), "custody", register("KHO-2"))


async def test_a_malformed_event_rolls_back_the_whole_command(pool: asyncpg.Pool) -> None:
    with pytest.raises(MalformedEvent):
        await run_command(pool, ctx("k-2"), "custody", register("KHO-3", {"warehouse_id": "KHO-3"}))
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM thing") == 0
        assert await conn.fetchval("SELECT count(*) FROM event_record") == 0
        assert await conn.fetchval("SELECT count(*) FROM idempotency_key") == 0
