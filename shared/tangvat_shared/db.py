"""PostgreSQL connections and numbered SQL migrations."""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import asyncpg
import orjson

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_MIGRATION_LOCK = 7_464_261  # advisory lock key: two migrators never interleave


def _encode_jsonb(value: Any) -> bytes:
    return b"\x01" + orjson.dumps(value)  # jsonb's binary format: version 1, then the JSON text


def _decode_jsonb(data: bytes) -> Any:
    return orjson.loads(data[1:])


async def _init_connection(conn: asyncpg.Connection) -> None:
    # Binary codecs, so that COPY (always binary) can carry JSON columns too.
    await conn.set_type_codec("jsonb", encoder=_encode_jsonb, decoder=_decode_jsonb, schema="pg_catalog",
                              format="binary")
    await conn.set_type_codec("json", encoder=orjson.dumps, decoder=orjson.loads, schema="pg_catalog",
                              format="binary")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to undo when a connection goes back to the pool: our code keeps no session state
    (no SET, LISTEN, cursors or session advisory locks; the only advisory locks are per transaction).
    asyncpg still rolls back an open transaction first; what this skips is its default reset
    query, one more round trip per request."""


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10, **kwargs: Any) -> asyncpg.Pool:
    kwargs.setdefault("reset", _keep_session)
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, **kwargs
    )
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


def _migrations(package: str) -> list[tuple[int, str, Traversable]]:
    found = []
    for entry in resources.files(package).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry))
    return sorted(found, key=lambda m: m[0])


async def migrate(dsn: str, components: list[tuple[str, str]]) -> list[str]:
    """Apply pending migrations of each (component, package) in order; return what ran."""
    applied: list[str] = []
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migration (
                   component text NOT NULL, version integer NOT NULL, name text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (component, version))"""
        )
        for component, package in components:
            done = {
                r["version"]
                for r in await conn.fetch(
                    "SELECT version FROM schema_migration WHERE component = $1", component
                )
            }
            for version, name, entry in _migrations(package):
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(entry.read_text(encoding="utf-8"))
                    await conn.execute(
                        "INSERT INTO schema_migration (component, version, name) VALUES ($1, $2, $3)",
                        component,
                        version,
                        name,
                    )
                applied.append(f"{component}/{name}")
    finally:
        await conn.close()
    return applied


SHARED_MIGRATIONS = ("shared", "tangvat_shared.migrations")
