"""make bench-scan: custody check-in then move scans, 64 concurrent keep-alive connections, one scan per
request, against the real custody API process (and its relay). Baseline, same client and concurrency in
the same run: a bare FastAPI + asyncpg endpoint doing one INSERT per request."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from harness import auth_key, infrastructure, report, service_processes  # isort: skip
from stack import wait_http
from support.databases import migrated_database

from localinfra import free_port
from tangvat_shared.auth import mint_token
from tangvat_shared.db import connect
from tangvat_shared.keys import load_private_key
from tangvat_shared.labels import sign_label

HTTP_PORT, METRICS_PORT = 18402, 19402
WAREHOUSE = "KHO-BENCH"
CONCURRENCY = 64


# --- the baseline: a bare FastAPI + asyncpg app, one INSERT per request -----------------------------

def bare_app(dsn: str) -> Any:
    import asyncpg

    app = FastAPI()

    @app.on_event("startup")
    async def start() -> None:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)

    @app.post("/scan")
    async def scan(request: Request) -> JSONResponse:
        body = orjson.loads(await request.body())
        async with app.state.pool.acquire() as conn:
            await conn.execute("INSERT INTO bare_scan (label, location_code) VALUES ($1, $2)",
                               body["label"], body["location_code"])
        return JSONResponse({"status": "ok"})

    return app


def serve_bare(dsn: str, port: int) -> None:
    import uvicorn

    uvicorn.run(bare_app(dsn), host="127.0.0.1", port=port, log_level="warning", access_log=False, loop="uvloop",
                http="httptools")


# --- a small keep-alive HTTP/1.1 client: cheap enough not to be what is measured --------------------

async def drive(port: int, requests: Sequence[tuple[str, bytes]], headers: dict[str, str]
                ) -> tuple[float, list[float], dict[int, int]]:
    """Send every request over CONCURRENCY connections; (req/s, latencies in ms, status counts)."""
    queue = list(reversed(requests))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                path, body = queue.pop()
                raw = (f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n{head}"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
                started = time.perf_counter()
                writer.write(raw)
                status_line = await reader.readline()
                length = 0
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                latencies.append((time.perf_counter() - started) * 1000)
                status = int(status_line.split()[1])
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return len(requests) / (time.perf_counter() - started), latencies, statuses


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98]


# --- custody data: items awaiting receipt, as the consumer would have left them --------------------

async def seed_items(dsn: str, n: int) -> list[tuple[uuid.UUID, str]]:
    conn = await connect(dsn)
    try:
        now = datetime.now(UTC)
        rows = []
        for _ in range(n):
            item_id = uuid.uuid4()
            rows.append((item_id, uuid.uuid4(), f"B-{item_id.hex[:12]}", "smuggled", "Mỹ phẩm", 1, "cái", 50_000,
                         False, False, "intact", WAREHOUSE, "awaiting_receipt", now, now))
        await conn.copy_records_to_table("item", records=rows, columns=(
            "item_id", "seizure_id", "label_code", "category", "description", "quantity", "unit", "value_vnd",
            "perishable", "hazardous", "condition", "warehouse_id", "state", "registered_at", "state_changed_at"))
        return [(r[0], r[2]) for r in rows]
    finally:
        await conn.close()


async def prepare_custody(dsn: str) -> list[str]:
    conn = await connect(dsn)
    try:
        await conn.execute("INSERT INTO warehouse (warehouse_id, name) VALUES ($1, 'bench')", WAREHOUSE)
        bins = [f"{WAREHOUSE}.A", *(f"{WAREHOUSE}.A-{b}" for b in range(1, 9))]
        await conn.execute("INSERT INTO location (location_code, warehouse_id, kind) VALUES ($1, $2, 'zone')",
                           bins[0], WAREHOUSE)
        for code in bins[1:]:
            await conn.execute("""INSERT INTO location (location_code, warehouse_id, kind, parent_code)
                                  VALUES ($1, $2, 'bin', $3)""", code, WAREHOUSE, bins[0])
        return bins[1:]
    finally:
        await conn.close()


async def main(runs: int, n: int) -> None:
    with infrastructure() as infra:
        dsn = await migrated_database(infra.pg_admin_dsn, "custody", "tangvat_custody")
        bins = await prepare_custody(dsn)
        bare_dsn = await migrated_database(infra.pg_admin_dsn, "bench_bare", None)
        conn = await connect(bare_dsn)
        await conn.execute("CREATE TABLE bare_scan (id bigserial PRIMARY KEY, label text, location_code text, "
                           "scanned_at timestamptz NOT NULL DEFAULT now())")
        await conn.close()
        bare_port = free_port()
        # A separate process like the custody API, so both servers get a core's worth of the same machine.
        bare = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
            [sys.executable, __file__, "serve-bare", "--dsn", bare_dsn, "--port", str(bare_port)],
            stdin=subprocess.DEVNULL, env=os.environ.copy())
        results: list[dict[str, float]] = []
        baselines: list[dict[str, float]] = []
        try:
            wait_http(f"http://127.0.0.1:{bare_port}/docs")
            with service_processes("custody", dsn, infra, ("api", "relay"), HTTP_PORT, METRICS_PORT) as (procs, keys):
                intake_key = load_private_key((keys / "intake.pem").read_bytes())
                token = mint_token(auth_key(keys), subject="bench-staff", roles=["warehouse_staff"],
                                   warehouses=[WAREHOUSE], ttl_seconds=7200)
                auth = {"Authorization": f"Bearer {token}"}
                # Warm both servers up (imports, pools, JIT-free but cache-cold paths).
                warm = await seed_items(dsn, 500)
                await drive(HTTP_PORT, [("/scans/check-in", orjson.dumps({
                    "label": sign_label(intake_key, i, c), "location_code": bins[0]})) for i, c in warm], auth)
                await drive(bare_port, [("/scan", orjson.dumps({"label": "x" * 120, "location_code": bins[0]}))] * 500,
                            auth)
                for _ in range(runs):
                    items = await seed_items(dsn, n)
                    labels = [sign_label(intake_key, i, c) for i, c in items]
                    check_ins = [("/scans/check-in", orjson.dumps({"label": lb, "location_code": bins[k % 8]}))
                                 for k, lb in enumerate(labels)]
                    moves = [("/scans/move", orjson.dumps({"label": lb, "location_code": bins[(k + 1) % 8]}))
                             for k, lb in enumerate(labels)]
                    bare_requests = [("/scan", body) for _, body in check_ins + moves]
                    base_rate, base_lat, base_status = await drive(bare_port, bare_requests, auth)
                    in_rate, in_lat, in_status = await drive(HTTP_PORT, check_ins, auth)
                    mv_rate, mv_lat, mv_status = await drive(HTTP_PORT, moves, auth)
                    if set(in_status) != {200} or set(mv_status) != {200} or set(base_status) != {200}:
                        raise RuntimeError(f"scans failed: check-in {in_status}, move {mv_status}, "
                                           f"baseline {base_status}")
                    total = len(check_ins) + len(moves)
                    rate = total / (len(check_ins) / in_rate + len(moves) / mv_rate)
                    results.append({"rate": rate, "p99": p99(in_lat + mv_lat), "check_in": in_rate, "move": mv_rate,
                                    "check_in_p99": p99(in_lat), "move_p99": p99(mv_lat)})
                    baselines.append({"rate": base_rate, "p99": p99(base_lat)})
                rss = {name: proc.peak_rss_mb() for name, proc in procs.items()}
        finally:
            bare.terminate()
            bare.wait(timeout=20)
    report(
        "scan_req_per_s", [r["rate"] for r in results], "req/s", "fastapi_asyncpg_one_insert_req_per_s",
        [b["rate"] for b in baselines], n * 2,
        {"p99_ms": round(statistics.median(r["p99"] for r in results), 1),
         "baseline_p99_ms": round(statistics.median(b["p99"] for b in baselines), 1),
         "check_in_req_per_s": [round(r["check_in"], 1) for r in results],
         "move_req_per_s": [round(r["move"], 1) for r in results],
         "check_in_p99_ms": [round(r["check_in_p99"], 1) for r in results],
         "move_p99_ms": [round(r["move_p99"], 1) for r in results],
         "concurrency": CONCURRENCY, "relay_running": True,
         "peak_rss_mb": {name: round(v, 1) if v else None for name, v in rss.items()}},
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "serve-bare"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--items", type=int, default=6000, help="items per run (each is checked in, then moved)")
    parser.add_argument("--dsn")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.mode == "serve-bare":
        serve_bare(args.dsn, args.port)
    else:
        asyncio.run(main(args.runs, args.items))
