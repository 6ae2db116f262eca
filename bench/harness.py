"""What every benchmark shares: throwaway infrastructure, service processes, the result line."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "deploy")]

from infra_fixtures import Infra, session_infra  # noqa: E402
from service_processes import ServiceProcess, ensure_keys, wait_http  # noqa: E402

from tangvat_shared.keys import load_private_key  # noqa: E402


@contextmanager
def infrastructure() -> Iterator[Infra]:
    with session_infra() as infra:
        yield infra


@contextmanager
def service_processes(service: str, dsn: str, infra: Infra, roles: tuple[str, ...], http_port: int,
                      metrics_port: int) -> Iterator[tuple[dict[str, ServiceProcess], Path]]:
    with tempfile.TemporaryDirectory(prefix="tangvat-bench-") as tmp:
        state = Path(tmp)
        keys = state / "keys"
        ensure_keys(keys)
        env = {
            "TANGVAT_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
            "TANGVAT_AUTH_PUBLIC_KEY_FILE": str(keys / "auth.pub.pem"),
            "TANGVAT_KEYS_DIR": str(keys),
            f"TANGVAT_{service.upper()}_DATABASE_URL": dsn,
            f"TANGVAT_{service.upper()}_HTTP_PORT": str(http_port),
            f"TANGVAT_{service.upper()}_METRICS_PORT": str(metrics_port),
            "TANGVAT_LOG_LEVEL": "INFO",
        }
        processes = {role: ServiceProcess(service, role, env, state) for role in roles}
        try:
            for process in processes.values():
                process.start()
            if "api" in processes:
                wait_http(f"http://127.0.0.1:{http_port}/readyz", process=processes["api"])
            yield processes, keys
        finally:
            for process in processes.values():
                process.stop()
                if process.log_path.exists():
                    errors = [line for line in process.log_path.read_text(errors="replace").splitlines()
                              if '"level": "error"' in line or "Traceback" in line]
                    for line in errors[:5]:
                        print(f"{process.name}: {line[:2000]}", file=sys.stderr)


async def drive(port: int, requests: Sequence[tuple[str, bytes]], headers: dict[str, str], concurrency: int
                ) -> tuple[float, list[float], dict[int, int]]:
    """POST every (path, JSON body) over `concurrency` keep-alive HTTP/1.1 connections, one request at a
    time on each: (req/s, latencies in ms, status counts). A small client, cheap enough (a tenth of
    httpx's CPU per request) not to be what is measured on a 2-core machine."""
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
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(requests) / (time.perf_counter() - started), latencies, statuses


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98]


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU a process has used so far (0 when it is gone)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def backend_cpu_seconds(infra: Infra, conn: Any, database: str) -> dict[int, float] | None:
    """CPU used so far by each client backend of `database` (not `conn`'s own), by pid; None when the
    server is not a local process of ours. Compare two readings over the pids in both: the service's
    pooled connections, without autovacuum or short-lived connections that exit in between."""
    if infra.postgres is None:
        return None
    rows = await conn.fetch("""SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'
                               AND pid <> pg_backend_pid()""", database)
    return {r["pid"]: cpu_seconds(r["pid"]) for r in rows}


def cpu_delta(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
    if before is None or after is None:
        return None
    return sum(after[pid] - before[pid] for pid in after.keys() & before.keys())


def auth_key(keys: Path) -> Any:
    return load_private_key((keys / "auth.pem").read_bytes())


def report(metric: str, values: list[float], unit: str, baseline_name: str, baselines: list[float],
           n: int, extra: dict[str, Any]) -> None:
    value = statistics.median(values)
    baseline = statistics.median(baselines)
    print(json.dumps({
        "metric": metric, "value": round(value, 1), "unit": unit, "baseline_name": baseline_name,
        "baseline": round(baseline, 1), "ratio": round(value / baseline, 3) if baseline else None, "n": n,
        "extra": {"runs": [round(v, 1) for v in values], "baseline_runs": [round(b, 1) for b in baselines],
                  **extra},
    }))
