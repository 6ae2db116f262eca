"""SIGKILL of each custody process in the middle of its work: the API while scanners receive items, the
relay while it publishes the awaiting-receipt events of a large intake, the consumer while it applies
that intake. Afterwards every item is received, started and published exactly once, and disposal
(downstream of custody) applies each custody event once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from tests.faults.checks import (
    ITEMS,
    Results,
    audit_streams,
    fully_published,
    kill_midway,
    read_topic,
    register,
    rows,
    sql,
    stream_state,
    wait_until,
    wire_events,
)
from tests.faults.conftest import FaultStack

SCANNED = 1500  # items scanners receive while the API dies under them


def seizure_items(stack: FaultStack, seizure_id: str) -> set[str]:
    return {r["id"] for r in rows(stack, "intake", "SELECT item_id::text AS id FROM item WHERE seizure_id = $1::uuid",
                                  seizure_id)}


def on_kafka(stack: FaultStack, event_type: str, items: set[str]) -> Counter[str]:
    """How many distinct events (by sequence) of this type custody published for each of these items."""
    return Counter(w["data"]["item_id"] for w in wire_events(read_topic(stack, "custody"))
                   if w.get("type") == event_type and w["data"].get("item_id") in items)


def in_custody_stream(stack: FaultStack, event_type: str, seizure_id: str) -> dict[str, int]:
    return rows(stack, "custody", """SELECT count(*) AS events, count(DISTINCT e.subject) AS items
                                       FROM event e JOIN item i ON e.subject = 'item/' || i.item_id
                                      WHERE i.seizure_id = $1::uuid AND e.event_type = $2""", seizure_id, event_type)[0]


def test_the_custody_api_killed_while_scanners_receive_items(system: FaultStack, fault_results: Results) -> None:
    stack = system
    seizure_id, labels = stack.stored_seizure(SCANNED)
    received = "SELECT count(*) FROM item WHERE seizure_id = $1::uuid AND state = 'in_storage'"
    answers: dict[str, Any] = {}
    scanners = threading.Thread(target=lambda: answers.setdefault("scans", stack.check_in(labels)))
    scanners.start()
    try:
        killed_at = kill_midway(stack, stack.process("custody", "api"), "custody", received, seizure_id,
                                at_least=SCANNED // 4)
        started = time.monotonic()
        stack.start("custody", "api")  # the scanners keep retrying, each scan with its own key
    finally:
        scanners.join(timeout=300)
    statuses = Counter(r.status_code for r in answers["scans"])
    recovered = time.monotonic() - started
    wait_until(lambda: fully_published(stack, "custody"), "custody's relay to publish the receipts")
    items = seizure_items(stack, seizure_id)
    in_db = in_custody_stream(stack, "custody.item_received", seizure_id)
    published = on_kafka(stack, "custody.item_received", items)
    audit = audit_streams(stack)
    fault_results.append({
        "scenario": "custody API SIGKILL while scanners receive items (retries with the same key)",
        "recovery_s": round(recovered, 2), "items": SCANNED, "received_when_killed": killed_at,
        "answers": dict(statuses), "in_storage": sql(stack, "custody", received, seizure_id),
        "receipts_recorded": in_db["events"], "receipts_on_kafka": sum(published.values()),
        "lost": SCANNED - len(published), "applied_twice": in_db["events"] - in_db["items"],
        "published_twice": sum(n - 1 for n in published.values()), "out_of_order": audit["out_of_order"],
        "findings": len(audit["findings"])})
    # A scan retried after the crash replays its first answer: none is refused as already received.
    assert statuses == {200: SCANNED}
    assert sql(stack, "custody", received, seizure_id) == SCANNED
    assert in_db == {"events": SCANNED, "items": SCANNED}
    assert published == dict.fromkeys(items, 1)
    assert audit["findings"] == []


def test_the_custody_relay_killed_while_publishing_a_large_intake(system: FaultStack,
                                                                  fault_results: Results) -> None:
    stack = system
    relay = stack.process("custody", "relay")
    before = stream_state(stack, "custody")["published"]
    seizure_id = register(stack, ITEMS)
    killed_at = kill_midway(stack, relay, "custody", "SELECT published_seq - $1 FROM stream_head "
                                                     "WHERE stream = 'custody'", before)
    started = time.monotonic()
    relay.start()
    wait_until(lambda: in_custody_stream(stack, "custody.item_awaiting_receipt", seizure_id)["items"] == ITEMS
               and fully_published(stack, "custody"), "the restarted relay to publish everything", interval=0.2)
    recovered = time.monotonic() - started
    items = seizure_items(stack, seizure_id)
    published = on_kafka(stack, "custody.item_awaiting_receipt", items)
    audit = audit_streams(stack)
    # Downstream, disposal applies each of these custody events once (its inbox claims each id once).
    event_ids = [r["event_id"] for r in rows(stack, "custody", """SELECT e.event_id FROM event e
        JOIN item i ON e.subject = 'item/' || i.item_id WHERE i.seizure_id = $1::uuid
         AND e.event_type = 'custody.item_awaiting_receipt'""", seizure_id)]
    applied = "SELECT count(*) FROM inbox WHERE event_id = ANY($1::uuid[]) AND outcome = 'applied'"
    wait_until(lambda: sql(stack, "disposal", applied, event_ids) == ITEMS, "disposal to apply custody's events",
               interval=0.2)
    awaiting = sql(stack, "disposal", "SELECT count(*) FROM item_custody WHERE item_id = ANY($1::uuid[]) "
                                      "AND custody_state = 'awaiting_receipt'", list(items))
    fault_results.append({
        "scenario": "custody relay SIGKILL while publishing a large intake's awaiting-receipt events",
        "recovery_s": round(recovered, 2), "published_when_killed": killed_at, "of": ITEMS,
        "events_on_kafka": sum(published.values()), "lost": ITEMS - len(published),
        "duplicates_on_the_wire": audit["custody_duplicates_on_the_wire"],
        "disposal_applied": sql(stack, "disposal", applied, event_ids), "disposal_awaiting_receipt": awaiting,
        "applied_twice": len(event_ids) - len(set(event_ids)), "out_of_order": audit["out_of_order"],
        "findings": len(audit["findings"])})
    assert published == dict.fromkeys(items, 1)
    assert audit["findings"] == []  # no conflicting duplicate, no gap, nothing altered
    assert awaiting == ITEMS


def test_the_custody_consumer_killed_mid_intake_applies_every_item_once(system: FaultStack,
                                                                        fault_results: Results) -> None:
    stack = system
    consumer = stack.process("custody", "consume")
    seizure_id = register(stack, ITEMS)
    applied = "SELECT count(*) FROM item WHERE seizure_id = $1::uuid"
    killed_at = kill_midway(stack, consumer, "custody", applied, seizure_id)
    started = time.monotonic()
    consumer.start()
    wait_until(lambda: sql(stack, "custody", applied, seizure_id) == ITEMS, "every item after the restart",
               interval=0.2)
    recovered = time.monotonic() - started
    starts = in_custody_stream(stack, "custody.item_awaiting_receipt", seizure_id)
    items = sql(stack, "custody", "SELECT count(DISTINCT item_id) FROM item WHERE seizure_id = $1::uuid", seizure_id)
    fault_results.append({
        "scenario": "custody consumer SIGKILL mid large intake", "recovery_s": round(recovered, 2),
        "applied_when_killed": killed_at, "of": ITEMS, "items_in_custody": items, "lost": ITEMS - items,
        "chain_starts": starts["events"], "applied_twice": starts["events"] - starts["items"]})
    assert items == sql(stack, "custody", applied, seizure_id) == ITEMS
    assert starts == {"events": ITEMS, "items": ITEMS}
