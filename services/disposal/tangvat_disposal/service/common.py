"""What every disposal command shares: the service's handle, loading a batch locked, saving its moves."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

from tangvat_disposal import SERVICE, domain, store
from tangvat_disposal.domain import BatchStatus
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Draft, record
from tangvat_shared.errors import Conflict, NotFound
from tangvat_shared.files import FileStore, LocalFileStore


@dataclass(frozen=True)
class Disposal:
    pool: asyncpg.Pool
    max_items_per_batch: int = 100_000
    # The executions' evidence (photos, scans, signed minutes) by SHA-256.
    files: FileStore = field(default_factory=lambda: LocalFileStore(Path(".run/files/disposal")))


async def batch(conn: asyncpg.Connection, principal: Principal, batch_id: uuid.UUID, *, for_update: bool = False
                ) -> dict[str, Any]:
    """The batch row as plain values; a command locks it (every command on one batch runs one after another)."""
    row = await store.batch(conn, batch_id, for_update=for_update)
    unknown = NotFound(f"batch {batch_id} not found", code="unknown_batch")
    if row is None:
        raise unknown
    # Another unit's batch does not exist for the caller: the same 404 as an unknown id.
    principal.require_visible_unit(row["unit"], unknown)
    return dict(row)


async def move(conn: asyncpg.Connection, batch_id: uuid.UUID, target: BatchStatus, **fields: Any) -> None:
    """Save a move the domain decided, guarded by the state machine's sources of `target`."""
    if not await store.transition(conn, batch_id, target.value, domain.sources_of(target), **fields):
        # The row lock makes this unreachable, the guarded UPDATE makes it safe anyway.
        raise Conflict("the batch changed meanwhile", code="concurrent_change")


async def record_named(conn: asyncpg.Connection, ctx: CommandContext, now: datetime, drafts: Iterable[Draft]
                       ) -> list[str]:
    """Record at once the drafts whose ids the answer names (a batch's own event, not its item chunks);
    run_command records the drafts `work` returns after them, in the same transaction."""
    return await record(conn, source=SERVICE, actor=ctx.actor, drafts=drafts, now=now,
                        correlation_id=ctx.correlation_id)


def answer_body(batch_id: uuid.UUID, status: str, event_ids: list[str], **details: Any) -> dict[str, Any]:
    return {"batch_id": str(batch_id), "status": status, "event_ids": event_ids, "details": details}
