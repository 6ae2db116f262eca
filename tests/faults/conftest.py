"""The fault suite's own broker, database and service processes, which its tests kill at will.

It runs on infrastructure of its own (not the session's), so killing the broker or restarting
PostgreSQL never disturbs the other suites. Each scenario records its counts; they are printed
at the end of the run.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from infra_fixtures import Infra, local_infra
from stack import ServiceProcess, ensure_keys, wait_http
from tangvat_infra.processes import free_port

from tangvat_shared.auth import mint_token
from tangvat_shared.keys import load_private_key

RESULTS: list[dict[str, Any]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if RESULTS:
        terminalreporter.section("fault scenarios (counts)")
        for result in RESULTS:
            terminalreporter.write_line(json.dumps(result))


@dataclass
class FaultStack:
    infra: Infra
    state: Path
    keys: Path
    env: dict[str, str]
    http_port: int
    processes: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def process(self, role: str, name: str | None = None) -> ServiceProcess:
        key = name or role
        if key not in self.processes:
            # A second process of one role needs its own pid file and metrics port.
            env = self.env if key == role else {**self.env, "TANGVAT_INTAKE_METRICS_PORT": str(free_port())}
            self.processes[key] = ServiceProcess("intake", role, env, self.state / key)
        return self.processes[key]

    def start_api(self) -> None:
        api = self.process("api")
        api.start()
        wait_http(f"{self.base_url}/readyz", timeout=60, process=api)

    def token(self) -> str:
        key = load_private_key((self.keys / "auth.pem").read_bytes())
        return mint_token(key, subject="fault-officer", roles=["intake_officer"], units=["QLTT-BN"])

    def register(self, body: dict[str, Any], idempotency_key: str, timeout: float = 120.0) -> httpx.Response:
        """POST a registration, retrying through outages with the same key, as a scanner would."""
        deadline = time.monotonic() + timeout
        headers = {"Authorization": f"Bearer {self.token()}", "Idempotency-Key": idempotency_key}
        last: Exception | httpx.Response | None = None
        while time.monotonic() < deadline:
            try:
                response = httpx.post(f"{self.base_url}/seizures", json=body, headers=headers, timeout=60)
                if response.status_code < 500:
                    return response
                last = response
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.3)
        raise AssertionError(f"registration never succeeded: {last!r}")


@pytest.fixture(scope="package")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    import asyncio

    from support.databases import migrated_database

    with local_infra() as infra:
        state = tmp_path_factory.mktemp("fault-stack")
        keys = state / "keys"
        ensure_keys(keys)
        dsn = asyncio.run(migrated_database(infra.pg_admin_dsn, "intake", "tangvat_intake"))
        port = free_port()
        env = {
            "TANGVAT_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
            "TANGVAT_AUTH_PUBLIC_KEY_FILE": str(keys / "auth.pub.pem"),
            "TANGVAT_KEYS_DIR": str(keys),
            "TANGVAT_INTAKE_DATABASE_URL": dsn,
            "TANGVAT_INTAKE_HTTP_PORT": str(port),
            "TANGVAT_INTAKE_METRICS_PORT": str(free_port()),
            "TANGVAT_INTAKE_RELAY_BATCH_SIZE": "500",
            "TANGVAT_INTAKE_RELAY_LEASE_SECONDS": "3",
            "TANGVAT_LOG_LEVEL": "INFO",
        }
        stack = FaultStack(infra, state, keys, env, port)
        try:
            yield stack
        finally:
            for process in stack.processes.values():
                process.stop(timeout=5)


@pytest.fixture
def fault_results() -> list[dict[str, Any]]:
    """Where a scenario records its counts (printed in the terminal summary)."""
    return RESULTS


def unique_key() -> str:
    return f"fault-{uuid.uuid4()}"
