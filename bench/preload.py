"""A warehouse already full, fast: items stored in custody's tables as custody itself leaves them.

Each preloaded item is what a seizure registered at intake and checked in leaves in custody's
database: its `item` row in storage on a bin, intake's `item_registered` claimed in the `inbox`,
and custody's own two events (`item_awaiting_receipt` from the consumer, `item_received` from the
scan) recorded in `event_record` and sealed into the stream's hash chain (`event_seal`, the
`stream_head`), as already published. The event bodies are the envelopes custody writes
(`envelope_body`, canonical JSON); they are formatted from a template made by those same functions,
and the first of every load is checked byte for byte against them. Everything goes in by COPY."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
from demo_data import items as demo_items

from tangvat_shared.canonical import canonical_json
from tangvat_shared.chain import seal_canonical
from tangvat_shared.envelope import Actor, envelope_body
from tangvat_shared.ids import uuid4_strings
from tangvat_shared.kafka import event_topic

ITEMS_PER_SEIZURE = 1000
CHUNK = 20_000
CONSUMER = Actor(user_id="custody-consumer", role="system")
STAFF = Actor(user_id="bench-staff", role="warehouse_staff")
_ITEM_COLUMNS = ("item_id", "seizure_id", "label_code", "category", "description", "quantity", "unit", "value_vnd",
                 "perishable", "hazardous", "condition", "warehouse_id", "state", "location_code", "registered_at",
                 "received_at", "state_changed_at")
_EVENT_COLUMNS = ("event_id", "event_type", "subject", "occurred_at", "correlation_id", "body")
_INBOX_COLUMNS = ("event_id", "source", "event_type", "topic", "kafka_partition", "kafka_offset", "outcome")

Fields = dict[str, Any]


def _template(build: Callable[[Fields], dict[str, Any]], names: Sequence[str]) -> Callable[[Fields], bytes]:
    """canonical_json(build(values)) as a fill-in: `build` is called once with a marker per name, and
    the markers (quoted JSON strings) are replaced by each event's JSON values."""
    marked = canonical_json(build({name: f"@@{name}@@" for name in names}))
    parts: list[bytes] = []
    order: list[str] = []
    rest = marked
    while b'"@@' in rest:
        before, _, after = rest.partition(b'"@@')
        name, _, rest = after.partition(b'@@"')
        parts.append(before)
        order.append(name.decode())
        parts.append(b"")
    parts.append(rest)

    def fill(values: Fields) -> bytes:
        for i, name in enumerate(order):
            parts[2 * i + 1] = orjson.dumps(values[name])
        return b"".join(parts)

    return fill


def _awaiting(v: Fields) -> dict[str, Any]:
    return envelope_body(
        event_id=v["event_id"], source="custody", type="custody.item_awaiting_receipt", schemaversion=1,
        subject=v["subject"], actor=CONSUMER, time=v["registered_at"], correlation_id=None,
        causation_id=None, data={
            "item_id": v["item_id"], "seizure_id": v["seizure_id"], "label_code": v["label_code"],
            "warehouse_id": v["warehouse_id"], "category": v["category"], "quantity": v["quantity"],
            "value_vnd": v["value_vnd"], "perishable": v["perishable"], "hazardous": v["hazardous"],
            "location_code": None})


def _received(v: Fields) -> dict[str, Any]:
    return envelope_body(
        event_id=v["event_id"], source="custody", type="custody.item_received", schemaversion=1,
        subject=v["subject"], actor=STAFF, time=v["received_at"], data={
            "item_id": v["item_id"], "warehouse_id": v["warehouse_id"], "location_code": v["location_code"],
            "quantity_expected": v["quantity"], "quantity_counted": v["quantity"], "condition": v["condition"],
            "seal_intact": True})


_AWAITING_NAMES = ("event_id", "subject", "registered_at", "item_id", "seizure_id", "label_code", "warehouse_id",
                   "category", "quantity", "value_vnd", "perishable", "hazardous")
_RECEIVED_NAMES = ("event_id", "subject", "received_at", "item_id", "warehouse_id", "location_code", "quantity",
                   "condition")


