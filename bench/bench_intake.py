"""make bench-intake: a 76,804-item seizure (the Bắc Ninh depot raid) registered in one bulk request,
timed until Kafka acknowledged every item's event. Baseline: raw asyncpg COPY of the same rows."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import asyncpg
import httpx
import orjson

from harness import auth_key, infrastructure, report, service_processes  # isort: skip
from demo_data import items, seizure_fields
from service_processes import ServiceProcess
from support.databases import migrated_database

from tangvat_intake.store import ITEM_COLUMNS
from tangvat_shared.auth import mint_token
from tangvat_shared.db import connect

HTTP_PORT, METRICS_PORT = 18401, 19401


async def baseline_copy_rows_per_s(admin_dsn: str, body: dict[str, Any]) -> float:
    """Raw COPY of the same item rows into a bare table: the ceiling of any intake path."""
    import datetime
    import uuid

    dsn = await migrated_database(admin_dsn, "bench_copy", None)
    conn = await connect(dsn)
    try:
        await conn.execute("""CREATE TABLE bare_item (item_id uuid, seizure_id uuid, line_no int, category text,
            description text, brand text, quantity int, unit text, value_vnd bigint, perishable bool, hazardous bool,
            condition text, photos text[], label_code text, warehouse_id text, registered_at timestamptz)""")
        now = datetime.datetime.now(datetime.UTC)
        seizure_id = uuid.uuid4()
        rows = [
            (uuid.uuid4(), seizure_id, n, i["category"], i["description"], i["brand"], i["quantity"], i["unit"],
             i["value_vnd"], i["perishable"], i["hazardous"], i["condition"], i["photos"], i["label_code"],
             i["warehouse_id"], now)
            for n, i in enumerate(body["items"], start=1)
        ]
        started = time.perf_counter()
        await conn.copy_records_to_table("bare_item", records=rows, columns=ITEM_COLUMNS)
        return len(rows) / (time.perf_counter() - started)
    finally:
        await conn.close()


async def published_seq(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT coalesce(max(published_seq), 0) FROM stream_head") or 0)


async def one_run(client: httpx.AsyncClient, conn: asyncpg.Connection, token: str, n_items: int) -> dict[str, float]:
    body = seizure_fields()
    body["items"] = items(n_items)
    raw = orjson.dumps(body)
    expected = int(await conn.fetchval("SELECT count(*) FROM event")) + n_items + 1
    started = time.perf_counter()
    response = await client.post("/seizures", content=raw, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    responded = time.perf_counter()
    if response.status_code != 201:
        raise RuntimeError(f"registration failed: {response.status_code} {response.text[:500]}")
    while await published_seq(conn) < expected:
        await asyncio.sleep(0.01)
    done = time.perf_counter()
    return {"items_per_s": n_items / (done - started), "response_s": responded - started,
            "total_s": done - started, "body_mb": len(raw) / 1e6}


async def main(runs: int, n_items: int) -> None:
    with infrastructure() as infra:
        dsn = await migrated_database(infra.pg_admin_dsn, "intake", "tangvat_intake")
        sample = {"items": items(n_items)}
        with service_processes("intake", dsn, infra, ("api", "relay"), HTTP_PORT, METRICS_PORT) as (procs, keys):
            token = mint_token(auth_key(keys), subject="bench", roles=["intake_officer"], units=["QLTT-BN"])
            conn = await connect(dsn)
            results, baselines = [], []
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{HTTP_PORT}", timeout=600) as client:
                for _ in range(runs):
                    baselines.append(await baseline_copy_rows_per_s(infra.pg_admin_dsn, sample))
                    results.append(await one_run(client, conn, token, n_items))
            await conn.close()
            rss = {name: proc.peak_rss_mb() for name, proc in procs.items()}
    report(
        "intake_items_per_s", [r["items_per_s"] for r in results], "items/s", "asyncpg_copy_rows_per_s", baselines,
        n_items,
        {"response_s": [round(r["response_s"], 2) for r in results],
         "total_s": [round(r["total_s"], 2) for r in results],
         "request_body_mb": round(results[0]["body_mb"], 1),
         "peak_rss_mb": {name: round(v, 1) if v else None for name, v in rss.items()}},
    )


def _peak(process: ServiceProcess) -> float | None:
    return process.peak_rss_mb()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--items", type=int, default=76_804)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.items))
