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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from harness import (  # isort: skip
    auth_key, backend_cpu_seconds, cpu_delta, cpu_seconds, drive, infrastructure, p99, report, service_processes)
from infra_fixtures import Infra
from preload import preload
from service_processes import ServiceProcess, wait_http
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


@dataclass
class Scans:
    """One custody API (and its relay) under test, the bare baseline server beside it, and what a run needs."""

    infra: Infra
    dsn: str
    bins: list[str]
    bare_port: int
    api_pid: int | None
    intake_key: Any
    auth: dict[str, str]

    async def run(self, n: int) -> dict[str, float]:
        """n new items awaiting receipt, each checked in then moved; the bare baseline just before."""
        items = await seed_items(self.dsn, n)
        labels = [sign_label(self.intake_key, i, c) for i, c in items]
        bins = self.bins
        check_ins = [("/scans/check-in", orjson.dumps({"label": lb, "location_code": bins[k % 8]}))
                     for k, lb in enumerate(labels)]
        moves = [("/scans/move", orjson.dumps({"label": lb, "location_code": bins[(k + 1) % 8]}))
                 for k, lb in enumerate(labels)]
        base_rate, base_lat, base_status = await drive(self.bare_port, [("/scan", body) for _, body in
                                                                        check_ins + moves], self.auth, CONCURRENCY)
        conn = await connect(self.dsn)
        try:
            api_cpu, db_cpu = cpu_seconds(self.api_pid), await backend_cpu_seconds(self.infra, conn, "custody")
            in_rate, in_lat, in_status = await drive(HTTP_PORT, check_ins, self.auth, CONCURRENCY)
            api_mid, db_mid = cpu_seconds(self.api_pid), await backend_cpu_seconds(self.infra, conn, "custody")
            mv_rate, mv_lat, mv_status = await drive(HTTP_PORT, moves, self.auth, CONCURRENCY)
            api_end, db_end = cpu_seconds(self.api_pid), await backend_cpu_seconds(self.infra, conn, "custody")
        finally:
            await conn.close()
        if set(in_status) != {200} or set(mv_status) != {200} or set(base_status) != {200}:
            raise RuntimeError(f"scans failed: check-in {in_status}, move {mv_status}, baseline {base_status}")
        total = len(check_ins) + len(moves)
        result = {"rate": total / (len(check_ins) / in_rate + len(moves) / mv_rate), "p99": p99(in_lat + mv_lat),
                  "check_in": in_rate, "move": mv_rate, "check_in_p99": p99(in_lat), "move_p99": p99(mv_lat),
                  "baseline": base_rate, "baseline_p99": p99(base_lat),
                  # CPU per scan does not depend on what else the machine runs the way req/s does.
                  "check_in_api_cpu_ms": (api_mid - api_cpu) * 1000 / n,
                  "move_api_cpu_ms": (api_end - api_mid) * 1000 / n}
        db_in, db_move = cpu_delta(db_cpu, db_mid), cpu_delta(db_mid, db_end)
        if db_in is not None and db_move is not None:  # the API's and the relay's database sessions
            result |= {"check_in_db_cpu_ms": db_in * 1000 / n, "move_db_cpu_ms": db_move * 1000 / n}
        return result


@asynccontextmanager
async def scans() -> AsyncIterator[tuple[Scans, dict[str, ServiceProcess]]]:
    """A migrated custody database with a warehouse and its bins, the bare server, custody's API and relay."""
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
        try:
            wait_http(f"http://127.0.0.1:{bare_port}/docs")
            with service_processes("custody", dsn, infra, ("api", "relay"), HTTP_PORT, METRICS_PORT) as (procs, keys):
                token = mint_token(auth_key(keys), subject="bench-staff", roles=["warehouse_staff"],
                                   warehouses=[WAREHOUSE], ttl_seconds=7200)
                bench = Scans(infra, dsn, bins, bare_port, procs["api"].pid,
                              load_private_key((keys / "intake.pem").read_bytes()),
                              {"Authorization": f"Bearer {token}"})
                # Warm both servers up (imports, pools, JIT-free but cache-cold paths).
                warm = await seed_items(dsn, 500)
                await drive(HTTP_PORT, [("/scans/check-in", orjson.dumps({
                    "label": sign_label(bench.intake_key, i, c), "location_code": bins[0]})) for i, c in warm],
                    bench.auth, CONCURRENCY)
                await drive(bare_port, [("/scan", orjson.dumps({"label": "x" * 120, "location_code": bins[0]}))] * 500,
                            bench.auth, CONCURRENCY)
                yield bench, procs
        finally:
            bare.terminate()
            bare.wait(timeout=20)


def _rounded(results: list[dict[str, float]], key: str) -> list[float]:
    return [round(r[key], 3 if key.endswith("cpu_ms") else 1) for r in results if key in r]


