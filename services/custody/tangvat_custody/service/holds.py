"""Legal holds placed and lifted."""

from __future__ import annotations

import uuid

import asyncpg

from tangvat_custody import domain, store
from tangvat_custody.schemas import (
    HoldIn,
)
from tangvat_custody.service.common import (
    Custody,
    Result,
    _command,
    _emit,
    _item,
    _now,
    _out,
)
from tangvat_shared.command import CommandContext
from tangvat_shared.idempotency import StoredResponse

# --- legal hold ----------------------------------------------------------------------------------


async def set_hold(custody: Custody, ctx: CommandContext, item_id: uuid.UUID, body: HoldIn, place: bool
                   ) -> StoredResponse:
    event_type = "custody.legal_hold_placed" if place else "custody.legal_hold_lifted"

    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        item = await _item(conn, ctx, item_id)
        _, draft = domain.item_event(item, event_type, warehouse_id=item["warehouse_id"], reason=body.reason)
        await store.update_item(conn, item_id, now, on_hold=place, hold_reason=body.reason if place else None)
        return 200, _out("on_hold" if place else "hold_lifted", await _emit(conn, ctx, [draft], now),
                         item_id=item_id)

    return await _command(custody, ctx, work)
