"""Custody's answers to the reservation saga: a batch with none left pending becomes ready."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from tangvat_disposal import domain, store
from tangvat_disposal.domain import BatchStatus
from tangvat_shared.command import Draft


async def ready_if_answered(conn: asyncpg.Connection, batch_id: uuid.UUID, status: str, now: datetime
                            ) -> list[Draft]:
    """Move a reserving batch (`status`, read under its row lock) with no item left pending to ready;
    the `disposal.batch_ready` to record (none if it stays as it is)."""
    if status != BatchStatus.RESERVING:
        return []
    if not domain.becomes_ready(status, await store.pending_count(conn, batch_id)):
        return []
    target = BatchStatus.READY
    if not await store.transition(conn, batch_id, target.value, domain.sources_of(target), ready_at=now):
        return []  # cancelled meanwhile, or already ready
    return [domain.batch_ready(batch_id, await store.reservation_counts(conn, batch_id))]
