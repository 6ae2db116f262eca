"""The fault suite's own broker, database and service processes, which its tests kill at will.

It runs on infrastructure of its own (not the session's), so killing the broker or restarting
PostgreSQL never disturbs the other suites. Intake, custody and disposal (and the auditor's
consumer) run as real processes (`python -m tangvat_<service> api|relay|consume`), started on
demand and left running for the scenarios after; each scenario records its counts, printed at
the end of the run.
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
from service_processes import ServiceProcess, ensure_keys, wait_http
from tangvat_infra.processes import free_port

from tangvat_shared.auth import mint_token
from tangvat_shared.keys import load_private_key

RESULTS: list[dict[str, Any]] = []

# The services whose processes the suite runs, each with its own migrated database.
SERVICES = ("intake", "custody", "disposal", "audit")
UNIT, WAREHOUSE, BIN = "QLTT-BN", "KHO-BN-01", "KHO-BN-01.A1-01"
BOARD = ["chair", "member-2", "member-3", "member-4", "member-5"]  # quorum 3

# Modules run in this order: the poison scenario while the topics are still short (every consumer
# reads them from the start), the kill scenarios, and last the replay of everything they left behind.
MODULE_ORDER = ("test_poison_faults", "test_consumer_faults", "test_custody_faults", "test_disposal_faults",
                "test_intake_faults", "test_broker_faults", "test_replay_after_faults")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        return MODULE_ORDER.index(module) if module in MODULE_ORDER else len(MODULE_ORDER)

    in_suite = [i for i in items if "tests/faults/" in str(i.path).replace("\\", "/")]
    if in_suite:
        ordered = iter(sorted(in_suite, key=rank))  # stable: a module's tests keep their order
        items[:] = [next(ordered) if "tests/faults/" in str(i.path).replace("\\", "/") else i for i in items]


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
    env: dict[str, str]  # every service's settings (each under its own prefix)
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    # Records the suite put on a topic on purpose (topic, partition, offset): the poison scenario's.
    foreign: set[tuple[str, int, int]] = field(default_factory=set)

    def dsn(self, service: str) -> str:
        return self.env[f"TANGVAT_{service.upper()}_DATABASE_URL"]

    def base_url(self, service: str = "intake") -> str:
        return f"http://127.0.0.1:{self.env[f'TANGVAT_{service.upper()}_HTTP_PORT']}"

    def process(self, service: str, role: str, name: str | None = None) -> ServiceProcess:
        """The process `python -m tangvat_<service> <role>`; `name` for a second one of a role."""
        key = name or f"{service}-{role}"
        if key not in self.processes:
            # Each process its own metrics port (a consumer serves on the port + 1) and pid file.
            env = {**self.env, f"TANGVAT_{service.upper()}_METRICS_PORT": str(free_port())}
            self.processes[key] = ServiceProcess(service, role, env, self.state / key)
        return self.processes[key]

    def start(self, service: str, *roles: str) -> None:
        """Start these roles of a service (all it has by default); an API is waited for."""
        from service_processes import ROLES

        for role in roles or ROLES[service]:
            process = self.process(service, role)
            process.start()
            if role == "api":
                wait_http(f"{self.base_url(service)}/readyz", timeout=60, process=process)

    def start_api(self, service: str = "intake") -> None:
        self.start(service, "api")

    def headers(self, role: str = "intake_officer", user: str = "fault-officer") -> dict[str, str]:
        key = load_private_key((self.keys / "auth.pem").read_bytes())
        token = mint_token(key, subject=user, roles=[role], units=[UNIT], warehouses=[WAREHOUSE], ttl_seconds=7200)
        return {"Authorization": f"Bearer {token}"}

    def token(self) -> str:
        return self.headers()["Authorization"].removeprefix("Bearer ")

    def post(self, service: str, path: str, body: dict[str, Any], idempotency_key: str, *,
             role: str = "intake_officer", user: str = "fault-officer", timeout: float = 120.0,
             client: httpx.Client | None = None, method: str = "POST") -> httpx.Response:
        """Send a command, retrying through outages with the same key, as a scanner or a client would."""
        deadline = time.monotonic() + timeout
        headers = {**self.headers(role, user), "Idempotency-Key": idempotency_key}
        last: Exception | httpx.Response | None = None
        while time.monotonic() < deadline:
            try:
                url = f"{self.base_url(service)}{path}"
                if client is not None:
                    response = client.request(method, url, json=body, headers=headers)
                else:
                    response = httpx.request(method, url, json=body, headers=headers, timeout=60)
                if response.status_code < 500:
                    return response
                last = response
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.3)
        raise AssertionError(f"{method} {service}{path} never succeeded: {last!r}")

    def register(self, body: dict[str, Any], idempotency_key: str, timeout: float = 120.0) -> httpx.Response:
        """POST a registration to intake, retrying through outages with the same key."""
        return self.post("intake", "/seizures", body, idempotency_key, timeout=timeout)

    def stored_seizure(self, n: int, *, category: str = "counterfeit") -> tuple[str, list[str]]:
        """A confiscated seizure whose items custody awaits: its id and each item's signed label."""
        import demo_data

        from tangvat_shared.labels import sign_label
        from tests.faults.checks import rows, sql, wait_until

        body = demo_data.seizure_fields()
        body["items"] = demo_data.items(n, warehouse=WAREHOUSE, categories=[(category, 1)])
        response = self.register(body, unique_key())
        assert response.status_code == 201, response.text
        seizure_id = response.json()["seizure_id"]
        confiscated = self.post("intake", f"/seizures/{seizure_id}/legal-status", {
            "status": "confiscated", "decision_number": "QĐ-1/2022", "decided_on": "2022-09-01",
            "issued_by": "Chi cục QLTT Bắc Ninh"}, unique_key())
        assert confiscated.status_code == 201, confiscated.text
        query = "SELECT item_id, label_code FROM item WHERE seizure_id = $1::uuid"
        wait_until(lambda: sql(self, "custody", f"SELECT count(*) FROM ({query}) q", seizure_id) == n,
                   "custody to await the seizure's items", interval=0.2)
        key = load_private_key((self.keys / "intake.pem").read_bytes())
        found = rows(self, "custody", query + " ORDER BY label_code", seizure_id)
        return seizure_id, [sign_label(key, r["item_id"], r["label_code"]) for r in found]

    def check_in(self, labels: list[str], *, scanners: int = 16, keys: list[str] | None = None
                 ) -> list[httpx.Response]:
        """Scanners receiving items into the bin, each scan retried with its own key until answered."""
        from concurrent.futures import ThreadPoolExecutor

        keys = keys or [unique_key() for _ in labels]

        def scan(client: httpx.Client, label: str, key: str) -> httpx.Response:
            return self.post("custody", "/scans/check-in", {"label": label, "location_code": BIN}, key,
                             role="warehouse_staff", user="kho-staff-1", client=client)

        with httpx.Client(timeout=30, limits=httpx.Limits(max_connections=scanners)) as client, \
                ThreadPoolExecutor(scanners) as pool:
            return list(pool.map(lambda pair: scan(client, *pair), zip(labels, keys, strict=True)))

    def revive(self, timeout: float = 90.0) -> list[str]:
        """What the deployment's supervisor does (docker compose `restart: unless-stopped`): start again every
        process that died on its own or was killed (a stopped one has no pid file), until the APIs answer."""
        revived: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            for name, process in self.processes.items():
                if process.pid_path.exists() and process.pid is None:
                    process.start()
                    revived.append(name)
            try:
                for process in self.processes.values():
                    if process.role == "api" and process.pid:
                        wait_http(f"{self.base_url(process.service)}/readyz", timeout=15, process=process)
                return revived
            except (RuntimeError, TimeoutError):
                if time.monotonic() > deadline:
                    raise

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.stop(timeout=5)


