"""What intake does with custody's events: it keeps the warehouse that holds each item now, so the staff of
that warehouse (and no longer those of the one that sent it away) reprint its label; and the warehouses custody
registered, so that a CSV's destination warehouse is one custody knows.

Custody moves an item to its destination warehouse when the transfer is dispatched and confirms it when it is
received there; intake follows both. Each handler runs inside the IdempotentConsumer's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from tangvat_intake import store
from tangvat_shared.consumer import Event, Handler
from tangvat_shared.events import custody


async def item_transferred(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    # The batch is in the stream's order (an item's events share a partition): the last one per item wins.
    holders: dict[uuid.UUID, str] = {}
    for event in events:
        d = event.data
        if isinstance(d, custody.ItemTransferDispatched):
            holders[d.item_id] = d.to_warehouse_id
        elif isinstance(d, custody.ItemTransferReceived):
            holders[d.item_id] = d.warehouse_id
    if holders:
        await store.set_holding_warehouses(conn, holders)


async def warehouse_registered(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    rows = []
    for event in events:
        d = event.data
        assert isinstance(d, custody.WarehouseRegistered)
        rows.append((d.warehouse_id, d.name, event.envelope.time))
    await store.insert_warehouses(conn, rows)


SOURCES = ["custody"]

HANDLERS: dict[str, Handler] = {
    "custody.item_transfer_dispatched": item_transferred,
    "custody.item_transfer_received": item_transferred,
    "custody.warehouse_registered": warehouse_registered,
}
