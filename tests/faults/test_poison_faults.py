"""A poison message on each topic: bytes that are not JSON, and a well-formed envelope whose data breaks
its event's schema, put on every partition of intake.events, custody.events and disposal.events by a
raw producer (no relay, no signature). Every service consuming the topic dead-letters each one, with
the reason, to its DLQ topic and its `dead_letter` table, and goes on applying the good events that
follow; its API counts them by reason in /metrics and stays ready (poison does not degrade it). The
auditor's replay names each one by partition and offset, and reading the DLQs it finds them poison (no
event of the log), not dead-lettered events."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import httpx
import orjson
from aiokafka import AIOKafkaProducer
from support.kafka_reader import partition_ids, read_raw

from tangvat_audit.audit import run_audit
from tangvat_audit.dead_letters import read_dead_letters
from tests.faults.checks import Results, public_key, read_topic, rows, sql, wait_until
from tests.faults.conftest import BOARD, UNIT, FaultStack, unique_key

# Who consumes each topic (deploy/service_processes.ROLES: a consumer per service that reads other streams).
CONSUMERS = {"intake": ("custody", "disposal", "audit"), "custody": ("disposal", "audit"),
             "disposal": ("custody", "audit")}
# A type each topic's readers know, so that it is the data (not the type) that is refused.
KNOWN_TYPE = {"intake": "intake.item_registered", "custody": "custody.item_awaiting_receipt",
              "disposal": "disposal.reservation_requested"}


def poison(stream: str) -> list[bytes]:
    garbage = b"\x00\xff{ this is not JSON"
    envelope = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": stream, "type": KNOWN_TYPE[stream],
                "schemaversion": 1, "subject": "item/not-an-item", "time": datetime.now(UTC).isoformat(),
                "datacontenttype": "application/json", "actorid": "mallory", "actorrole": "intake_officer",
                "data": {"item_id": "not-a-uuid", "item_ids": "none", "batch_id": 42}}
    return [garbage, orjson.dumps(envelope)]


async def produce_poison(bootstrap: str) -> list[tuple[str, int, int]]:
    """Each poison record on each partition of each topic; where each one landed."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, client_id="fault-poisoner")
    await producer.start()
    landed = []
    try:
        for stream in CONSUMERS:
            topic = f"{stream}.events"
            for partition in await partition_ids(bootstrap, topic):
                for value in poison(stream):
                    meta = await producer.send_and_wait(topic, value=value, partition=partition)
                    landed.append((topic, meta.partition, meta.offset))
    finally:
        await producer.stop()
    return landed


def dead_letters(stack: FaultStack, service: str) -> dict[tuple[str, int, int], str]:
    found = rows(stack, service, "SELECT topic, kafka_partition, kafka_offset, reason FROM dead_letter")
    return {(r["topic"], r["kafka_partition"], r["kafka_offset"]): r["reason"] for r in found}


def dlq_feed(stack: FaultStack, service: str) -> set[tuple[str, int, int]]:
    records = asyncio.run(read_raw(stack.infra.kafka_bootstrap, f"{service}.dlq"))
    out = set()
    for r in records:
        headers = {k: v.decode() for k, v in r.headers}
        if headers.get("tangvat-reason"):
            out.add((headers["tangvat-source-topic"], int(headers["tangvat-source-partition"]),
                     int(headers["tangvat-source-offset"])))
    return out