def _per_run(results: list[dict[str, float]]) -> dict[str, list[float]]:
    keys = ("check_in", "move", "check_in_p99", "move_p99", "baseline", "check_in_api_cpu_ms", "move_api_cpu_ms",
            "check_in_db_cpu_ms", "move_db_cpu_ms")
    names = {"check_in": "check_in_req_per_s", "move": "move_req_per_s", "check_in_p99": "check_in_p99_ms",
             "move_p99": "move_p99_ms", "baseline": "baseline_req_per_s"}
    return {names.get(k, k): _rounded(results, k) for k in keys if any(k in r for r in results)}


async def main(runs: int, n: int) -> None:
    async with scans() as (bench, procs):
        results = [await bench.run(n) for _ in range(runs)]
        rss = {name: proc.peak_rss_mb() for name, proc in procs.items()}
    report(
        "scan_req_per_s", [r["rate"] for r in results], "req/s", "fastapi_asyncpg_one_insert_req_per_s",
        [r["baseline"] for r in results], n * 2,
        {"p99_ms": round(statistics.median(r["p99"] for r in results), 1),
         "baseline_p99_ms": round(statistics.median(r["baseline_p99"] for r in results), 1),
         **_per_run(results), "concurrency": CONCURRENCY, "relay_running": True,
         "peak_rss_mb": {name: round(v, 1) if v else None for name, v in rss.items()}},
    )


async def main_preloaded(levels: list[int], runs: int, n: int) -> None:
    """The same runs with 10k, 100k, 1M... items already stored: the warehouse is topped up between levels
    (untimed), custody's API and relay keep running throughout, as they would while a warehouse fills."""
    per_level: dict[int, list[dict[str, float]]] = {}
    loads: dict[int, dict[str, float]] = {}
    sizes: dict[int, dict[str, int]] = {}
    async with scans() as (bench, procs):
        conn = await connect(bench.dsn)
        try:
            for level in sorted(levels):
                stored = await conn.fetchval("SELECT count(*) FROM item")
                await wait_idle_relay(conn)
                loads[level] = await preload(conn, max(0, level - stored), WAREHOUSE, bench.bins)
                print(f"bench-scan: {level} items stored, preload {loads[level]}", file=sys.stderr, flush=True)
                per_level[level] = []
                for _ in range(runs):
                    per_level[level].append(await bench.run(n))
                    print(f"bench-scan: {level} items stored, run {len(per_level[level])}: "
                          f"{per_level[level][-1]['rate']:.1f} req/s", file=sys.stderr, flush=True)
                sizes[level] = {name: await conn.fetchval("SELECT count(*) FROM " + name)
                                for name in ("item", "event_record", "event_seal")}
        finally:
            await conn.close()
        rss = {name: proc.peak_rss_mb() for name, proc in procs.items()}
    low, high = min(levels), max(levels)
    rates = {level: [r["rate"] for r in results] for level, results in per_level.items()}
    report(
        f"scan_req_per_s_at_{high}_items", rates[high], "req/s", f"scan_req_per_s_at_{low}_items", rates[low],
        n * 2 * runs,
        {"levels": {str(level): {
            "stored_before": level, "rows_after": sizes[level], "preload": loads[level],
            "runs": [round(v, 1) for v in rates[level]], "p99_ms": _rounded(per_level[level], "p99"),
            "last_run_over_first": round(rates[level][-1] / rates[level][0], 3) if len(rates[level]) > 1 else None,
            "ratio_to_bare": [round(r["rate"] / r["baseline"], 3) for r in per_level[level]],
            **_per_run(per_level[level])} for level in sorted(per_level)},
         "concurrency": CONCURRENCY, "relay_running": True,
         "peak_rss_mb": {name: round(v, 1) if v else None for name, v in rss.items()}},
    )


async def wait_idle_relay(conn: asyncpg.Connection, timeout: float = 120) -> None:
    """Until the relay has published everything the last run queued."""
    deadline = time.monotonic() + timeout
    while not await conn.fetchval("""SELECT published_seq = last_seq AND NOT EXISTS (SELECT 1 FROM outbox)
                                     FROM stream_head WHERE stream = 'custody'"""):
        if time.monotonic() > deadline:
            raise RuntimeError("custody's relay did not catch up")
        await asyncio.sleep(0.1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "serve-bare"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--items", type=int, default=6000, help="items per run (each is checked in, then moved)")
    parser.add_argument("--preload", type=int, nargs="+", metavar="N",
                        help="stored items before the runs, one level after another (e.g. 10000 100000 1000000); "
                             "the baseline is the smallest level")
    parser.add_argument("--dsn")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.mode == "serve-bare":
        serve_bare(args.dsn, args.port)
    elif args.preload:
        asyncio.run(main_preloaded(args.preload, args.runs, args.items))
    else:
        asyncio.run(main(args.runs, args.items))
