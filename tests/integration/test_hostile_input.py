"""Hostile values at every parameter of every route of every service: never a 5xx, every 4xx in the one error shape.

The routes and their parameters come from each service's own OpenAPI document, so a new route (or a new field of
a request body) is covered without editing this test. Each example keeps every other parameter at a plain valid
value and makes one of them hostile: NUL and other control characters, datetimes that overflow when converted to
UTC, Unicode digits, very long strings, odd UUIDs, negative and huge numbers, values of the wrong JSON type; first
a fixed sweep of the worst at every parameter, then hypothesis's examples. The apps run in-process with their
relays and consumers on fresh databases and topics of their own on the session's real PostgreSQL and Kafka, seeded
with a warehouse, a board, a seizure in storage and a batch, so that path parameters name real things and hostile
values reach the queries behind the routes; nothing here disturbs the world other tests share.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import demo_data
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tangvat_web.api import build_app as build_web
from tangvat_web.settings import WebSettings

from tangvat_audit.api import build_app as build_audit
from tangvat_custody.api import build_app as build_custody
from tangvat_custody.handlers import HANDLERS as CUSTODY_HANDLERS
from tangvat_disposal.api import build_app as build_disposal
from tangvat_disposal.handlers import HANDLERS as DISPOSAL_HANDLERS
from tangvat_intake.api import build_app as build_intake
from tangvat_shared.auth import Role, TokenVerifier
from tangvat_shared.db import connect
from tangvat_shared.keys import load_private_key, load_public_key
from tangvat_shared.labels import sign_label
from tests.support.databases import migrated_database
from tests.support.hostile import (
    SWEEP_JSON,
    SWEEP_TEXT,
    Operation,
    Spec,
    Target,
    build_request,
    check_answer,
    hostile_json,
    hostile_strings,
    targets,
)
from tests.support.running import running_app, running_consumer, running_relay
from tests.support.tokens import TokenFactory, bearer
from tests.support.topics import new_topics
from tests.support.waiting import eventually

EXAMPLES_PER_ROUTE = 20
# The apps' relays and consumers draw on `random` (backoff jitter) on the loop while hypothesis generates in its
# thread; hypothesis takes that for a strategy using `random` and warns.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
METHODS = ("get", "put", "post", "patch", "delete")
UPSTREAMS = ("intake", "custody", "disposal", "auditor")

# --- the apps and their operations -------------------------------------------------------------------------------


def _apps(dsns: dict[str, str], keys_dir: Path, bootstrap: str) -> dict[str, FastAPI]:
    verifier = TokenVerifier(load_public_key((keys_dir / "auth.pub.pem").read_bytes()))
    return {
        "intake": build_intake(dsns["intake"], verifier, load_private_key((keys_dir / "intake.pem").read_bytes())),
        "custody": build_custody(dsns["custody"], verifier,
                                 load_public_key((keys_dir / "intake.pub.pem").read_bytes())),
        "disposal": build_disposal(dsns["disposal"], verifier),
        "auditor": build_audit(dsns["auditor"], verifier, bootstrap, keys_dir),
        "web": build_web(WebSettings(allowed_hosts=["web.test"],
                                     **{f"{name}_url": f"http://{name}.test" for name in UPSTREAMS}), verifier),
    }


def _operations() -> list[Operation]:
    """Every documented operation of every service, read from apps built without a database (only the spec)."""
    key = Ed25519PrivateKey.generate()
    verifier = TokenVerifier(key.public_key())
    dsn = "postgresql://nobody@127.0.0.1:1/none"
    apps = {
        "intake": build_intake(dsn, verifier, key),
        "custody": build_custody(dsn, verifier, key.public_key()),
        "disposal": build_disposal(dsn, verifier),
        "auditor": build_audit(dsn, verifier, "127.0.0.1:1", Path("/nonexistent")),
        "web": build_web(WebSettings(), verifier),
    }
    return [Operation(service, method, path, operation)
            for service, app in apps.items()
            for path, item in app.openapi()["paths"].items()
            for method, operation in item.items() if method in METHODS]


OPERATIONS = _operations()


@dataclass
class Running:
    clients: dict[str, httpx.AsyncClient]
    specs: dict[str, Spec]
    loop: asyncio.AbstractEventLoop


UNIT, WAREHOUSE, LOCATION, CONTAINER = "QLTT-FZ", "KHO-FZ-01", "KHO-FZ-01.A", "THUNG-FZ-1"


async def _seed(clients: dict[str, httpx.AsyncClient], admin: dict[str, str], dsns: dict[str, str],
                intake_key: Ed25519PrivateKey) -> dict[str, Any]:
    """Something real for every path to name: a warehouse with a location and a container, a board, a
    confiscated seizure whose items are in storage, and a proposed batch; so that hostile values reach the
    queries and writes behind the routes, not only a 404 in front of them."""
    intake, custody, disposal = clients["intake"], clients["custody"], clients["disposal"]
    for method, url, body in [
        ("POST", "/warehouses", {"warehouse_id": WAREHOUSE, "name": "Kho thử"}),
        ("POST", f"/warehouses/{WAREHOUSE}/locations", {"location_code": LOCATION, "kind": "zone"}),
        ("POST", f"/warehouses/{WAREHOUSE}/containers", {"container_code": CONTAINER, "location_code": LOCATION}),
    ]:
        r = await custody.request(method, url, json=body, headers=admin)
        assert r.status_code == 201, r.text
    r = await disposal.put(f"/boards/{UNIT}", headers=admin,
                           json={"members": ["admin-hostile", "b-2"], "quorum": 2, "rejections_to_reject": 1})
    assert r.status_code == 200, r.text
    r = await intake.post("/seizures", json=demo_data.seizure(3, unit=UNIT, warehouse=WAREHOUSE), headers=admin)
    assert r.status_code == 201, r.text
    seizure_id = r.json()["seizure_id"]
    r = await intake.post(f"/seizures/{seizure_id}/legal-status", headers=admin, json={
        "status": "confiscated", "decision_number": "QĐ-1", "decided_on": "2022-09-01", "issued_by": "Chi cục"})
    assert r.status_code == 201, r.text

    async def items_in(dsn: str) -> list[Any] | None:
        conn = await connect(dsn)
        try:
            rows = await conn.fetch("SELECT item_id, label_code FROM item WHERE seizure_id = $1 ORDER BY label_code",
                                    uuid.UUID(seizure_id))
        finally:
            await conn.close()
        return list(rows) if len(rows) == 3 else None

    rows = await eventually(lambda: items_in(dsns["custody"]), what="custody to learn the seeded seizure")
    labels = [sign_label(intake_key, row["item_id"], row["label_code"]) for row in rows]
    for label in labels:
        r = await custody.post("/scans/check-in", json={"label": label, "location_code": LOCATION}, headers=admin)
        assert r.status_code == 200, r.text
    await eventually(lambda: items_in(dsns["disposal"]), what="disposal to learn the seeded seizure")
    item_ids = [str(row["item_id"]) for row in rows]

    async def proposed() -> str | None:
        r = await disposal.post("/batches", headers=admin, json={"unit": UNIT, "method": "destroy",
                                                                  "reason": "Hàng giả", "item_ids": item_ids[2:]})
        return str(r.json()["batch_id"]) if r.status_code == 201 else None

    batch_id = await eventually(proposed, what="a batch of the seeded items")
    return {"seizure_id": seizure_id, "item_id": item_ids[0], "item_ids": item_ids[:2], "batch_id": batch_id,
            "warehouse_id": WAREHOUSE, "from_warehouse_id": WAREHOUSE, "location_code": LOCATION, "unit": UNIT,
            "seizing_unit": UNIT, "container_code": CONTAINER, "label": labels[0], "labels": labels[:1]}


@pytest.fixture(scope="module")
async def running(infra: Any, keys_dir: Path, token: TokenFactory) -> AsyncIterator[Running]:
    tag = uuid.uuid4().hex[:6]
    dsns = {name: await migrated_database(infra.pg_admin_dsn, f"hostile_{name}_{tag}", package)
            for name, package in (("intake", "tangvat_intake"), ("custody", "tangvat_custody"),
                                  ("disposal", "tangvat_disposal"), ("auditor", "tangvat_audit"))}
    topics = dict(zip(("intake", "custody", "disposal"),
                      await new_topics(infra.kafka_bootstrap, "intake.events", "custody.events", "disposal.events"),
                      strict=True))
    keys = {name: load_private_key((keys_dir / f"{name}.pem").read_bytes()) for name in ("intake", "custody",
                                                                                         "disposal")}
    apps = _apps(dsns, keys_dir, infra.kafka_bootstrap)
    async with (running_app(apps["intake"], "intake") as intake, running_app(apps["custody"], "custody") as custody,
                running_app(apps["disposal"], "disposal") as disposal,
                running_app(apps["auditor"], "auditor") as auditor, running_app(apps["web"], "web") as web,
                running_relay(infra, dsns["intake"], "intake", keys["intake"], topic=topics["intake"],
                              holder=f"hostile-intake-{tag}"),
                running_relay(infra, dsns["custody"], "custody", keys["custody"], topic=topics["custody"],
                              holder=f"hostile-custody-{tag}"),
                running_relay(infra, dsns["disposal"], "disposal", keys["disposal"], topic=topics["disposal"],
                              holder=f"hostile-disposal-{tag}"),
                running_consumer(infra, dsns["custody"], group="custody", kafka_group=f"hostile-custody-{tag}",
                                 topics=[topics["intake"], topics["disposal"]], handlers=CUSTODY_HANDLERS,
                                 dlq_topic="custody.dlq"),
                running_consumer(infra, dsns["disposal"], group="disposal", kafka_group=f"hostile-disposal-{tag}",
                                 topics=[topics["intake"], topics["custody"]], handlers=DISPOSAL_HANDLERS,
                                 dlq_topic="disposal.dlq")):
        clients = {"intake": intake, "custody": custody, "disposal": disposal, "auditor": auditor, "web": web}
        # The front's proxy reaches the services in-process: their real apps, through ASGI instead of TCP.
        upstreams = apps["web"].state.upstreams
        await upstreams.client.aclose()
        upstreams.client = httpx.AsyncClient(mounts={
            f"http://{name}.test": httpx.ASGITransport(app=apps[name]) for name in UPSTREAMS})
        known = await _seed(clients, _admin(token), dsns, keys["intake"])
        specs = {name: Spec(app.openapi(), known) for name, app in apps.items()}
        yield Running(clients, specs, asyncio.get_running_loop())


def _admin(token: TokenFactory) -> dict[str, str]:
    # Every role at once, of every unit and warehouse: the walk reaches each route's input checks, and admin
    # alone is no longer admitted to the work (it keeps the registry).
    return bearer(token("admin", user="admin-hostile", units=("*",), warehouses=("*",),
                        extra={"roles": [r.value for r in Role]}))


def _send(running: Running, service: str, request: dict[str, Any], what: str) -> None:
    """Send from hypothesis's thread on the test's loop (where the apps, pools and broker clients live)."""
    client = running.clients[service]
    try:
        built = client.build_request(**request)
    except (httpx.InvalidURL, UnicodeEncodeError, ValueError, TypeError):
        return  # a value no HTTP client can put on the wire (e.g. a newline in a header)
    future = asyncio.run_coroutine_threadsafe(client.send(built), running.loop)
    try:
        response = future.result(timeout=120)
    except Exception as exc:  # noqa: BLE001 - an exception out of the app is the server error we look for
        pytest.fail(f"{what}: the app raised {exc!r} (a 500 and a dropped connection)")
    check_answer(response, what)


def _what(op: Operation, target: Target, value: Any) -> str:
    return f"{op.id} {target.where} {'.'.join(map(str, target.name)) or '(body)'}={value!r:.80}"


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.id)
async def test_hostile_values_never_get_a_server_error(running: Running, op: Operation, token: TokenFactory) -> None:
    spec = running.specs[op.service]
    found = targets(spec, op)
    if not found:
        pytest.skip(f"{op.id} takes no parameters")
    headers = _admin(token)

    failures: list[str] = []
    for target in found:
        for value in SWEEP_JSON if target.where == "json" else SWEEP_TEXT:
            request = build_request(spec, op, target, value, headers)
            try:
                await asyncio.to_thread(_send, running, op.service, request, _what(op, target, value))
            except (AssertionError, pytest.fail.Exception) as failure:
                failures.append(str(failure).splitlines()[0])
    assert not failures, "\n".join(failures)

    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def probe(data: st.DataObject) -> None:
        target = data.draw(st.sampled_from(found), label="parameter")
        value = data.draw(hostile_json() if target.where == "json" else hostile_strings(), label="value")
        request = build_request(spec, op, target, value, headers)
        _send(running, op.service, request, _what(op, target, value))

    await asyncio.to_thread(probe)


UPSTREAM_PATHS = [(op.service, op.method, op.path) for op in OPERATIONS if op.service in UPSTREAMS and "{" in op.path]


async def test_the_web_front_never_answers_a_server_error_for_a_hostile_proxied_path(
        running: Running, token: TokenFactory) -> None:
    headers = _admin(token)

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(UPSTREAM_PATHS), hostile_strings(), st.booleans())
    def probe(route: tuple[str, str, str], value: str, in_query: bool) -> None:
        service, method, template = route
        path = re.sub(r"\{[^}]+\}", lambda _: quote(value, safe=""), template)
        params = {"q": value, "limit": value} if in_query else {}
        request = {"method": method.upper(), "url": f"/api/{service}{path}", "params": params, "headers": headers}
        if method != "get":
            request["content"], request["headers"] = "{}", {**headers, "content-type": "application/json"}
        _send(running, "web", request, f"web {method.upper()} /api/{service}{path} query={in_query} {value!r:.80}")

    await asyncio.to_thread(probe)
