"""make bench-propagation: a 76,804-item seizure registered at intake (HTTP, one bulk request), timed until
the custody read model shows every item awaiting receipt (intake api + relay, custody consumer + relay, all
real processes). Baseline in the same run: raw aiokafka getmany of as many messages of the same size."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

import asyncpg
import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from harness import auth_key, infrastructure, report, service_processes  # isort: skip
from demo_data import items, seizure_fields
from support.databases import migrated_database
from support.topics import new_topics

from tangvat_shared.auth import mint_token
from tangvat_shared.db import connect

INTAKE_PORT, INTAKE_METRICS = 18411, 19411
CUSTODY_PORT, CUSTODY_METRICS = 18412, 19412


async def baseline_getmany_msgs_per_s(bootstrap: str, n: int, size: int) -> float:
    """Produce n messages of `size` bytes to a fresh 6-partition topic, then time a raw getmany consume."""
    (topic,) = await new_topics(bootstrap, "bench-raw", partitions=6)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
                                max_batch_size=512 * 1024)
    await producer.start()
    try:
        value = b"x" * size
        futures = [await producer.send(topic, value=value, key=str(i).encode()) for i in range(n)]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=32 * 1024 * 1024)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(6)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        got = 0
        started = time.perf_counter()
        while got < n:
            batches = await consumer.getmany(timeout_ms=200, max_records=5000)
            got += sum(len(b) for b in batches.values())
        return n / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def awaiting(conn: asyncpg.Connection, seizure_id: uuid.UUID) -> int:
    return int(await conn.fetchval(
        "SELECT count(*) FROM item WHERE seizure_id = $1 AND state = 'awaiting_receipt'", seizure_id) or 0)


async def one_run(client: httpx.AsyncClient, custody: asyncpg.Connection, intake: asyncpg.Connection, token: str,
                  n: int) -> dict[str, float]:
    body = seizure_fields()
    body["items"] = items(n)
    raw = orjson.dumps(body)
    target = int(await intake.fetchval("SELECT count(*) FROM event")) + n + 1
    started = time.perf_counter()
    response = await client.post("/seizures", content=raw, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    responded = time.perf_counter()
    if response.status_code != 201:
        raise RuntimeError(f"registration failed: {response.status_code} {response.text[:500]}")
    seizure_id = uuid.UUID(response.json()["seizure_id"])
    published = None  # when intake's relay had every event acknowledged by Kafka
    while await awaiting(custody, seizure_id) < n:
        if published is None and int(await intake.fetchval(
                "SELECT coalesce(max(published_seq), 0) FROM stream_head") or 0) >= target:
            published = time.perf_counter()
        await asyncio.sleep(0.02)
    done = time.perf_counter()
    return {"items_per_s": n / (done - started), "response_s": responded - started, "total_s": done - started,
            "intake_published_s": (published or done) - started}


async def main(runs: int, n: int) -> None:
    with infrastructure() as infra:
        intake_dsn = await migrated_database(infra.pg_admin_dsn, "intake", "tangvat_intake")
        custody_dsn = await migrated_database(infra.pg_admin_dsn, "custody", "tangvat_custody")
        results: list[dict[str, float]] = []
        baselines: list[float] = []
        with service_processes("intake", intake_dsn, infra, ("api", "relay"), INTAKE_PORT, INTAKE_METRICS) as (
                intake_procs, keys), \
             service_processes("custody", custody_dsn, infra, ("consume", "relay"), CUSTODY_PORT,
                               CUSTODY_METRICS) as (custody_procs, _):
            token = mint_token(auth_key(keys), subject="bench", roles=["intake_officer"], units=["QLTT-BN"])
            custody = await connect(custody_dsn)
            intake = await connect(intake_dsn)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{INTAKE_PORT}", timeout=600) as client:
                await one_run(client, custody, intake, token, 200)  # warm up: consumer group joined, pools open
                for _ in range(runs):
                    results.append(await one_run(client, custody, intake, token, n))
                    size = int(await intake.fetchval(
                        "SELECT avg(octet_length(body::text)) FROM event WHERE event_type = 'intake.item_registered'"))
                    # + sequence, prevhash, hash that the relay adds on the wire
                    baselines.append(await baseline_getmany_msgs_per_s(infra.kafka_bootstrap, n, size + 180))
            await custody.close()
            await intake.close()
            rss = {proc.name: proc.peak_rss_mb() for proc in [*intake_procs.values(), *custody_procs.values()]}
    report(
        "propagation_items_per_s", [r["items_per_s"] for r in results], "items/s", "aiokafka_getmany_msgs_per_s",
        baselines, n,
        {"total_s": [round(r["total_s"], 2) for r in results],
         "intake_response_s": [round(r["response_s"], 2) for r in results],
         "intake_published_s": [round(r["intake_published_s"], 2) for r in results],
         "message_bytes": size + 180,
         "peak_rss_mb": {name: round(v, 1) if v else None for name, v in rss.items()},
         "processes": "intake api+relay, custody consume+relay"},
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--items", type=int, default=76_804)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.items))
