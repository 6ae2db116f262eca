"""A whole world on the real broker and database: intake, custody and disposal, each with its API
in-process, its relay and its consumer (intake: custody's transfers) running, on topics of their own. Disposal's
integration tests and the end-to-end tests share it (one per session, exposed by tests/conftest.py).

Own topics keep the saga honest: no other test's custody instance answers this disposal's reservation
requests, and this consumer need not chew through other tests' big seizures on `intake.events`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import demo_data as factories
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tangvat_custody.api import build_app as build_custody
from tangvat_custody.handlers import HANDLERS as CUSTODY_HANDLERS
from tangvat_disposal.api import build_app as build_disposal
from tangvat_disposal.handlers import HANDLERS as DISPOSAL_HANDLERS
from tangvat_intake.api import build_app as build_intake
from tangvat_intake.handlers import HANDLERS as INTAKE_HANDLERS
from tangvat_shared.db import connect
from tangvat_shared.files import LocalFileStore
from tangvat_shared.keys import load_private_key, load_public_key
from tangvat_shared.labels import sign_label
from tests.support.databases import migrated_database
from tests.support.evidence import EVIDENCE_PHOTO, EVIDENCE_SHA256
from tests.support.running import running_app, running_consumer, running_relay
from tests.support.tokens import TokenFactory, bearer, verifier_for
from tests.support.topics import new_topics
from tests.support.waiting import eventually

UNIT = "QLTT-BN"
WAREHOUSE = "KHO-BN-01"
BIN = f"{WAREHOUSE}.D-1"
PROPOSER = "board-chair"
MEMBERS = [PROPOSER, "board-2", "board-3", "board-4", "board-5"]
STAFF = "kho-staff-1"
SECOND_STAFF = "kho-staff-2"  # confirms handovers above the two-person threshold
# Low enough that a handover of a few demo items needs a second person, high enough for one-item check-outs
# and small transfers to need none: both paths run.
TWO_PERSON_THRESHOLD_VND = 200_000
DISPOSAL_TEAM = "Tổ tiêu hủy Chi cục QLTT Bắc Ninh"


@dataclass(frozen=True)
class Topics:
    intake: str
    custody: str
    disposal: str


@pytest.fixture(scope="session")
async def world_topics(infra: Any) -> Topics:
    names = await new_topics(infra.kafka_bootstrap, "intake.events", "custody.events", "disposal.events")
    return Topics(*names)


@dataclass
class World:
    intake: httpx.AsyncClient
    custody: httpx.AsyncClient
    disposal: httpx.AsyncClient
    intake_dsn: str
    custody_dsn: str
    disposal_dsn: str
    topics: Topics
    intake_key: Ed25519PrivateKey
    bootstrap: str
    files: dict[str, LocalFileStore]  # each service's file store, by service name


@pytest.fixture(scope="session")
async def world(infra: Any, keys_dir: Path, world_topics: Topics, local_token: TokenFactory,
                tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    dsns = [await migrated_database(infra.pg_admin_dsn, f"world_{name}", f"tangvat_{name}")
            for name in ("intake", "custody", "disposal")]
    intake_dsn, custody_dsn, disposal_dsn = dsns
    verifier = verifier_for(keys_dir)  # the local issuer, and Keycloak once a module asks for its tokens
    key = {name: load_private_key((keys_dir / f"{name}.pem").read_bytes()) for name in ("intake", "custody",
                                                                                         "disposal")}
    files = {name: LocalFileStore(tmp_path_factory.mktemp(f"world-{name}-files"))
             for name in ("intake", "custody", "disposal")}
    await files["disposal"].put(EVIDENCE_PHOTO, "image/jpeg")
    t = world_topics
    async with (
        running_app(build_intake(intake_dsn, verifier, key["intake"], files=files["intake"]), "intake") as intake,
        running_app(build_custody(custody_dsn, verifier, load_public_key((keys_dir / "intake.pub.pem").read_bytes()),
                              pool_max_size=10, two_person_threshold_vnd=TWO_PERSON_THRESHOLD_VND,
                              location_key=key["custody"],  # its location labels signed as in production
                              files=files["custody"]),
                "custody") as custody,
        running_app(build_disposal(disposal_dsn, verifier, pool_max_size=20, files=files["disposal"]),
                    "disposal") as disposal,
        running_relay(infra, intake_dsn, "intake", key["intake"], topic=t.intake, holder="world-intake"),
        running_relay(infra, custody_dsn, "custody", key["custody"], topic=t.custody, holder="world-custody"),
        running_relay(infra, disposal_dsn, "disposal", key["disposal"], topic=t.disposal, holder="world-disposal"),
        running_consumer(infra, custody_dsn, group="world-custody",
                         kafka_group=f"world-custody-{uuid.uuid4().hex[:6]}",
                         topics=[t.intake, t.disposal], handlers=CUSTODY_HANDLERS, dlq_topic="custody.dlq"),
        running_consumer(infra, disposal_dsn, group="world-disposal",
                         kafka_group=f"world-disposal-{uuid.uuid4().hex[:6]}", topics=[t.intake, t.custody],
                         handlers=DISPOSAL_HANDLERS, dlq_topic="disposal.dlq"),
        running_consumer(infra, intake_dsn, group="world-intake",
                         kafka_group=f"world-intake-{uuid.uuid4().hex[:6]}", topics=[t.custody],
                         handlers=INTAKE_HANDLERS, dlq_topic="intake.dlq"),
    ):
        admin = bearer(local_token("admin", user="admin-1", units=("*",), warehouses=("*",)))
        r = await custody.post("/warehouses", json={"warehouse_id": WAREHOUSE, "name": "Kho Bắc Ninh"}, headers=admin)
        assert r.status_code == 201, r.text
        for code, kind, parent in [(f"{WAREHOUSE}.D", "zone", None), (f"{WAREHOUSE}.D1", "shelf", f"{WAREHOUSE}.D"),
                                   (BIN, "bin", f"{WAREHOUSE}.D1")]:
            r = await custody.post(f"/warehouses/{WAREHOUSE}/locations", headers=admin,
                                   json={"location_code": code, "kind": kind, "parent_code": parent})
            assert r.status_code == 201, r.text
        async def intake_knows_the_warehouse() -> bool:
            rows = await fetch(intake_dsn, "SELECT 1 FROM warehouse WHERE warehouse_id = $1", WAREHOUSE)
            return bool(rows)

        await eventually(intake_knows_the_warehouse, what="intake to learn the warehouse from custody's event")
        r = await disposal.put(f"/boards/{UNIT}", headers=admin,
                               json={"members": MEMBERS, "quorum": 3, "rejections_to_reject": 2})
        assert r.status_code == 200, r.text
        yield World(intake, custody, disposal, intake_dsn, custody_dsn, disposal_dsn, t, key["intake"],
                    infra.kafka_bootstrap, files)


# --- helpers the disposal and end-to-end tests share ---------------------------------------------------------------


def member(token: TokenFactory, user: str = PROPOSER, units: tuple[str, ...] = (UNIT,)) -> dict[str, str]:
    return bearer(token("board_member", user=user, units=units))


def staff(token: TokenFactory, user: str = STAFF) -> dict[str, str]:
    return bearer(token("warehouse_staff", user=user, warehouses=(WAREHOUSE,)))


async def fetch(dsn: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await connect(dsn)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def dead_letters_about(world: World, refs: list[str]) -> list[str]:
    """The reasons of disposal's dead letters (recorded with the raw event in its database) that mention
    any of `refs` (item or batch ids): a test's own events must never be among them."""
    rows = await fetch(world.disposal_dsn, """SELECT reason FROM dead_letter WHERE EXISTS (
                           SELECT 1 FROM unnest($1::text[]) r WHERE position(convert_to(r, 'UTF8') in raw) > 0)
                       ORDER BY id""", refs)
    return [r["reason"] for r in rows]


