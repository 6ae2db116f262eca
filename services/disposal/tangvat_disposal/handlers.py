"""What disposal does with the events it consumes: intake's and custody's, folded into its read model,
and custody's answers to the reservation saga. Each handler runs in the IdempotentConsumer's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg

from tangvat_disposal import SERVICE, store
from tangvat_disposal.domain import Reservation
from tangvat_disposal.service import ready_if_answered
from tangvat_shared.auth import canonical_user_id
from tangvat_shared.command import Draft, record
from tangvat_shared.consumer import Event, Handler
from tangvat_shared.envelope import Actor
from tangvat_shared.events import custody, intake
from tangvat_shared.transitions import TRANSITIONS, HoldRule

CONSUMER_ACTOR = Actor(user_id="disposal-consumer", role="system")


async def item_registered(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    rows = []
    for event in events:
        d = event.data
        assert isinstance(d, intake.ItemRegistered)
        rows.append((d.item_id, d.seizure_id, d.seizing_unit, d.category.value, d.description, d.quantity, d.unit,
                     d.value_vnd, d.perishable, d.hazardous, d.warehouse_id, d.label_code, event.envelope.time))
    await store.insert_items(conn, rows)


async def item_corrected(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    for event in events:
        d = event.data
        assert isinstance(d, intake.ItemCorrected)
        await store.correct_item(conn, d.item_id, {c.field: c.new for c in d.changes})


async def legal_status_recorded(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    latest: dict[uuid.UUID, intake.LegalStatusRecorded] = {}
    for event in events:
        assert isinstance(event.data, intake.LegalStatusRecorded)
        latest[event.data.seizure_id] = event.data
    await store.record_legal_status(conn, list(latest), [d.status.value for d in latest.values()],
                                    [d.decision_number for d in latest.values()], datetime.now(UTC))


# The people a custody item event names besides its actor; each is in the item's chain of custody (kept by
# canonical id, as the witness rules compare people). A handover's `recipient_user_id` is the person of Tangvat
# who took the goods; its `recipient` (words, often a team's name) is kept too, in case someone typed an id there.
CHAIN_FIELDS = ("requested_by", "confirmed_by", "recipient", "recipient_user_id")


def _item_id(event: Event) -> uuid.UUID:
    item_id = getattr(event.data, "item_id", None)
    assert isinstance(item_id, uuid.UUID)
    return item_id


async def custody_item_event(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    """Fold one run of same-type custody item events: state, hold flag, and who handled the item."""
    kind = events[0].envelope.type
    transition = TRANSITIONS[kind]
    item_ids = [_item_id(e) for e in events]
    if transition.target is not None:
        await store.set_custody_state(conn, item_ids, transition.target.value)
    if transition.hold in (HoldRule.PLACES, HoldRule.LIFTS):
        await store.set_hold(conn, item_ids, transition.hold is HoldRule.PLACES)
    people = [(i, canonical_user_id(e.envelope.actorid)) for i, e in zip(item_ids, events, strict=True)
              if e.envelope.actorrole != "system"]
    # The second person of a two-person rule touched the item too, and so did whoever a handover gave it to.
    for item_id, event in zip(item_ids, events, strict=True):
        for name in CHAIN_FIELDS:
            value = getattr(event.data, name, None)
            if isinstance(value, str) and value.strip():
                people.append((item_id, canonical_user_id(value)))
    if people:
        await store.add_custody_actors(conn, [p[0] for p in people], [p[1] for p in people])


async def reservation_answered(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    """custody.item_reserved / item_still_reserved / item_unavailable: settle each pending item; a fully
    answered batch is ready."""
    await custody_item_event(conn, events)
    batch_ids, item_ids, answers, reasons = [], [], [], []
    late_batches, late_items, late_outcomes = [], [], []
    for event in events:
        d = event.data
        assert isinstance(d, custody.ItemReserved | custody.ItemStillReserved | custody.ItemUnavailable)
        batch_ids.append(d.batch_id)
        item_ids.append(d.item_id)
        reason = d.reason.value if isinstance(d, custody.ItemUnavailable) else None
        answers.append(Reservation.UNAVAILABLE.value if reason else Reservation.RESERVED.value)
        reasons.append(reason)
        if reason:  # an unavailable answer to an executed item: custody refused the execution
            late_batches.append(d.batch_id)
            late_items.append(d.item_id)
            late_outcomes.append(f"refused:{reason}")
    # The batch rows first, as commands do (then their items): a concurrent cancel, drop or execution
    # waits, never deadlocks (a drop locks the batch, then the item's batch_item row).
    statuses: dict[uuid.UUID, str] = {}
    for batch_id in sorted(set(batch_ids)):
        row = await store.batch(conn, batch_id, for_update=True)
        if row is not None:
            statuses[batch_id] = row["status"]
    settled = await store.record_reservations(conn, batch_ids, item_ids, answers, reasons)
    if late_items:
        await store.record_outcomes(conn, late_batches, late_items, late_outcomes)
    now = datetime.now(UTC)
    drafts: list[Draft] = []
    for batch_id in sorted({r["batch_id"] for r in settled}):
        gone = [r["item_id"] for r in settled
                if r["batch_id"] == batch_id and r["reservation"] == Reservation.UNAVAILABLE]
        if gone:  # custody will not hold them for this batch: they are free for another proposal
            await store.release_items(conn, batch_id, gone)
        drafts += await ready_if_answered(conn, batch_id, statuses.get(batch_id, ""), now)
    if drafts:
        await record(conn, source=SERVICE, actor=CONSUMER_ACTOR, drafts=drafts, now=now,
                     correlation_id=events[0].envelope.correlationid, causation_id=events[0].envelope.id)


async def reservation_released(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    """A cancelled batch's items, items its execution refused, or an item the board dropped: free for another
    proposal (a dropped item already is: its row stays dropped)."""
    await custody_item_event(conn, events)
    rows = [(e.data.batch_id, e.data.item_id) for e in events if isinstance(e.data, custody.ReservationReleased)]
    await store.record_released(conn, [r[0] for r in rows], [r[1] for r in rows])
    for batch_id in sorted({r[0] for r in rows}):
        await store.release_items(conn, batch_id, [r[1] for r in rows if r[0] == batch_id])


async def handed_over(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    """custody.item_handed_over: the goods are with the disposal team; the batch may execute them."""
    await custody_item_event(conn, events)
    rows = [(e.data.batch_id, e.data.item_id) for e in events if isinstance(e.data, custody.ItemHandedOver)]
    await store.record_handed_over(conn, [r[0] for r in rows], [r[1] for r in rows])


async def executed(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    """custody.item_disposed / item_released: custody's confirmation that the item left for good."""
    await custody_item_event(conn, events)
    outcome = "disposed" if events[0].envelope.type == "custody.item_disposed" else "released"
    rows = [(e.data.batch_id, e.data.item_id) for e in events
            if isinstance(e.data, custody.ItemDisposed | custody.ItemReleased)]
    await store.record_outcomes(conn, [r[0] for r in rows], [r[1] for r in rows], [outcome] * len(rows))


SOURCES = ["intake", "custody"]

HANDLERS: dict[str, Handler] = {
    "intake.item_registered": item_registered,
    "intake.item_corrected": item_corrected,
    "intake.legal_status_recorded": legal_status_recorded,
    **{t: custody_item_event for t in custody.ITEM_EVENTS},
    "custody.item_reserved": reservation_answered,
    "custody.item_still_reserved": reservation_answered,
    "custody.item_unavailable": reservation_answered,
    "custody.item_handed_over": handed_over,
    "custody.reservation_released": reservation_released,
    "custody.item_disposed": executed,
    "custody.item_released": executed,
}
