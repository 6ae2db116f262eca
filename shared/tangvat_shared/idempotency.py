"""HTTP idempotency keys: a retried command replays its first answer; a reused key with a
different request is a conflict. Checked and recorded inside the command's own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from tangvat_shared.auth import Principal
from tangvat_shared.envelope import Actor
from tangvat_shared.errors import Conflict, InvalidInput

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True)
class CommandContext:
    """Who runs a command and under which correlation; for a retryable command, its key and the
    digest of the request that the key must keep naming."""

    principal: Principal
    correlation_id: uuid.UUID | None = None
    idempotency_key: str | None = None
    request_hash: str = ""

    @property
    def user(self) -> str:
        return self.principal.user_id

    @property
    def actor(self) -> Actor:
        return self.principal.actor


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput("Idempotency-Key must be 1-200 printable characters", code="bad_idempotency_key")
    return key


async def replay_or_lock(
    conn: asyncpg.Connection, principal: str, key: str, request_hash: str
) -> StoredResponse | None:
    """Serialise commands with the same key; return the stored answer if one exists."""
    # Two concurrent retries of one command: the second waits here, then replays the first.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{principal}\x1f{key}")
    row = await conn.fetchrow(
        "SELECT request_hash, status_code, response FROM idempotency_key WHERE principal = $1 AND key = $2",
        principal,
        key,
    )
    if row is None:
        return None
    if row["request_hash"] != request_hash:
        raise Conflict("Idempotency-Key was already used for a different request", code="idempotency_key_reused")
    return StoredResponse(row["status_code"], row["response"])


async def remember(
    conn: asyncpg.Connection, principal: str, key: str, request_hash: str, status_code: int, body: dict[str, Any]
) -> None:
    await conn.execute(
        """INSERT INTO idempotency_key (key, principal, request_hash, status_code, response)
           VALUES ($1, $2, $3, $4, $5)""",
        key,
        principal,
        request_hash,
        status_code,
        body,
    )


Work = Callable[[asyncpg.Connection], Awaitable[tuple[int, dict[str, Any]]]]


async def run_command(pool: asyncpg.Pool, principal: str, key: str | None, request_hash: str,
                      work: Work) -> StoredResponse:
    """One transaction: replay a retried command, or run it and remember its answer."""
    async with pool.acquire() as conn, conn.transaction():
        if key:
            stored = await replay_or_lock(conn, principal, key, request_hash)
            if stored is not None:
                return stored
        status, body = await work(conn)
        if key:
            await remember(conn, principal, key, request_hash, status, body)
    return StoredResponse(status, body)
