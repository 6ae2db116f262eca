"""HTTP idempotency keys: a retried command replays its first answer; a reused key with a
different request is a conflict. Checked and recorded inside the command's own transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from tangvat_shared.errors import Conflict, InvalidInput

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class StoredResponse:
    """The first answer to a command under its key: the outcome's kind and its body."""

    outcome: str
    body: dict[str, Any]

    @property
    def status_code(self) -> int:  # the legacy shape, until every service answers with an Outcome
        return _LEGACY_STATUS[self.outcome]


_LEGACY_STATUS = {"created": 201, "done": 200, "pending": 202}


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
        "SELECT request_hash, outcome, response FROM idempotency_key WHERE principal = $1 AND key = $2",
        principal,
        key,
    )
    if row is None:
        return None
    if row["request_hash"] != request_hash:
        raise Conflict("Idempotency-Key was already used for a different request", code="idempotency_key_reused")
    return StoredResponse(row["outcome"], row["response"])


async def remember(
    conn: asyncpg.Connection, principal: str, key: str, request_hash: str, outcome: str, body: dict[str, Any]
) -> None:
    await conn.execute(
        """INSERT INTO idempotency_key (key, principal, request_hash, outcome, response)
           VALUES ($1, $2, $3, $4, $5)""",
        key,
        principal,
        request_hash,
        outcome,
        body,
    )


LegacyWork = Callable[[asyncpg.Connection], Awaitable[tuple[int, dict[str, Any]]]]


async def run_command(pool: asyncpg.Pool, principal: str, key: str | None, request_hash: str,
                      work: LegacyWork) -> StoredResponse:
    """The legacy shape (work answers a status code), until every service uses tangvat_shared.command."""
    async with pool.acquire() as conn, conn.transaction():
        if key:
            stored = await replay_or_lock(conn, principal, key, request_hash)
            if stored is not None:
                return stored
        status, body = await work(conn)
        outcome = {201: "created", 202: "pending"}.get(status, "done")
        if key:
            await remember(conn, principal, key, request_hash, outcome, body)
    return StoredResponse(outcome, body)
