"""Reading a topic back from the beginning, as an auditor or a test would."""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def read_topic(bootstrap: str, topic: str, *, timeout: float = 30.0,
                     until: Any = None) -> list[dict[str, Any]]:
    """All JSON records of `topic` from offset 0 to its end (or until `until(records)` holds)."""
    raw = await read_raw(bootstrap, topic, timeout=timeout,
                         until=None if until is None else lambda rs: until([orjson.loads(r.value) for r in rs]))
    return [orjson.loads(r.value) for r in raw]


async def read_raw(bootstrap: str, topic: str, *, timeout: float = 30.0,
                   until: Any = None) -> list[ConsumerRecord[bytes, bytes]]:
    """All records of `topic` from offset 0 to its end (or until `until(records)` holds)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                client_id=f"reader-{uuid.uuid4().hex[:6]}")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await partition_ids(bootstrap, topic)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + timeout
        records: list[ConsumerRecord[bytes, bytes]] = []
        while time.monotonic() < deadline:
            ends = await consumer.end_offsets(partitions)
            batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
            for tp_records in batch.values():
                records.extend(tp_records)
            caught_up = all([await consumer.position(tp) >= ends[tp] for tp in partitions])
            if until is None and caught_up:
                return records
            if until is not None and until(records):
                return records
        raise AssertionError(f"timed out reading {topic}: {len(records)} records")
    finally:
        await consumer.stop()


async def partition_ids(bootstrap: str, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if described["error_code"] != 0:
        raise AssertionError(f"cannot describe {topic}: error {described['error_code']}")
    return sorted(p["partition"] for p in described["partitions"])


async def read_lanes(bootstrap: str, topic: str, **kwargs: Any) -> list[tuple[int, dict[str, Any]]]:
    """(partition, event) pairs in arrival order, checkpoints left out: what verify_chain takes."""
    raw = await read_raw(bootstrap, topic, **kwargs)
    pairs = [(r.partition, orjson.loads(r.value)) for r in raw]
    return [(p, e) for p, e in pairs if e.get("type") != "tangvat.stream_checkpoint"]


def events_only(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r.get("type") != "tangvat.stream_checkpoint"]
