"""What every benchmark shares: throwaway infrastructure, service processes, the result line."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "deploy")]

from infra_fixtures import Infra, session_infra  # noqa: E402
from stack import ServiceProcess, ensure_keys, wait_http  # noqa: E402

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