@dataclass
class Seizure:
    seizure_id: str
    items: list[dict[str, Any]]  # custody's rows, ordered by label code
    labels: dict[str, str] = field(default_factory=dict)  # item_id -> signed label payload

    def label(self, n: int) -> str:
        return self.labels[str(self.items[n]["item_id"])]

    def ids(self, *positions: int) -> list[str]:
        return [str(self.items[n]["item_id"]) for n in positions]

    @property
    def all_ids(self) -> list[str]:
        return [str(i["item_id"]) for i in self.items]


SeizureFactory = Callable[..., Awaitable[Seizure]]


@pytest.fixture(scope="session")
def seizure(world: World, local_token: TokenFactory) -> SeizureFactory:
    """Register a seizure at intake, check its items in at custody, record its legal status, and wait until
    disposal's read model knows all of it."""

    async def make(categories: list[tuple[str, int]], *, legal: str | None = "confiscated",
                   perishable: bool = False, check_in: bool = True) -> Seizure:
        n = sum(count for _, count in categories)
        body = factories.seizure(n, warehouse=WAREHOUSE, categories=categories)
        for item in body["items"]:
            item["perishable"] = perishable
        r = await world.intake.post("/seizures", json=body, headers=bearer(local_token(user="officer-1")))
        assert r.status_code == 201, r.text
        seizure_id = r.json()["seizure_id"]
        if legal is not None:
            r = await world.intake.post(f"/seizures/{seizure_id}/legal-status",
                                        headers=bearer(local_token(user="officer-1")),
                                        json={"status": legal, "decision_number": "QĐ-123/2022",
                                              "decided_on": "2022-09-01", "issued_by": "Chi cục QLTT Bắc Ninh"})
            assert r.status_code == 201, r.text

        async def arrived() -> list[asyncpg.Record] | None:
            rows = await fetch(world.custody_dsn, "SELECT * FROM item WHERE seizure_id = $1 ORDER BY label_code",
                               uuid.UUID(seizure_id))
            return rows if len(rows) == n else None

        rows = await eventually(arrived, what=f"{n} items in custody")
        assert rows is not None
        if check_in:
            for row in rows:
                label = sign_label(world.intake_key, row["item_id"], row["label_code"])
                r = await world.custody.post("/scans/check-in", headers=staff(local_token),
                                             json={"label": label, "location_code": BIN})
                assert r.status_code == 200, r.text
        state = "in_storage" if check_in else "awaiting_receipt"
        await wait_read_model(world, seizure_id, n, state, legal)
        return Seizure(seizure_id, [dict(r) for r in rows],
                       {str(r["item_id"]): sign_label(world.intake_key, r["item_id"], r["label_code"]) for r in rows})

    return make


