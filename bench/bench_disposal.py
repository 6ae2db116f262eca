"""make bench-disposal: a 34,200-item destruction batch (the counterfeit share of the Bắc Ninh raid) from
proposal through the board's quorum, reservation in custody, custody's two-person handover of the whole
batch to the destruction team and witnessed execution, until custody shows every item disposed. Intake,
custody and disposal run as real processes (api, relay, consume) on one set of keys. Baseline in the same
run: raw asyncpg COPY of as many batch rows into a bare table."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson

from harness import drive, infrastructure, report  # isort: skip
from demo_data import items, seizure_fields
from infra_fixtures import Infra
from service_processes import ServiceProcess, ensure_keys, wait_http
from support.databases import migrated_database

from tangvat_shared.auth import mint_token
from tangvat_shared.db import connect
from tangvat_shared.keys import load_private_key
from tangvat_shared.labels import sign_label

# The consumer serves metrics on the relay's port + 1: keep the services ten apart.
PORTS = {"intake": (18421, 19421), "custody": (18422, 19431), "disposal": (18423, 19441)}
ROLES = {"intake": ("api", "relay"), "custody": ("api", "relay", "consume"), "disposal": ("api", "relay", "consume")}
UNIT, WAREHOUSE, BIN = "QLTT-BN", "KHO-BN-01", "KHO-BN-01.D-1"
MEMBERS = ["chair", "member-2", "member-3", "member-4", "member-5"]
CHECK_IN_CONCURRENCY = 64
PHASES = ("proposed_s", "approved_s", "custody_reserved_s", "custody_published_s", "reserved_s", "handed_over_s",
          "handover_known_s", "executed_s", "certificate_s", "certificate_mb")


@contextlib.contextmanager
def services(infra: Infra, dsns: dict[str, str]) -> Iterator[tuple[dict[str, ServiceProcess], Path]]:
    """All three services on one keys directory (custody verifies intake's labels, every API the same tokens)."""
    with tempfile.TemporaryDirectory(prefix="tangvat-bench-disposal-") as tmp:
        state = Path(tmp)
        keys = state / "keys"
        ensure_keys(keys)
        env = {"TANGVAT_KAFKA_BOOTSTRAP": infra.kafka_bootstrap, "TANGVAT_KEYS_DIR": str(keys),
               "TANGVAT_AUTH_PUBLIC_KEY_FILE": str(keys / "auth.pub.pem"), "TANGVAT_LOG_LEVEL": "INFO"}
        for service, (http, metrics) in PORTS.items():
            prefix = f"TANGVAT_{service.upper()}_"
            env |= {f"{prefix}DATABASE_URL": dsns[service], f"{prefix}HTTP_PORT": str(http),
                    f"{prefix}METRICS_PORT": str(metrics)}
        processes = {f"{s}-{r}": ServiceProcess(s, r, env, state) for s, roles in ROLES.items() for r in roles}
        try:
            for process in processes.values():
                process.start()
            for service, (http, _) in PORTS.items():
                wait_http(f"http://127.0.0.1:{http}/readyz", process=processes[f"{service}-api"])
            yield processes, keys
        finally:
            for process in processes.values():
                process.stop()
                if process.log_path.exists():
                    errors = [line for line in process.log_path.read_text(errors="replace").splitlines()
                              if '"level": "error"' in line or "Traceback" in line]
                    for line in errors[:5]:
                        print(f"{process.name}: {line[:2000]}", file=sys.stderr)


async def baseline_copy_rows_per_s(admin_dsn: str, n: int) -> float:
    dsn = await migrated_database(admin_dsn, "bench_disposal_copy", None)
    conn = await connect(dsn)
    try:
        await conn.execute("CREATE TABLE bare_batch_item (batch_id uuid, item_id uuid, reservation text)")
        batch_id = uuid.uuid4()
        rows = [(batch_id, uuid.uuid4(), "pending") for _ in range(n)]
        started = time.perf_counter()
        await conn.copy_records_to_table("bare_batch_item", records=rows)
        return n / (time.perf_counter() - started)
    finally:
        await conn.close()


async def wait_until(probe: Any, what: str, timeout: float = 600) -> None:
    """Poll `probe` every 20 ms. Probes of the timed phases are NOT EXISTS of a row still to change, which
    stop at the first one: a count(*) over the 34,200 rows took 10-20 ms of PostgreSQL's CPU per probe,
    half of a core of this 2-core machine taken from the services being measured."""
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def count(conn: asyncpg.Connection, query: str, *args: Any) -> int:
    return int(await conn.fetchval(query, *args) or 0)


class Bench:
    def __init__(self, keys: Path, dsns: dict[str, str]) -> None:
        auth = load_private_key((keys / "auth.pem").read_bytes())
        self.intake_key = load_private_key((keys / "intake.pem").read_bytes())

        def headers(role: str, user: str = "bench") -> dict[str, str]:
            return {"Authorization": "Bearer " + mint_token(auth, subject=user, roles=[role], units=[UNIT],
                                                            warehouses=[WAREHOUSE], ttl_seconds=7200)}

        self.headers = headers
        self.http = {s: httpx.AsyncClient(base_url=f"http://127.0.0.1:{p[0]}", timeout=600) for s, p in PORTS.items()}
        self.dsns = dsns

    async def setup(self) -> None:
        admin = self.headers("admin", "admin-1")
        await self.http["custody"].post("/warehouses", json={"warehouse_id": WAREHOUSE, "name": "Kho"}, headers=admin)
        for code, kind, parent in [("KHO-BN-01.D", "zone", None), ("KHO-BN-01.D1", "shelf", "KHO-BN-01.D"),
                                   (BIN, "bin", "KHO-BN-01.D1")]:
            r = await self.http["custody"].post(f"/warehouses/{WAREHOUSE}/locations", headers=admin,
                                                json={"location_code": code, "kind": kind, "parent_code": parent})
            r.raise_for_status()
        r = await self.http["disposal"].put(f"/boards/{UNIT}", headers=admin,
                                            json={"members": MEMBERS, "quorum": 3, "rejections_to_reject": 2})
        r.raise_for_status()

    async def stored_seizure(self, n: int) -> str:
        """Not timed: a counterfeit seizure registered, confiscated, every item checked in, and known to disposal."""
        body = seizure_fields()
        body["items"] = items(n, warehouse=WAREHOUSE, categories=[("counterfeit", 1)])
        officer = self.headers("intake_officer", "officer-1")
        r = await self.http["intake"].post("/seizures", content=orjson.dumps(body),
                                           headers={**officer, "Content-Type": "application/json"})
        r.raise_for_status()
        seizure_id = r.json()["seizure_id"]
        r = await self.http["intake"].post(f"/seizures/{seizure_id}/legal-status", headers=officer, json={
            "status": "confiscated", "decision_number": "QĐ-1/2022", "decided_on": "2022-09-01",
            "issued_by": "Chi cục QLTT Bắc Ninh"})
        r.raise_for_status()
        custody = await connect(self.dsns["custody"])
        disposal = await connect(self.dsns["disposal"])
        sid = uuid.UUID(seizure_id)
        try:
            await wait_until(lambda: self._at_least(custody, "SELECT count(*) FROM item WHERE seizure_id = $1", sid, n),
                             "items in custody")
            rows = await custody.fetch("SELECT item_id, label_code FROM item WHERE seizure_id = $1", sid)
            labels = [sign_label(self.intake_key, r["item_id"], r["label_code"]) for r in rows]
            # Every item through custody's real check-in route, over the benchmark's small keep-alive client:
            # httpx's own CPU per request had made this untimed set-up take minutes on two cores.
            scans = [("/scans/check-in", orjson.dumps({"label": label, "location_code": BIN})) for label in labels]
            _, _, statuses = await drive(PORTS["custody"][0], scans, self.headers("warehouse_staff", "kho-staff-1"),
                                         CHECK_IN_CONCURRENCY)
            if set(statuses) != {200}:
                raise RuntimeError(f"check-ins failed: {statuses}")
            await wait_until(lambda: self._at_least(disposal, """SELECT count(*) FROM item i JOIN seizure_legal_status s
                USING (seizure_id) JOIN item_custody c USING (item_id)
                WHERE i.seizure_id = $1 AND c.custody_state = 'in_storage'""", sid, n),
                "disposal's read model")
        finally:
            await custody.close()
            await disposal.close()
        return seizure_id

    async def hand_over(self, batch_id: uuid.UUID, n: int, disposal: asyncpg.Connection) -> None:
        """The whole batch, as one warehouse's staff release it: its value is far above the threshold, so a
        second staff member confirms."""
        custody = self.http["custody"]
        r = await custody.post("/handovers", headers=self.headers("warehouse_staff", "kho-staff-1"), json={
            "batch_id": str(batch_id), "warehouse_id": WAREHOUSE, "recipient": "Tổ tiêu hủy"})
        r.raise_for_status()
        if r.status_code == 202:
            r = await custody.post(f"/approvals/{r.json()['approval_id']}/confirm",
                                   headers=self.headers("warehouse_staff", "kho-staff-2"))
            r.raise_for_status()
        if r.json()["items"] != n:
            raise RuntimeError(f"handed over {r.json()['items']} of {n} items")

    @staticmethod
    async def _handed_over(disposal: asyncpg.Connection, batch_id: uuid.UUID) -> bool:
        return bool(await disposal.fetchval(
            "SELECT NOT EXISTS (SELECT 1 FROM batch_item WHERE batch_id = $1 AND NOT handed_over)", batch_id))

    @staticmethod
    async def _all_in(custody: asyncpg.Connection, sid: uuid.UUID, state: str) -> bool:
        return bool(await custody.fetchval(
            "SELECT NOT EXISTS (SELECT 1 FROM item WHERE seizure_id = $1 AND state <> $2)", sid, state))

    @staticmethod
    async def _at_least(conn: asyncpg.Connection, query: str, sid: uuid.UUID, n: int) -> bool:
        return await count(conn, query, sid) >= n

    async def one_run(self, seizure_id: str, n: int) -> dict[str, float]:
        disposal, http = await connect(self.dsns["disposal"]), self.http["disposal"]
        custody = await connect(self.dsns["custody"])
        marks: dict[str, float] = {}
        try:
            started = time.perf_counter()
            r = await http.post("/batches", headers=self.headers("board_member", MEMBERS[0]), json={
                "unit": UNIT, "method": "destroy", "reason": "Hàng giả mạo nhãn hiệu",
                "filter": {"seizure_id": seizure_id, "category": "counterfeit"}})
            r.raise_for_status()
            batch_id = uuid.UUID(r.json()["batch_id"])
            marks["proposed_s"] = time.perf_counter() - started
            for voter in MEMBERS[1:4]:
                r = await http.post(f"/batches/{batch_id}/votes", headers=self.headers("board_member", voter),
                                    json={"decision": "approve", "reason": "Đồng ý"})
                r.raise_for_status()
            marks["approved_s"] = time.perf_counter() - started

            sid = uuid.UUID(seizure_id)

            async def ready() -> bool:
                if "custody_reserved_s" not in marks and await self._all_in(custody, sid, "reserved_for_disposal"):
                    marks["custody_reserved_s"] = time.perf_counter() - started  # custody's handler done
                if "custody_reserved_s" in marks and "custody_published_s" not in marks and await custody.fetchval(
                        """SELECT (SELECT published_seq >= last_seq FROM stream_head WHERE stream = 'custody')
                                  AND NOT EXISTS (SELECT 1 FROM outbox)"""):
                    marks["custody_published_s"] = time.perf_counter() - started  # its answers all on Kafka
                return await disposal.fetchval("SELECT status FROM batch WHERE batch_id = $1", batch_id) == "ready"

            await wait_until(ready, "the batch reserved")
            marks["reserved_s"] = time.perf_counter() - started
            marks.setdefault("custody_reserved_s", marks["reserved_s"])
            marks.setdefault("custody_published_s", marks["reserved_s"])
            await self.hand_over(batch_id, n, disposal)
            marks["handed_over_s"] = time.perf_counter() - started
            await wait_until(lambda: self._handed_over(disposal, batch_id), "disposal knowing the handover")
            marks["handover_known_s"] = time.perf_counter() - started
            confirmed = [str(r["item_id"]) for r in await disposal.fetch(
                "SELECT item_id FROM batch_item WHERE batch_id = $1 AND reservation = 'reserved'", batch_id)]
            for _ in range(2):  # each witness confirms from their own session
                r = await http.post(f"/batches/{batch_id}/execution/witnesses", json={"name": "Nhân chứng"},
                                    headers=self.headers("auditor", f"w-{uuid.uuid4().hex[:6]}"))
                r.raise_for_status()
            r = await http.post(f"/batches/{batch_id}/execution", headers=self.headers("board_member", MEMBERS[0]),
                                json={"executed_on": datetime.now(UTC).date().isoformat(), "place": "Bãi rác Đồng Ngo",
                                      "destruction_method": "crush", "confirmed_item_ids": confirmed,
                                      "evidence": [{"sha256": "c" * 64, "name": "video.mp4", "kind": "video"}]})
            r.raise_for_status()
            marks["executed_s"] = time.perf_counter() - started

            await wait_until(lambda: self._all_in(custody, sid, "disposed"), "custody showing every item disposed")
            total = time.perf_counter() - started
            certificate_started = time.perf_counter()
            r = await http.get(f"/batches/{batch_id}/certificate.pdf", headers=self.headers("auditor"))
            r.raise_for_status()
            marks["certificate_s"] = time.perf_counter() - certificate_started
            marks["certificate_mb"] = len(r.content) / 1e6
        finally:
            await disposal.close()
            await custody.close()
        return {"items_per_s": n / total, "total_s": total, **marks}


async def main(runs: int, n: int) -> None:
    with infrastructure() as infra:
        dsns = {s: await migrated_database(infra.pg_admin_dsn, s, f"tangvat_{s}") for s in PORTS}
        results: list[dict[str, float]] = []
        baselines: list[float] = []
        with services(infra, dsns) as (procs, keys):
            bench = Bench(keys, dsns)
            await bench.setup()
            for _ in range(runs):
                seizure_id = await bench.stored_seizure(n)
                baselines.append(await baseline_copy_rows_per_s(infra.pg_admin_dsn, n))
                results.append(await bench.one_run(seizure_id, n))
                print(f"bench-disposal: run {len(results)}: " + ", ".join(
                    f"{k} {v:.2f}" for k, v in results[-1].items()), file=sys.stderr, flush=True)
            for client in bench.http.values():
                await client.aclose()
            rss = {name: proc.peak_rss_mb() for name, proc in procs.items()}
    report(
        "disposal_items_per_s", [r["items_per_s"] for r in results], "items/s", "asyncpg_copy_rows_per_s", baselines,
        n,
        {"total_s": [round(r["total_s"], 2) for r in results],
         **{k: [round(r[k], 2) for r in results] for k in PHASES},
         "peak_rss_mb": {name: round(v, 1) if v else None for name, v in rss.items()},
         "processes": "intake api+relay; custody and disposal api+relay+consume"},
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--items", type=int, default=34_200)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.items))
