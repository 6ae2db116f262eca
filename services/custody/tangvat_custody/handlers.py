"""What custody does with the events it consumes (intake's and disposal's), in bulk.

Each handler runs inside the IdempotentConsumer's transaction, after the batch's event ids were
claimed in the inbox: the effects, custody's own answering events and the claim commit together.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tangvat_custody import SERVICE, store
from tangvat_custody import domain_flows as flows
from tangvat_shared.command import Draft, record
from tangvat_shared.consumer import Event, Handler
from tangvat_shared.envelope import Actor
from tangvat_shared.events import disposal, intake
from tangvat_shared.outbox import Cause
from tangvat_shared.transitions import ItemState

CONSUMER_ACTOR = Actor(user_id="custody-consumer", role="system")

# Intake fields custody keeps a copy of; warehouse only while the item has not arrived.
_CORRECTABLE = {"category", "description", "quantity", "unit", "value_vnd", "perishable", "hazardous", "condition",
                "label_code"}


async def item_registered(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    now = datetime.now(UTC)
    rows = []
    for event in events:
        d = event.data
        assert isinstance(d, intake.ItemRegistered)
        rows.append((d.item_id, d.seizure_id, d.label_code, d.category.value, d.description, d.quantity, d.unit,
                     d.value_vnd, d.perishable, d.hazardous, d.condition, d.warehouse_id, event.envelope.time,
                     d.seizing_unit))
    inserted = {r["item_id"] for r in await store.insert_awaiting(conn, rows)}
    # Custody's own stream starts each item's chain, so the auditor can replay it from its birth. This loop is a
    # large share of the consumer's CPU per event: each seizure's id is turned into a string once, and each draft
    # answers its own intake event (one write for the batch, not one per cause).
    names: dict[uuid.UUID, str] = {}
    drafts: list[Draft] = []
    causes: list[Cause] = []
    for event in events:
        d = event.data
        assert isinstance(d, intake.ItemRegistered)
        if d.item_id not in inserted:
            continue
        inserted.discard(d.item_id)
        item_id = str(d.item_id)
        seizure_id = names.get(d.seizure_id) or names.setdefault(d.seizure_id, str(d.seizure_id))
        drafts.append(Draft("custody.item_awaiting_receipt", f"item/{item_id}", {
            "item_id": item_id, "seizure_id": seizure_id, "label_code": d.label_code,
            "warehouse_id": d.warehouse_id, "category": d.category.value, "quantity": d.quantity,
            "value_vnd": d.value_vnd, "perishable": d.perishable, "hazardous": d.hazardous, "location_code": None}))
        causes.append((event.envelope.correlationid, event.envelope.id))
    await record(conn, source=SERVICE, actor=CONSUMER_ACTOR, drafts=drafts, now=now, causes=causes)


async def item_corrected(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    for event in events:
        d = event.data
        assert isinstance(d, intake.ItemCorrected)
        item = await store.item(conn, d.item_id, for_update=True)
        if item is None:
            continue  # never registered here: nothing to correct
        changes: dict[str, Any] = {c.field: c.new for c in d.changes if c.field in _CORRECTABLE}
        moved = next((c.new for c in d.changes if c.field == "warehouse_id"), None)
        if moved is not None and item["state"] == ItemState.AWAITING_RECEIPT:
            changes["warehouse_id"] = moved
        if changes:
            await store.apply_correction(conn, d.item_id, changes)


async def legal_status_recorded(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    latest: dict[uuid.UUID, intake.LegalStatusRecorded] = {}
    for event in events:
        assert isinstance(event.data, intake.LegalStatusRecorded)
        latest[event.data.seizure_id] = event.data
    await store.record_legal_status(
        conn, list(latest), [d.status.value for d in latest.values()],
        [d.model_dump(mode="json") for d in latest.values()],
    )


async def reservation_requested(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    """Answer every item: reserved for the batch, or unavailable with the reason."""
    for event in events:
        d = event.data
        assert isinstance(d, disposal.ReservationRequested)
        known = await store.items(conn, d.item_ids, for_update=True)
        await _save(conn, flows.answer_reservation(d.batch_id, d.item_ids, _plain(known)), event)


async def release_reservations(conn: asyncpg.Connection, batch_id: uuid.UUID, items: Sequence[asyncpg.Record],
                               cause: Event) -> None:
    """Custody's one path for items a batch no longer holds (cancelled, or one dropped by the board):
    back to storage on the shelf they left, each with its `custody.reservation_released` naming it."""
    await _save(conn, flows.release(batch_id, [dict(i) for i in items]), cause)


async def batch_cancelled(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    for event in events:
        d = event.data
        assert isinstance(d, disposal.BatchCancelled)
        await release_reservations(conn, d.batch_id, await store.items_of_batch(conn, d.batch_id), event)


async def item_dropped(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    """The board took one item out of its batch: release it if custody holds it for that batch (an item
    answered unavailable was never held, and a re-delivered drop finds it released already)."""
    for event in events:
        d = event.data
        assert isinstance(d, disposal.ItemDropped)
        item = (await store.items(conn, [d.item_id], for_update=True)).get(d.item_id)
        await release_reservations(conn, d.batch_id, [item] if item is not None and flows.held_for(item, d.batch_id)
                                   else [], event)


async def items_executed(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    """Disposed or released as the disposal service executed; anything else is refused per item."""
    for event in events:
        d = event.data
        assert isinstance(d, disposal.ItemsExecuted)
        known = await store.items(conn, d.item_ids, for_update=True)
        await _save(conn, flows.execute(d.batch_id, d.outcome is disposal.ExecutionOutcome.DISPOSED, d.method,
                                        d.item_ids, _plain(known)), event)


def _plain(rows: dict[uuid.UUID, asyncpg.Record]) -> dict[uuid.UUID, dict[str, Any]]:
    return {item_id: dict(row) for item_id, row in rows.items()}


async def _save(conn: asyncpg.Connection, decided: flows.Decided, cause: Event) -> None:
    """What a decision changed, and its events answering `cause`, in the consumer's transaction."""
    now = datetime.now(UTC)
    await store.save_items(conn, decided.decisions, now)
    await record(conn, source=SERVICE, actor=CONSUMER_ACTOR, drafts=decided.drafts, now=now,
                 correlation_id=cause.envelope.correlationid, causation_id=cause.envelope.id)


SOURCES = ["intake", "disposal"]

HANDLERS: dict[str, Handler] = {
    "intake.item_registered": item_registered,
    "intake.item_corrected": item_corrected,
    "intake.legal_status_recorded": legal_status_recorded,
    "disposal.reservation_requested": reservation_requested,
    "disposal.batch_cancelled": batch_cancelled,
    "disposal.item_dropped": item_dropped,
    "disposal.items_executed": items_executed,
}
