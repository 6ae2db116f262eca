"""SIGKILL of each disposal process in the middle of its work: the consumer while it folds a large intake
into its read model; the API while a batch of several thousand items is being proposed, and the relay
while the board's approval (and its reservation requests to custody) is being published. Afterwards
the read model holds every item once, the batch's events are on Kafka once in effect, and custody
answers each item exactly once. (Execution and the custody handover are not exercised here.)"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from typing import Any

import asyncpg

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
from tests.faults.conftest import BOARD, UNIT, FaultStack, unique_key

BATCH = 3000  # items of the proposed batch


def test_the_disposal_consumer_killed_mid_intake_holds_every_item_once(system: FaultStack,
                                                                       fault_results: Results) -> None:
    stack = system
    consumer = stack.process("disposal", "consume")
    dead_before = sql(stack, "disposal", "SELECT count(*) FROM dead_letter")
    seizure_id = register(stack, ITEMS)
    applied = "SELECT count(*) FROM item WHERE seizure_id = $1::uuid"
    killed_at = kill_midway(stack, consumer, "disposal", applied, seizure_id)
    started = time.monotonic()
    consumer.start()
    item_ids = [r["item_id"] for r in rows(stack, "intake", "SELECT item_id FROM item WHERE seizure_id = $1::uuid",
                                           seizure_id)]
    awaiting = ("SELECT count(*) FROM item_custody WHERE item_id = ANY($1::uuid[]) "
                "AND custody_state = 'awaiting_receipt'")
    wait_until(lambda: sql(stack, "disposal", applied, seizure_id) == ITEMS
               and sql(stack, "disposal", awaiting, item_ids) == ITEMS, "every item after the restart", interval=0.2)
    recovered = time.monotonic() - started
    registrations = [r["event_id"] for r in rows(
        stack, "intake", "SELECT event_id FROM event WHERE event_type = 'intake.item_registered' "
                         "AND subject = ANY($1::text[])", [f"item/{i}" for i in item_ids])]
    claimed = sql(stack, "disposal", "SELECT count(*) FROM inbox WHERE event_id = ANY($1::uuid[])", registrations)
    distinct = sql(stack, "disposal", "SELECT count(DISTINCT item_id) FROM item WHERE seizure_id = $1::uuid",
                   seizure_id)
    dead = sql(stack, "disposal", "SELECT count(*) FROM dead_letter") - dead_before
    fault_results.append({
        "scenario": "disposal consumer SIGKILL mid large intake", "recovery_s": round(recovered, 2),
        "applied_when_killed": killed_at, "of": ITEMS, "items_in_read_model": distinct, "lost": ITEMS - distinct,
        "registrations_claimed": claimed, "applied_twice": sql(stack, "disposal", applied, seizure_id) - distinct,
        "dead_lettered": dead})
    assert distinct == sql(stack, "disposal", applied, seizure_id) == ITEMS
    assert claimed == len(registrations) == ITEMS
    assert dead == 0


def sessions_in_a_transaction(stack: FaultStack) -> int:
    async def run() -> int:
        conn = await asyncpg.connect(stack.infra.pg_admin_dsn)
        try:
            return int(await conn.fetchval(
                """SELECT count(*) FROM pg_stat_activity WHERE datname = 'disposal' AND pid <> pg_backend_pid()
                     AND state <> 'idle' AND query ILIKE '%batch%'"""))
        finally:
            await conn.close()

    return asyncio.run(run())


def test_the_disposal_api_and_relay_killed_while_a_large_batch_is_proposed_and_approved(
    system: FaultStack, fault_results: Results
) -> None:
    stack = system
    seizure_id, labels = stack.stored_seizure(BATCH)
    assert Counter(r.status_code for r in stack.check_in(labels)) == {200: BATCH}
    eligible = """SELECT count(*) FROM item i JOIN item_custody c USING (item_id) JOIN seizure_legal_status s
                  USING (seizure_id) WHERE i.seizure_id = $1::uuid AND c.custody_state = 'in_storage'"""
    wait_until(lambda: sql(stack, "disposal", eligible, seizure_id) == BATCH, "disposal to see the items stored",
               interval=0.2)
    api, relay = stack.process("disposal", "api"), stack.process("disposal", "relay")
    member = {"role": "board_member"}

    # The proposal in flight when the API dies; the client retries with the same key.
    key = unique_key()
    proposal = {"unit": UNIT, "method": "destroy", "reason": "Hàng giả mạo nhãn hiệu",
                "filter": {"seizure_id": seizure_id, "category": "counterfeit"}}
    answers: dict[str, Any] = {}
    client = threading.Thread(target=lambda: answers.setdefault("first", stack.post(
        "disposal", "/batches", proposal, key, user=BOARD[0], **member)))
    client.start()
    deadline = time.monotonic() + 10
    while not (in_flight := sessions_in_a_transaction(stack) > 0) and time.monotonic() < deadline:
        time.sleep(0.005)
    api.kill()
    started = time.monotonic()
    committed_before_kill = sql(stack, "disposal", "SELECT count(*) FROM batch_item b JOIN item i USING (item_id) "
                                                   "WHERE i.seizure_id = $1::uuid", seizure_id) > 0
    stack.start("disposal", "api")
    client.join(timeout=120)
    first = answers["first"]
    assert first.status_code == 201, first.text
    batch_id = first.json()["batch_id"]
    again = stack.post("disposal", "/batches", proposal, key, user=BOARD[0], **member)
    assert again.json() == first.json()

    # The approval's events (the vote, the decision, the reservation requests) in flight when the relay dies.
    for voter in BOARD[1:3]:
        vote = stack.post("disposal", f"/batches/{batch_id}/votes", {"decision": "approve", "reason": "Đồng ý"},
                          unique_key(), user=voter, **member)
        assert vote.status_code == 200, vote.text
    wait_until(lambda: fully_published(stack, "disposal"), "the proposal and two votes on Kafka")
    before = stream_state(stack, "disposal")
    approval = threading.Thread(target=lambda: answers.setdefault("approval", stack.post(
        "disposal", f"/batches/{batch_id}/votes", {"decision": "approve", "reason": "Đồng ý"}, unique_key(),
        user=BOARD[3], **member)))
    approval.start()
    killed = kill_midway(stack, relay, "disposal", "SELECT last_seq - $1 FROM stream_head WHERE stream = 'disposal'",
                         before["sequenced"])
    at_kill = stream_state(stack, "disposal")
    relay.start()
    approval.join(timeout=120)
    assert answers["approval"].status_code == 200, answers["approval"].text

    reserved = "SELECT count(*) FROM batch_item WHERE batch_id = $1::uuid AND reservation = 'reserved'"
    wait_until(lambda: sql(stack, "disposal", reserved, batch_id) == BATCH, "custody's answers for every item",
               timeout=240, interval=0.2)
    recovered = time.monotonic() - started
    wait_until(lambda: fully_published(stack, "disposal") and fully_published(stack, "custody"),
               "both relays to publish everything")

    # The batch's events: each recorded once, each on Kafka once in effect.
    subject = f"batch/{batch_id}"
    recorded = Counter(r["event_type"] for r in rows(stack, "disposal", "SELECT event_type FROM event "
                                                                        "WHERE subject = $1", subject))
    published = Counter(w["type"] for w in wire_events(read_topic(stack, "disposal")) if w.get("subject") == subject)
    # Custody's answers: one per item, each on Kafka once in effect, each applied by disposal once.
    answered = rows(stack, "custody", "SELECT event_id, subject FROM event WHERE event_type = 'custody.item_reserved' "
                                      "AND body->'data'->>'batch_id' = $1", batch_id)
    on_kafka = Counter(w["data"]["item_id"] for w in wire_events(read_topic(stack, "custody"))
                       if w.get("type") == "custody.item_reserved" and w["data"].get("batch_id") == batch_id)
    applied = sql(stack, "disposal", "SELECT count(*) FROM inbox WHERE event_id = ANY($1::uuid[])",
                  [r["event_id"] for r in answered])
    in_custody = sql(stack, "custody", "SELECT count(*) FROM item WHERE seizure_id = $1::uuid "
                                       "AND state = 'reserved_for_disposal' AND batch_id = $2::uuid", seizure_id,
                     batch_id)
    audit = audit_streams(stack)
    fault_results.append({
        "scenario": "disposal API SIGKILL mid-proposal + relay SIGKILL mid-approval (batch of several thousand)",
        "recovery_s": round(recovered, 2), "items": BATCH, "proposal_in_its_transaction_when_killed": in_flight,
        "proposal_committed_before_kill": committed_before_kill,
        "relay_killed_after_sequencing": killed,
        "approval_events_published_when_killed": at_kill["published"] - before["published"],
        "batch_events_recorded": sum(recorded.values()), "batch_events_on_kafka": sum(published.values()),
        "lost": sum((recorded - published).values()), "custody_answers": len(answered),
        "custody_answers_on_kafka": sum(on_kafka.values()), "answers_applied_by_disposal": applied,
        "applied_twice": len(answered) - len({r["subject"] for r in answered}),
        "batch_status": sql(stack, "disposal", "SELECT status FROM batch WHERE batch_id = $1::uuid", batch_id),
        "out_of_order": audit["out_of_order"], "findings": len(audit["findings"])})
    assert recorded == published
    assert recorded["disposal.batch_proposed"] == recorded["disposal.batch_approved"] == 1
    assert sql(stack, "disposal", "SELECT count(DISTINCT b.batch_id) FROM batch_item b JOIN item i USING (item_id) "
                                  "WHERE i.seizure_id = $1::uuid", seizure_id) == 1
    assert len(answered) == len({r["subject"] for r in answered}) == BATCH
    assert len(on_kafka) == BATCH and set(on_kafka.values()) == {1}
    assert applied == BATCH
    assert in_custody == BATCH
    assert audit["findings"] == []
