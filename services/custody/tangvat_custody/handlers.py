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

from tangvat_custody import SERVICE, domain, store
from tangvat_custody.domain import Draft
from tangvat_custody.service import emit
from tangvat_shared.consumer import Event, Handler
from tangvat_shared.envelope import Actor, envelope_body
from tangvat_shared.events import disposal, intake
from tangvat_shared.events.custody import UnavailableReason
from tangvat_shared.ids import uuid4_strings
from tangvat_shared.outbox import append_records, outbox_record
from tangvat_shared.transitions import ItemState

CONSUMER_ACTOR = Actor(user_id="custody-consumer", role="system")
_HELD = ("reserved_for_disposal", "handed_over")  # the states in which an item belongs to its batch

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
                     d.value_vnd, d.perishable, d.hazardous, d.condition, d.warehouse_id, event.envelope.time))
    inserted = {r["item_id"] for r in await store.insert_awaiting(conn, rows)}
    # Custody's own stream starts each item's chain, so the auditor can replay it from its birth.
    # This loop is a large share of the consumer's CPU per event: the ids come from one urandom
    # call, the timestamp is formatted once, and each seizure's id is turned into a string once.
    event_ids = iter(uuid4_strings(len(inserted)))
    at = now.isoformat()
    names: dict[uuid.UUID, str] = {}
    records = []
    for event in events:
        d = event.data
        assert isinstance(d, intake.ItemRegistered)
        if d.item_id not in inserted:
            continue
        inserted.discard(d.item_id)
        item_id = str(d.item_id)
        seizure_id = names.get(d.seizure_id) or names.setdefault(d.seizure_id, str(d.seizure_id))
        body = envelope_body(
            event_id=next(event_ids), source=SERVICE, type="custody.item_awaiting_receipt", schemaversion=1,
            subject=f"item/{item_id}", actor=CONSUMER_ACTOR, time=at,
            correlation_id=event.envelope.correlationid, causation_id=event.envelope.id,
            data={"item_id": item_id, "seizure_id": seizure_id, "label_code": d.label_code,
                  "warehouse_id": d.warehouse_id, "category": d.category.value, "quantity": d.quantity,
                  "value_vnd": d.value_vnd, "perishable": d.perishable, "hazardous": d.hazardous,
                  "location_code": None},
        )
        records.append(outbox_record(body, now))
    await append_records(conn, records)


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
    now = datetime.now(UTC)
    for event in events:
        d = event.data
        assert isinstance(d, disposal.ReservationRequested)
        known = await store.items(conn, d.item_ids, for_update=True)
        batch = str(d.batch_id)  # once, not per item's event
        drafts: list[Draft] = []
        reserved: list[uuid.UUID] = []
        for item_id in dict.fromkeys(d.item_ids):
            item = known.get(item_id)
            if item is not None and item["batch_id"] == d.batch_id and item["state"] in _HELD:
                # A re-sent request: answered again, idempotently (the first answer may be what was lost).
                drafts.append(domain.item_event(item, "custody.item_still_reserved", batch_id=batch,
                                                warehouse_id=item["warehouse_id"])[1])
                continue
            reason = domain.unavailable_reason(item)
            if reason is None and item is not None:
                drafts.append(domain.item_event(item, "custody.item_reserved", batch_id=batch,
                                                warehouse_id=item["warehouse_id"])[1])
                reserved.append(item_id)
            else:
                drafts.append(_unavailable(item_id, d.batch_id, reason or UnavailableReason.NOT_IN_STORAGE))
        await store.project(conn, "custody.item_reserved", reserved, now, batch_id=d.batch_id)
        await emit(conn, CONSUMER_ACTOR, drafts, now, correlation_id=event.envelope.correlationid,
                   causation_id=event.envelope.id)


def _unavailable(item_id: uuid.UUID, batch_id: uuid.UUID, reason: UnavailableReason) -> Draft:
    return Draft("custody.item_unavailable", domain.item_subject(item_id),
                 {"item_id": str(item_id), "batch_id": str(batch_id), "reason": reason.value})


async def release_reservations(conn: asyncpg.Connection, batch_id: uuid.UUID, items: Sequence[asyncpg.Record],
                               cause: Event) -> None:
    """Custody's one path for items a batch no longer holds (cancelled, or one dropped by the board):
    back to storage on the shelf they left, each with its `custody.reservation_released` naming it."""
    now = datetime.now(UTC)
    drafts = [domain.item_event(item, "custody.reservation_released", batch_id=batch_id)[1] for item in items]
    await store.project(conn, "custody.reservation_released", [i["item_id"] for i in items], now,
                        batch_id=None, handover_id=None)
    await emit(conn, CONSUMER_ACTOR, drafts, now, correlation_id=cause.envelope.correlationid,
               causation_id=cause.envelope.id)


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
        held = [item] if item is not None and item["batch_id"] == d.batch_id and item["state"] in _HELD else []
        await release_reservations(conn, d.batch_id, held, event)


async def items_executed(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    """Disposed or released as the disposal service executed; anything else is refused per item."""
    now = datetime.now(UTC)
    for event in events:
        d = event.data
        assert isinstance(d, disposal.ItemsExecuted)
        event_type = "custody.item_disposed" if d.outcome is disposal.ExecutionOutcome.DISPOSED \
            else "custody.item_released"
        known = await store.items(conn, d.item_ids, for_update=True)
        batch = str(d.batch_id)  # once, not per item's event
        drafts: list[Draft] = []
        done: list[uuid.UUID] = []
        freed: list[uuid.UUID] = []
        for item_id in dict.fromkeys(d.item_ids):
            item = known.get(item_id)
            if item is None:
                drafts.append(_unavailable(item_id, d.batch_id, UnavailableReason.UNKNOWN_ITEM))
                continue
            if item["state"] == d.outcome.value and item["batch_id"] == d.batch_id:
                continue  # already executed (a re-sent chunk)
            ours = item["batch_id"] == d.batch_id and item["state"] in _HELD
            if ours and item["state"] == "handed_over" and not item["on_hold"]:
                drafts.append(domain.item_event(item, event_type, batch_id=batch, method=d.method,
                                                warehouse_id=item["warehouse_id"])[1])
                done.append(item_id)
                continue
            reason = (UnavailableReason.ON_HOLD if item["on_hold"] else
                      UnavailableReason.NOT_HANDED_OVER if ours else UnavailableReason.NOT_RESERVED)
            drafts.append(_unavailable(item_id, d.batch_id, reason))
            if ours:  # the execution closed the batch without it: its reservation must not outlive the batch
                drafts.append(domain.item_event(item, "custody.reservation_released", batch_id=d.batch_id)[1])
                freed.append(item_id)
        await store.project(conn, event_type, done, now)
        await store.project(conn, "custody.reservation_released", freed, now, batch_id=None, handover_id=None)
        await emit(conn, CONSUMER_ACTOR, drafts, now, correlation_id=event.envelope.correlationid,
                   causation_id=event.envelope.id)


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