async def preload(conn: asyncpg.Connection, n: int, warehouse_id: str, bins: Sequence[str]) -> dict[str, float]:
    """Store `n` more items in custody (one transaction, continuing the stream's chain); timings."""
    started = time.perf_counter()
    awaiting = _template(_awaiting, _AWAITING_NAMES)
    received = _template(_received, _RECEIVED_NAMES)
    checked = False
    async with conn.transaction():
        # The relay must be idle (everything it sequenced acknowledged) while the chain is extended.
        head = await conn.fetchrow("SELECT last_seq, last_hash, published_seq FROM stream_head "
                                   "WHERE stream = 'custody' FOR UPDATE")
        if head is None or head["published_seq"] != head["last_seq"] or await conn.fetchval(
                "SELECT count(*) FROM outbox"):
            raise RuntimeError("custody's relay is not idle: preload only between runs")
        seq, prev = head["last_seq"], head["last_hash"]
        base = datetime.now(UTC) - timedelta(days=90)
        generated = copied = 0.0
        for start in range(0, n, CHUNK):
            t0 = time.perf_counter()
            count = min(CHUNK, n - start)
            ids = iter(uuid4_strings(4 * count))
            items, events, seals, inbox = [], [], [], []
            seizure = str(uuid.uuid4())
            for k, fields in enumerate(demo_items(count, warehouse=warehouse_id)):
                if (start + k) % ITEMS_PER_SEIZURE == 0:
                    seizure = str(uuid.uuid4())
                item_id = next(ids)
                registered = base + timedelta(seconds=start + k)
                at = registered + timedelta(days=1)
                v: Fields = {**fields, "item_id": item_id, "seizure_id": seizure, "subject": f"item/{item_id}",
                             "registered_at": registered.isoformat(), "received_at": at.isoformat(),
                             "location_code": bins[(start + k) % len(bins)]}
                items.append((item_id, seizure, v["label_code"], v["category"], v["description"], v["quantity"],
                              v["unit"], v["value_vnd"], v["perishable"], v["hazardous"], v["condition"],
                              warehouse_id, "in_storage", v["location_code"], registered, at, at))
                for kind, fill, build, when in (("custody.item_awaiting_receipt", awaiting, _awaiting, registered),
                                                ("custody.item_received", received, _received, at)):
                    v["event_id"] = next(ids)
                    body = fill(v)
                    if not checked:
                        assert body == canonical_json(build(v)), "the template drifted from custody's envelope"
                    seq += 1
                    _, digest = seal_canonical(body, seq, prev)
                    events.append((v["event_id"], kind, v["subject"], when, None, orjson.Fragment(body)))
                    seals.append((v["event_id"], seq, prev, digest))
                    prev = digest
                checked = True
                inbox.append((next(ids), "intake", "intake.item_registered", event_topic("intake"), 0,
                              start + k, "applied"))
            t1 = time.perf_counter()
            await conn.copy_records_to_table("item", records=items, columns=_ITEM_COLUMNS)
            await conn.copy_records_to_table("event_record", records=events, columns=_EVENT_COLUMNS)
            await conn.copy_records_to_table("event_seal", records=seals,
                                             columns=("event_id", "stream_seq", "prev_hash", "hash"))
            await conn.copy_records_to_table("inbox", records=inbox, columns=_INBOX_COLUMNS)
            generated += t1 - t0
            copied += time.perf_counter() - t1
        await conn.execute("UPDATE stream_head SET last_seq = $1, last_hash = $2, published_seq = $1 "
                           "WHERE stream = 'custody'", seq, prev)
    t2 = time.perf_counter()
    # What autovacuum does to a warehouse filled over months: visibility map and statistics current.
    await conn.execute("VACUUM (ANALYZE) item, event_record, event_seal, inbox")
    return {"generate_s": round(generated, 1), "copy_s": round(copied, 1),
            "vacuum_s": round(time.perf_counter() - t2, 1), "total_s": round(time.perf_counter() - started, 1)}