@pytest.fixture(scope="package")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    import asyncio

    from support.databases import migrated_database

    async def databases(admin_dsn: str) -> dict[str, str]:
        return {s: await migrated_database(admin_dsn, s, f"tangvat_{s}") for s in SERVICES}

    with local_infra() as infra:
        state = tmp_path_factory.mktemp("fault-stack")
        keys = state / "keys"
        ensure_keys(keys)
        env = {
            "TANGVAT_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
            "TANGVAT_AUTH_PUBLIC_KEY_FILE": str(keys / "auth.pub.pem"),
            "TANGVAT_KEYS_DIR": str(keys),
            "TANGVAT_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        for service, dsn in asyncio.run(databases(infra.pg_admin_dsn)).items():
            prefix = f"TANGVAT_{service.upper()}_"
            env |= {f"{prefix}DATABASE_URL": dsn, f"{prefix}HTTP_PORT": str(free_port()),
                    # Small batches and short leases, so that a fault lands in the middle of the work.
                    f"{prefix}RELAY_BATCH_SIZE": "500", f"{prefix}RELAY_LEASE_SECONDS": "3"}
        stack = FaultStack(infra, state, keys, env)
        try:
            yield stack
        finally:
            stack.stop_all()


@pytest.fixture(scope="package")
def system(fault_stack: FaultStack) -> FaultStack:
    """Every service's processes running, a warehouse with a bin to receive into, and the unit's board."""
    stack = fault_stack
    for service in ("intake", "custody", "disposal"):
        stack.start(service)
    admin = {"role": "admin", "user": "admin-1"}
    for path, body in [("/warehouses", {"warehouse_id": WAREHOUSE, "name": "Kho tang vật Bắc Ninh"}),
                       (f"/warehouses/{WAREHOUSE}/locations",
                        {"location_code": "KHO-BN-01.A", "kind": "zone", "parent_code": None}),
                       (f"/warehouses/{WAREHOUSE}/locations",
                        {"location_code": "KHO-BN-01.A1", "kind": "shelf", "parent_code": "KHO-BN-01.A"}),
                       (f"/warehouses/{WAREHOUSE}/locations",
                        {"location_code": BIN, "kind": "bin", "parent_code": "KHO-BN-01.A1"})]:
        response = stack.post("custody", path, body, unique_key(), **admin)
        assert response.status_code == 201, response.text
    board = {"members": BOARD, "quorum": 3, "rejections_to_reject": 2}
    response = stack.post("disposal", f"/boards/{UNIT}", board, unique_key(), method="PUT", **admin)
    assert response.status_code < 300, response.text
    return stack


@pytest.fixture
def fault_results() -> list[dict[str, Any]]:
    """Where a scenario records its counts (printed in the terminal summary)."""
    return RESULTS


def unique_key() -> str:
    return f"fault-{uuid.uuid4()}"
