"""make bench-append: events durably recorded per second by 16 concurrent writers through our
outbox path (one event per committed transaction), against the `eventsourcing` library's
PostgreSQL application recorder on the same database with events of the same size."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urlsplit

from harness import infrastructure, report  # isort: skip
from demo_data import items
from support.databases import migrated_database

from tangvat_shared.canonical import canonical_json
from tangvat_shared.db import create_pool
from tangvat_shared.envelope import Actor, envelope_body
from tangvat_shared.outbox import append_records, outbox_record

WRITERS = 16
ACTOR = Actor(user_id="bench", role="warehouse_staff")


def sample_body(n: int) -> dict[str, object]:
    data = dict(items(1)[0], item_id=str(uuid.uuid4()), seizure_id=str(uuid.uuid4()), seizing_unit="QLTT-BN")
    data["label_code"] = f"L-{n}"
    return envelope_body(event_id=uuid.uuid4(), source="custody", type="intake.item_registered", schemaversion=1,
                         subject=f"item/{data['item_id']}", data=data, actor=ACTOR, time=datetime.now(UTC))


async def ours(dsn: str, per_writer: int) -> float:
    pool = await create_pool(dsn, min_size=WRITERS, max_size=WRITERS)

    async def writer(w: int) -> None:
        for i in range(per_writer):
            body = sample_body(w * per_writer + i)
            async with pool.acquire() as conn, conn.transaction():
                await append_records(conn, [outbox_record(body, datetime.now(UTC))])

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return WRITERS * per_writer / elapsed


def theirs(dsn: str, per_writer: int) -> tuple[float, int]:
    from eventsourcing.persistence import StoredEvent
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    url = urlsplit(dsn)
    datastore = PostgresDatastore(dbname=url.path.lstrip("/"), host=url.hostname or "127.0.0.1",
                                  port=url.port or 5432, user=url.username or "", password=url.password or "",
                                  pool_size=WRITERS)
    recorder = PostgresApplicationRecorder(datastore, events_table_name=f"es_events_{uuid.uuid4().hex[:6]}")
    recorder.create_table()
    state = canonical_json(sample_body(0))

    def writer(_: int) -> None:
        for _ in range(per_writer):
            recorder.insert_events([StoredEvent(originator_id=uuid.uuid4(), originator_version=1,
                                                topic="tangvat:ItemRegistered", state=state)])

    started = time.perf_counter()
    with ThreadPoolExecutor(WRITERS) as threads:
        list(threads.map(writer, range(WRITERS)))
    elapsed = time.perf_counter() - started
    datastore.close()
    return WRITERS * per_writer / elapsed, len(state)


async def main(runs: int, per_writer: int) -> None:
    with infrastructure() as infra:
        dsn = await migrated_database(infra.pg_admin_dsn, "append", None)
        values, baselines, size = [], [], 0
        for _ in range(runs):
            rate, size = await asyncio.to_thread(theirs, dsn, per_writer)
            baselines.append(rate)
            values.append(await ours(dsn, per_writer))
    report("append_events_per_s", values, "events/s", "eventsourcing_postgres_recorder_events_per_s", baselines,
           WRITERS * per_writer, {"writers": WRITERS, "event_bytes": size, "events_per_transaction": 1})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-writer", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.per_writer))
