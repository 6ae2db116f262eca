"""Custody wired to the real broker and database: API in-process, its consumer and relay running,
and a stand-in disposal stream (a real relay over a real outbox) for the disposal contract."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import demo_data as factories
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tangvat_custody.api import build_app
from tangvat_custody.handlers import HANDLERS, SOURCES
from tangvat_shared.db import connect
from tangvat_shared.files import LocalFileStore
from tangvat_shared.kafka import event_topic
from tangvat_shared.keys import load_private_key, load_public_key
from tangvat_shared.labels import sign_label
from tangvat_shared.relay import Relay
from tests.integration.conftest import TokenFactory, bearer
from tests.support.databases import migrated_database
from tests.support.events import SYSTEM_ACTOR, append_events, new_envelope
from tests.support.running import running_app, running_consumer, running_relay
from tests.support.tokens import verifier_for
from tests.support.waiting import eventually

THRESHOLD_VND = 100_000_000
WAREHOUSE, OTHER_WAREHOUSE = "KHO-BN-01", "KHO-HN-02"


@pytest.fixture(scope="session")
async def custody_dsn(infra: Any) -> str:
    return await migrated_database(infra.pg_admin_dsn, "custody", "tangvat_custody")


@pytest.fixture(scope="session")
def custody_files(tmp_path_factory: pytest.TempPathFactory) -> LocalFileStore:
    """Custody's file store (the receipt photos' bytes, signed forms and their signatures), a directory of this
    test session."""
    return LocalFileStore(tmp_path_factory.mktemp("custody-files"))


@pytest.fixture(scope="session")
async def custody_client(custody_dsn: str, keys_dir: Path, custody_files: LocalFileStore
                         ) -> AsyncIterator[httpx.AsyncClient]:
    verifier = verifier_for(keys_dir)
    app = build_app(custody_dsn, verifier, load_public_key((keys_dir / "intake.pub.pem").read_bytes()),
                    pool_max_size=20, two_person_threshold_vnd=THRESHOLD_VND, perishable_limit_days=30,
                    location_key=load_private_key((keys_dir / "custody.pem").read_bytes()), files=custody_files)
    async with running_app(app, "custody") as client:
        yield client


@pytest.fixture(scope="session")
async def custody_relay(infra: Any, custody_dsn: str, keys_dir: Path) -> AsyncIterator[Relay]:
    async with running_relay(infra, custody_dsn, "custody", load_private_key((keys_dir / "custody.pem").read_bytes()),
                             holder="test-custody-relay") as relay:
        yield relay


@pytest.fixture(scope="session")
async def disposal_dsn(infra: Any) -> str:
    return await migrated_database(infra.pg_admin_dsn, "custody_test_disposal", None)


@pytest.fixture(scope="session")
async def disposal_relay(infra: Any, disposal_dsn: str, keys_dir: Path) -> AsyncIterator[Relay]:
    async with running_relay(infra, disposal_dsn, "disposal",
                             load_private_key((keys_dir / "disposal.pem").read_bytes()),
                             holder="test-disposal-relay") as relay:
        yield relay


@pytest.fixture(scope="session")
async def custody_consumer(infra: Any, custody_dsn: str, intake_relay: Relay, disposal_relay: Relay
                           ) -> AsyncIterator[None]:
    """The custody consumer (the real handlers, the shared IdempotentConsumer) in-process."""
    async with running_consumer(infra, custody_dsn, group="custody-test",
                                kafka_group=f"custody-test-{uuid.uuid4().hex[:6]}",
                                topics=[event_topic(s) for s in SOURCES], handlers=HANDLERS, dlq_topic="custody.dlq"):
        yield


@dataclass
class Seeded:
    """A seizure registered at intake and arrived in custody: its items and their signed labels."""

    seizure_id: str
    items: list[dict[str, Any]]
    labels: dict[str, str]  # item_id -> label payload

    def label(self, n: int) -> str:
        return self.labels[self.items[n]["item_id"]]

    def item_id(self, n: int) -> str:
        return str(self.items[n]["item_id"])


SeedFactory = Callable[..., Any]


@pytest.fixture(scope="session")
def intake_key(keys_dir: Path) -> Ed25519PrivateKey:
    return load_private_key((keys_dir / "intake.pem").read_bytes())


@pytest.fixture(scope="session")
async def warehouses(custody_client: httpx.AsyncClient, local_token: TokenFactory) -> dict[str, list[str]]:
    """Two warehouses with a zone, two shelves and four bins each."""
    admin = bearer(local_token("admin", user="admin-1"))
    layout: dict[str, list[str]] = {}
    for wh in (WAREHOUSE, OTHER_WAREHOUSE):
        response = await custody_client.post("/warehouses", json={"warehouse_id": wh, "name": f"Kho {wh}"},
                                             headers=admin)
        assert response.status_code in (201, 409), response.text
        staff = bearer(local_token("warehouse_staff", user="setup", warehouses=(wh,)))
        bins = []
        tree = [(f"{wh}.A", "zone", None)] + [(f"{wh}.A-{s}", "shelf", f"{wh}.A") for s in (1, 2)] + [
            (f"{wh}.A-{s}-{b}", "bin", f"{wh}.A-{s}") for s in (1, 2) for b in (1, 2)]
        for code, kind, parent in tree:
            response = await custody_client.post(f"/warehouses/{wh}/locations", headers=staff, json={
                "location_code": code, "kind": kind, "parent_code": parent})
            assert response.status_code in (201, 409), response.text
            if kind == "bin":
                bins.append(code)
        layout[wh] = bins
    return layout


@pytest.fixture(scope="session")
def seed(intake_client: httpx.AsyncClient, custody_consumer: None, custody_dsn: str, local_token: TokenFactory,
         intake_key: Ed25519PrivateKey, warehouses: dict[str, list[str]]) -> SeedFactory:
    async def make(n: int = 3, *, warehouse: str = WAREHOUSE, value_vnd: int | None = None,
                   perishable: bool = False, description: str | None = None) -> Seeded:
        body = factories.seizure(n, warehouse=warehouse)
        for item in body["items"]:
            if description is not None:
                item["description"] = description
            if value_vnd is not None:
                item["value_vnd"] = value_vnd
            item["perishable"] = perishable
        response = await intake_client.post("/seizures", json=body, headers=bearer(local_token()))
        assert response.status_code == 201, response.text
        seizure_id = response.json()["seizure_id"]
        items = await wait_items(custody_dsn, seizure_id, n)
        labels = {str(i["item_id"]): sign_label(intake_key, i["item_id"], i["label_code"]) for i in items}
        return Seeded(seizure_id, [dict(i, item_id=str(i["item_id"])) for i in items], labels)

    return make


async def wait_items(dsn: str, seizure_id: str, n: int, timeout: float = 60) -> Sequence[asyncpg.Record]:
    async def probe() -> Sequence[asyncpg.Record] | None:
        rows = await fetch(dsn, "SELECT * FROM item WHERE seizure_id = $1 ORDER BY label_code", uuid.UUID(seizure_id))
        return rows if len(rows) >= n else None

    result = await eventually(probe, timeout=timeout, what=f"{n} items of {seizure_id} in custody")
    assert result is not None
    return result


async def fetch(dsn: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await connect(dsn)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def publish_disposal(dsn: str, event_type: str, data: dict[str, Any], subject: str) -> uuid.UUID:
    """Write a disposal event into the stand-in disposal outbox; its relay publishes it."""
    envelope = new_envelope(source="disposal", type=event_type, schemaversion=1, subject=subject, data=data,
                            actor=SYSTEM_ACTOR)
    conn = await connect(dsn)
    try:
        async with conn.transaction():
            await append_events(conn, [envelope])
    finally:
        await conn.close()
    return envelope.id


def staff(token: TokenFactory, user: str = "staff-1", warehouses: tuple[str, ...] = (WAREHOUSE,)) -> dict[str, str]:
    return bearer(token("warehouse_staff", user=user, warehouses=warehouses))