def test_a_poison_message_on_each_topic_is_dead_lettered_and_named_by_the_auditor(
    system: FaultStack, fault_results: Results
) -> None:
    stack = system
    stack.start("audit", "consume")
    try:
        landed = asyncio.run(produce_poison(stack.infra.kafka_bootstrap))
        stack.foreign.update(landed)
        started = time.monotonic()

        # Good events after the poison, on every partition's tail: a registration (intake.events), custody
        # awaiting then receiving an item (custody.events), a proposal cancelled (disposal.events).
        seizure_id, labels = stack.stored_seizure(3)
        assert all(r.status_code == 200 for r in stack.check_in(labels[:1], scanners=1))
        item_id = sql(stack, "custody", "SELECT item_id FROM item WHERE seizure_id = $1::uuid AND state = "
                                        "'in_storage'", seizure_id)
        wait_until(lambda: sql(stack, "disposal", "SELECT custody_state FROM item_custody WHERE item_id = $1",
                               item_id) == "in_storage" and sql(stack, "disposal", "SELECT count(*) FROM "
                                                                "seizure_legal_status WHERE seizure_id = $1::uuid",
                                                                seizure_id) == 1,
                   "disposal to see the item in storage", interval=0.2)
        member = {"role": "board_member"}
        proposed = stack.post("disposal", "/batches", {"unit": UNIT, "method": "destroy", "reason": "Hàng giả",
                                                       "item_ids": [str(item_id)]}, unique_key(),
                              user=BOARD[0], **member)
        assert proposed.status_code == 201, proposed.text
        batch_id = proposed.json()["batch_id"]
        cancelled = stack.post("disposal", f"/batches/{batch_id}/cancel", {"reason": "thử"}, unique_key(),
                               user=BOARD[0], **member)
        assert cancelled.status_code == 200, cancelled.text
        cancel_event = cancelled.json()["event_ids"][0]

        def good_events_applied() -> bool:
            return bool(
                sql(stack, "custody", "SELECT count(*) FROM inbox WHERE event_id = $1::uuid", cancel_event) == 1
                and sql(stack, "disposal", "SELECT count(*) FROM item WHERE seizure_id = $1::uuid", seizure_id) == 3
                and sql(stack, "audit", "SELECT count(DISTINCT stream) FROM item_step WHERE item_id = $1",
                        item_id) == 3)

        wait_until(good_events_applied, "every consumer to apply the good events after the poison", interval=0.2)
        recovered = time.monotonic() - started

        # Every consumer of a topic dead-lettered each poison record on it, with the reason, in its table
        # and on its DLQ topic.
        for service in ("custody", "disposal", "audit"):
            ours = {x for x in landed if service in CONSUMERS[x[0].removesuffix(".events")]}
            wait_until(lambda s=service, o=ours: o <= dead_letters(stack, s).keys(),
                       f"{service} to dead-letter the poison", interval=0.2)
            reasons = dead_letters(stack, service)
            assert all(reasons[x] for x in ours), f"{service} dead-lettered without a reason"
            assert ours <= dlq_feed(stack, service), f"{service}'s DLQ topic lacks some poison"
            kinds = rows(stack, service, "SELECT kind, count(*) AS n FROM dead_letter GROUP BY kind")
            assert {r["kind"]: r["n"] for r in kinds} == {"unparseable": len(ours) // 2, "invalid": len(ours) // 2}
        # The APIs count the poison by reason, and poison does not make them degraded.
        for service in ("custody", "disposal"):
            ours = {x for x in landed if service in CONSUMERS[x[0].removesuffix(".events")]}
            metrics = httpx.get(f"{stack.base_url(service)}/metrics", timeout=10).text
            for reason in ("unparseable", "invalid"):
                line = f'tangvat_dead_letters_total{{consumer="{service}",reason="{reason}"}} {float(len(ours) // 2)}'
                assert line in metrics.splitlines(), (line, [m for m in metrics.splitlines() if "dead_letters" in m])
            ready = httpx.get(f"{stack.base_url(service)}/readyz", timeout=10)
            assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    finally:
        stack.process("audit", "consume").stop(timeout=5)

    # The auditor's replay names every foreign record, by where it lies; and finds nothing else.
    logs = {stream: read_topic(stack, stream) for stream in CONSUMERS}
    letters = asyncio.run(read_dead_letters(stack.infra.kafka_bootstrap, ("custody", "disposal", "audit")))
    result = run_audit(logs, {stream: public_key(stack, stream) for stream in CONSUMERS}, dead_letters=letters)
    named: dict[str, int] = {}
    for topic, partition, offset in landed:
        stream = topic.removesuffix(".events")
        hits = [f for f in result.findings
                if f.stream == stream and f.detail.startswith(f"partition {partition} offset {offset}:")]
        assert hits, f"the auditor did not name the record at {topic} partition {partition} offset {offset}"
        named[stream] = named.get(stream, 0) + len(hits)
    assert len(result.findings) == len(landed), [f.as_dict() for f in result.findings]
    # On the DLQs: each consumer's poison, counted as poison; no event of the log was dead-lettered.
    for service in ("custody", "disposal", "audit"):
        ours = {x for x in landed if service in CONSUMERS[x[0].removesuffix(".events")]}
        counts = result.dead_letters[service]
        assert counts["events_of_the_log"] == 0 and counts["poison"] == counts["records"] >= len(ours), counts

    fault_results.append({
        "scenario": "poison (not JSON + schema-invalid envelope) on every partition of each topic",
        "recovery_s": round(recovered, 2), "poison_records": len(landed),
        "dead_lettered": {s: len(dead_letters(stack, s)) for s in ("custody", "disposal", "audit")},
        "named_by_auditor": named, "good_events_after_poison_applied": True,
        "dlq_records_audited_as_poison": {s: c["poison"] for s, c in result.dead_letters.items()},
        "dead_lettered_events_of_the_log": sum(c["events_of_the_log"] for c in result.dead_letters.values())})