async def wait_read_model(world: World, seizure_id: str, n: int, state: str | None, legal: str | None) -> None:
    async def known() -> bool:
        rows = await fetch(world.disposal_dsn, """SELECT c.custody_state, s.status FROM item i
                           LEFT JOIN item_custody c USING (item_id)
                           LEFT JOIN seizure_legal_status s USING (seizure_id) WHERE i.seizure_id = $1""",
                           uuid.UUID(seizure_id))
        return len(rows) == n and all(r["custody_state"] == state and r["status"] == legal for r in rows)

    await eventually(known, what=f"disposal's read model of seizure {seizure_id}")


async def wait_status(world: World, token: TokenFactory, batch_id: str, status: str,
                      also: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        r = await world.disposal.get(f"/batches/{batch_id}", headers=member(token))
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body if body["status"] == status and (also is None or also(body)) else None

    result = await eventually(probe, timeout=60, what=f"batch {batch_id} {status}")
    assert result is not None
    return result


async def propose(world: World, token: TokenFactory, item_ids: list[str] | None = None, *, method: str = "destroy",
                  user: str = PROPOSER, **extra: Any) -> httpx.Response:
    body: dict[str, Any] = {"unit": UNIT, "method": method, "reason": "Hàng giả, không còn giá trị sử dụng", **extra}
    if item_ids is not None:
        body["item_ids"] = item_ids
    return await world.disposal.post("/batches", json=body, headers=member(token, user))


async def approve(world: World, token: TokenFactory, batch_id: str, voters: list[str] | None = None) -> None:
    for voter in voters or MEMBERS[1:4]:
        r = await world.disposal.post(f"/batches/{batch_id}/votes", headers=member(token, voter),
                                      json={"decision": "approve", "reason": "Đồng ý tiêu hủy"})
        assert r.status_code == 200, r.text


# An execution is dated after the board's approval and not in the future: the tests execute today.
EXECUTED_ON = datetime.now(UTC).date().isoformat()


# The scene photo every test destruction names: the world keeps it in disposal's file store (as an upload to
# POST /batches/{id}/evidence would), so the hash the execution records points to a real file.


def destruction(**extra: Any) -> dict[str, Any]:
    """What the person recording a destruction states; its witnesses confirm on their own (`witness`)."""
    return {"executed_on": EXECUTED_ON, "place": "Bãi rác Đồng Ngo, Bắc Ninh", "destruction_method": "crush",
            "evidence": [{"sha256": EVIDENCE_SHA256, "name": "anh-hien-truong.jpg", "kind": "photo"}], **extra}


def witness_headers(token: TokenFactory, user: str, units: tuple[str, ...] = (UNIT,)) -> dict[str, str]:
    """A destruction's witness signed in as themselves (an auditor of the unit: never custody's staff)."""
    return bearer(token("auditor", user=user, units=units))


async def witness(world: World, token: TokenFactory, batch_id: str, *users: str) -> list[httpx.Response]:
    """Each of `users` confirms attending the batch's destruction from their own session; the answers."""
    return [await world.disposal.post(f"/batches/{batch_id}/execution/witnesses", headers=witness_headers(token, u),
                                      json={"name": f"Ông {u}", "organisation": "Sở Tài chính"}) for u in users]


async def witnessed(world: World, token: TokenFactory, batch_id: str,
                    users: tuple[str, ...] = ("witness-a", "witness-b")) -> None:
    for r in await witness(world, token, batch_id, *users):
        assert r.status_code == 200, r.text


async def hand_over(world: World, token: TokenFactory, batch_id: str, *, labels: list[str] | None = None,
                    user: str = STAFF, confirmer: str = SECOND_STAFF) -> dict[str, Any]:
    """Custody staff release the batch's reserved items (the scanned ones, or all) to the disposal team — a
    second person confirms above the threshold — and disposal's read model learns of it."""
    body: dict[str, Any] = {"batch_id": batch_id, "warehouse_id": WAREHOUSE, "recipient": DISPOSAL_TEAM}
    if labels is not None:
        body["labels"] = labels
    r = await world.custody.post("/handovers", json=body, headers=staff(token, user))
    if r.status_code == 202:
        r = await world.custody.post(f"/approvals/{r.json()['approval_id']}/confirm", headers=staff(token, confirmer))
    assert r.status_code == 200, r.text
    done: dict[str, Any] = r.json()
    handed = set(await _handed_over_in_custody(world, batch_id))

    async def known() -> bool:
        rows = await fetch(world.disposal_dsn, "SELECT item_id::text FROM batch_item WHERE batch_id = $1::uuid "
                           "AND handed_over", batch_id)
        return handed <= {r["item_id"] for r in rows}

    await eventually(known, what=f"disposal knows batch {batch_id} was handed over")
    return done


async def _handed_over_in_custody(world: World, batch_id: str) -> list[str]:
    rows = await fetch(world.custody_dsn, "SELECT item_id::text FROM item WHERE batch_id = $1::uuid "
                       "AND state = 'handed_over'", batch_id)
    return [r["item_id"] for r in rows]
