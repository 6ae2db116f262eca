"""make bench-replay: the auditor's full verified replay (chain, hashes, signed checkpoints,
transitions, causes, conservation) of a log holding the Bắc Ninh raid, in events/s.
Baseline: raw aiokafka getmany of the same topic in the same run."""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
import uuid

from aiokafka import AIOKafkaConsumer

from harness import infrastructure, report  # isort: skip
import demo_data
from support.databases import migrated_database
from support.topics import new_topics

from tangvat_audit.audit import run_audit
from tangvat_audit.log_reader import _partitions, read_stream
from tangvat_intake import service as intake_service
from tangvat_intake.schemas import SeizureRegistration
from tangvat_shared.auth import Principal, Role
from tangvat_shared.command import CommandContext
from tangvat_shared.db import create_pool
from tangvat_shared.kafka import make_producer
from tangvat_shared.keys import generate_private_key
from tangvat_shared.relay import Relay, RelayConfig


async def raw_consume(bootstrap: str, topic: str) -> tuple[int, float]:
    partitions = await _partitions(bootstrap, topic)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                client_id=f"raw-{uuid.uuid4().hex[:6]}", fetch_max_bytes=64 * 1024 * 1024,
                                max_partition_fetch_bytes=16 * 1024 * 1024)
    await consumer.start()
    try:
        started = time.perf_counter()
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        total, seen = sum(ends.values()), 0
        while seen < total:
            batch = await consumer.getmany(timeout_ms=500, max_records=20_000)
            seen += sum(len(records) for records in batch.values())
        return seen, time.perf_counter() - started
    finally:
        await consumer.stop()


async def main(runs: int, n_items: int) -> None:
    with infrastructure() as infra:
        dsn = await migrated_database(infra.pg_admin_dsn, "intake", "tangvat_intake")
        (topic,) = await new_topics(infra.kafka_bootstrap, "intake.events", partitions=6)
        pool = await create_pool(dsn, max_size=3)
        key = generate_private_key()
        producer = make_producer(infra.kafka_bootstrap, client_id="bench-replay")
        await producer.start()
        officer = Principal("bench", frozenset({Role.INTAKE_OFFICER}), frozenset(), frozenset({"QLTT-BN"}))
        registration = SeizureRegistration.model_validate(demo_data.seizure(n_items))
        await intake_service.register_seizure(intake_service.Intake(pool, key), CommandContext(officer), registration)
        relay = Relay(pool, producer, RelayConfig(stream="intake", topic=topic), key)
        await relay.ensure_stream()
        while await relay.run_once():
            pass
        await producer.stop()
        await pool.close()
        del registration
        await raw_consume(infra.kafka_bootstrap, topic)  # warm-up: both sides then read a settled broker

        values, baselines, events, findings, checkpoints = [], [], 0, -1, 0
        for _ in range(runs):
            # Each side starts from the same heap: the previous replay's result is freed and collected
            # outside the timings (left alive, it made the collector slow the baseline down; freed
            # inside the replay's timing, it charged the replay for the run before it).
            gc.collect()
            seen, raw_seconds = await raw_consume(infra.kafka_bootstrap, topic)
            baselines.append(seen / raw_seconds)
            gc.collect()
            started = time.perf_counter()
            records = await read_stream(infra.kafka_bootstrap, topic)
            result = run_audit({"intake": records}, {"intake": key.public_key()})
            seconds = time.perf_counter() - started
            events = result.streams["intake"].events
            findings, checkpoints = len(result.findings), result.streams["intake"].checkpoints
            values.append(events / seconds)
            del records, result
    report("replay_events_per_s", values, "events/s", "aiokafka_getmany_msgs_per_s", baselines, events,
           {"findings": findings, "checkpoints_verified": checkpoints, "streams": ["intake"]})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--items", type=int, default=76_804)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.items))
