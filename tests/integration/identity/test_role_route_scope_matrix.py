"""Role x route x scope with the identity provider's tokens, on the shared world (intake, custody, disposal) and an
auditor fed by its streams: every documented operation is called on a real scene kept for unit QLTT-BN in
warehouse KHO-BN-01. Each role signed in through Keycloak with another unit and another warehouse is refused
(403, or the very 404 an unknown id gets, or a list without a trace of the scene) and writes nothing; one caller of
the right role in scope is admitted. Operations come from the apps' OpenAPI documents and their parameters and
bodies from the schemas, so a new route is walked without anyone listing it."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import demo_data as factories
import httpx
import pytest

from tangvat_audit.api import build_app as build_audit
from tangvat_audit.handlers import handlers as audit_handlers
from tangvat_shared.http import PUBLIC_PATHS
from tangvat_shared.keys import load_private_key
from tangvat_shared.labels import sign_location_label
from tests.support.databases import migrated_database
from tests.support.hostile import Spec
from tests.support.idp_tokens import IdpTokens
from tests.support.running import running_app, running_consumer
from tests.support.tokens import TokenFactory, bearer, verifier_for
from tests.support.waiting import eventually
from tests.support.world import BIN, UNIT, WAREHOUSE, SeizureFactory, World, fetch, propose

OTHER_UNIT, OTHER_WAREHOUSE = "QLTT-HN", "KHO-HN-02"  # the scene's transfer goes to OTHER_WAREHOUSE
OUTSIDE_UNIT, OUTSIDE_WAREHOUSE = OTHER_UNIT, "KHO-DN-03"  # the outsiders' scopes: nothing of the scene's
ROLES = ("intake_officer", "warehouse_staff", "auditor", "board_member", "admin")
# The registry is an admin's of every unit and warehouse by design (auth.Principal.manages_registry).
REGISTRY = {("custody", "POST", "/warehouses"), ("custody", "POST", "/warehouses/{warehouse_id}/locations"),
            ("custody", "GET", "/warehouses/{warehouse_id}/locations"), ("disposal", "PUT", "/boards/{unit}")}
REFUSALS = {"role_required", "unit_scope", "warehouse_scope"}
UNKNOWN = {"not_found", "no_board"}  # besides unknown_*: the answers an id or unit nobody registered gets
# A label check answers the item id and label code, which the label itself spells: it says nothing of the scene
# to whoever holds the label, so its answer to anyone is no trace.
RESTATES_ITS_INPUT = {("intake", "POST", "/labels/verify")}
# Operations whose subject the scene cannot make cheaply: disposal's signed destruction minutes need an executed
# batch (tests/integration/disposal/test_disposal_paperwork.py admits its board and refuses the rest); the scene's
# signed form is custody's, which disposal rightly does not know. Still walked by the refusal test above.
NO_SUBJECT_IN_SCENE = {("disposal", "GET", "/signed-forms/{form_id}/pdf")}
# Body fields beyond the schema's required ones (a model validator's "exactly one of"), or named after another
# thing of the scene (the count's own item: the scene's item may be in transit by then), by the scene's names.
ALSO = {("custody", "POST", "/scans/move"): {"label": "label", "location_code": "location_code"},
        ("custody", "POST", "/scans/check-in"): {"location_code": "location_code"},
        ("custody", "POST", "/items/{item_id}/return"): {"location_code": "location_code"},
        ("custody", "POST", "/transfers/{transfer_id}/receive"): {"location_code": "location_code"},
        ("disposal", "POST", "/batches"): {"item_ids": "item_ids"},
        ("custody", "POST", "/counts/{count_id}/scans"): {"label": "counted_label"}}
# A 1×1 PNG: the receipt photo the scene uploads (custody decides the type by these bytes).
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMI"
                       "QAAAABJRU5ErkJggg==")
SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()  # a pad with one dot drawn
COUNT_BIN = f"{WAREHOUSE}.D-MX"  # the scene's item and its count: the one place every scan names


@dataclass
class Scene:
    """What the operations are called on (all of unit QLTT-BN, warehouse KHO-BN-01) and the apps they call."""

    clients: dict[str, httpx.AsyncClient]
    specs: dict[str, Spec]
    traces: list[str]  # ids and labels of the scene: none may show in what an outsider reads
    dsns: dict[str, str]


def _operations(spec: Spec) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, operation) for path, operations in spec.document["paths"].items()
            if path not in PUBLIC_PATHS for method, operation in operations.items()]


def _request(spec: Spec, path: str, operation: dict[str, Any], also: dict[str, str] | None = None
             ) -> dict[str, Any]:
    """The operation's URL, query and body, every parameter named after something of the scene naming it."""
    url, params = path, {}
    for parameter in operation.get("parameters", []):
        name = parameter["name"]
        if parameter["in"] == "path":
            assert name in spec.known, f"{path}: the scene has no {name} (add one to the scene)"
            url = url.replace(f"{{{name}}}", str(spec.known[name]))
        elif parameter["in"] == "query" and (parameter.get("required") or name in spec.known):
            params[name] = spec.plain(parameter.get("schema", {}), name=name)
    request: dict[str, Any] = {"url": url, "params": params}
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = spec.plain(content["application/json"]["schema"])
        request["json"] = {**body, **{field: spec.known[name] for field, name in (also or {}).items()}}
    elif "multipart/form-data" in content and path.endswith("/photos"):  # a photo taken at receipt
        request["files"] = {"photo": ("receipt.png", PNG, "image/png")}
    elif "multipart/form-data" in content and path.endswith(("/attachments", "/evidence")):  # intake's, disposal's
        request["files"] = {"file": ("anh.png", PNG, "image/png")}
        request["data"] = {"seizing_unit": UNIT}
    elif "multipart/form-data" in content:  # the CSV upload: a seizure's fields and one line of items
        items = "category,description,quantity,unit,value_vnd,label_code,warehouse_id\n" \
                f"counterfeit,Giày giả,1,đôi,150000,MX-{uuid.uuid4().hex[:8]},{WAREHOUSE}\n"
        request["data"] = {"seizure": json.dumps(factories.seizure_fields())}
        request["files"] = {"items": ("items.csv", items, "text/csv")}
    return request


async def _written_by(scene: Scene, users: list[str]) -> int:
    """Events whose actor is one of `users`, in every service's log (state and event are written together)."""
    total = 0
    for dsn in scene.dsns.values():
        rows = await fetch(dsn, "SELECT count(*) AS n FROM event WHERE body->>'actorid' = ANY($1::text[])", users)
        total += rows[0]["n"]
    return total


@pytest.fixture(scope="module")
async def scene(infra: Any, keys_dir: Any, world: World, seizure: SeizureFactory, local_token: TokenFactory
                ) -> AsyncIterator[Scene]:
    admin = bearer(local_token("admin", user="admin-1", units=("*",), warehouses=("*",)))
    r = await world.custody.post("/warehouses", json={"warehouse_id": OTHER_WAREHOUSE, "name": "Kho Hà Nội"},
                                 headers=admin)
    assert r.status_code in (201, 409), r.text
    for code, kind, parent in [(f"{OTHER_WAREHOUSE}.M", "zone", None), (f"{OTHER_WAREHOUSE}.M1", "shelf",
                                                                         f"{OTHER_WAREHOUSE}.M"),
                               (f"{OTHER_WAREHOUSE}.M-1", "bin", f"{OTHER_WAREHOUSE}.M1"),
                               (COUNT_BIN, "bin", f"{WAREHOUSE}.D1")]:
        warehouse = code.split(".")[0]
        r = await world.custody.post(f"/warehouses/{warehouse}/locations", headers=admin,
                                     json={"location_code": code, "kind": kind, "parent_code": parent})
        assert r.status_code in (201, 409), r.text
    seized = await seizure([("counterfeit", 5)])
    batched, moved, held, sent, _counted = seized.ids(0, 1, 2, 3, 4)
    staff = bearer(local_token("warehouse_staff", user="mx-setup", warehouses=(WAREHOUSE,)))
    r = await world.custody.post("/transfers", headers=bearer(local_token("warehouse_staff", user=f"mx-{uuid.uuid4()}",
                                                                          warehouses=(WAREHOUSE,))),
                                 json={"from_warehouse_id": WAREHOUSE, "to_warehouse_id": OTHER_WAREHOUSE,
                                       "item_ids": [sent]})
    assert r.status_code == 201, r.text
    transfer = r.json()["transfer_id"]
    batch = (await propose(world, local_token, [batched])).json()["batch_id"]
    # Above the two-person threshold (a correction up), a transfer waits for a second person: an approval.
    officer = bearer(local_token(user="officer-1"))
    r = await world.intake.post(f"/items/{moved}/corrections", headers=officer,
                                json={"value_vnd": 150_000_000, "reason": "Định giá lại"})
    assert r.status_code == 201, r.text

    async def revalued() -> bool:
        rows = await fetch(world.custody_dsn, "SELECT highest_value_vnd FROM item WHERE item_id = $1::uuid", moved)
        return rows[0]["highest_value_vnd"] >= 150_000_000

    await eventually(revalued, what="custody knows the item's new value")
    r = await world.custody.post("/transfers", headers=staff, json={
        "from_warehouse_id": WAREHOUSE, "to_warehouse_id": OTHER_WAREHOUSE, "item_ids": [moved]})
    assert r.status_code == 202, r.text
    approval = r.json()["approval_id"]
    container = f"THUNG-MX-{uuid.uuid4().hex[:6].upper()}"
    r = await world.custody.post(f"/warehouses/{WAREHOUSE}/containers", headers=staff,
                                 json={"container_code": container, "location_code": BIN})
    assert r.status_code == 201, r.text
    for n in (2, 4):
        r = await world.custody.post("/scans/move", headers=staff, json={"label": seized.label(n),
                                                                         "location_code": COUNT_BIN})
        assert r.status_code == 200, r.text
    r = await world.custody.post("/counts", headers=staff, json={"warehouse_id": WAREHOUSE,
                                                                 "location_code": COUNT_BIN})
    assert r.status_code == 201, r.text
    count = r.json()["count_id"]
    # A reprinted label (intake) and a photo taken at receipt (custody) for the routes that name them.
    r = await world.intake.post(f"/items/{held}/label-reprints", headers=officer,
                                json={"reason": "damaged", "format": "pdf"})
    assert r.status_code == 201, r.text
    reprint = r.json()["reprint_id"]
    # A release order carried out at the counter, for the routes that name a return.
    ordered = await seizure([("counterfeit", 1)], legal="release_ordered")
    r = await world.custody.post("/returns", headers=staff, json={
        "seizure_id": ordered.seizure_id, "warehouse_id": WAREHOUSE, "item_ids": ordered.all_ids,
        "owner_name": "Chủ hàng MX", "id_type": "cccd", "id_number": "001088000111"})
    assert r.status_code == 201, r.text
    returned = r.json()["return_id"]
    unreceived = (await seizure([("counterfeit", 1)], check_in=False)).ids(0)[0]
    r = await world.custody.post(f"/items/{unreceived}/photos", headers=staff,
                                 files={"photo": ("receipt.png", PNG, "image/png")})
    assert r.status_code == 201, r.text
    photo = r.json()["photo_id"]
    # A form signed on the tablet (custody's paperwork): the item's storage card, signed by its keeper.
    r = await world.custody.post(f"/forms/storage-card/{held}/signatures", headers=staff, json={"signatures": [
        {"party": "keeper", "name": "Thủ kho", "image": SIGNATURE}]})
    assert r.status_code == 201, r.text
    form_id = r.json()["form_id"]
    # A photo of the item at intake and the same file as the batch's evidence, for the routes that name a file.
    r = await world.intake.post(f"/seizures/{seized.seizure_id}/attachments", headers=officer, data={"item_id": held},
                                files={"file": ("anh.png", PNG, "image/png")})
    assert r.status_code == 201, r.text
    sha256 = r.json()["sha256"]
    r = await world.disposal.post(f"/batches/{batch}/evidence", headers=bearer(local_token("board_member",
                                                                                           user="board-chair")),
                                  files={"file": ("anh.png", PNG, "image/png")})
    assert r.status_code == 201 and r.json()["sha256"] == sha256, r.text
    audit_dsn = await migrated_database(infra.pg_admin_dsn, f"matrix_audit_{uuid.uuid4().hex[:6]}", "tangvat_audit")
    t = world.topics
    async with (
        running_consumer(infra, audit_dsn, group="matrix-audit", kafka_group=f"matrix-audit-{uuid.uuid4().hex[:6]}",
                         topics=[t.intake, t.custody, t.disposal], handlers=audit_handlers(), dlq_topic="audit.dlq"),
        running_app(build_audit(audit_dsn, verifier_for(keys_dir), infra.kafka_bootstrap, keys_dir),
                    "audit") as auditor,
    ):
        national = bearer(local_token("auditor", user="mx-setup-auditor", units=("*",), warehouses=("*",)))

        async def projected() -> bool:
            return (await auditor.get(f"/items/{held}/timeline", headers=national)).status_code == 200

        await eventually(projected, timeout=90, what="the auditor's projection of the scene's item")
        r = await auditor.post("/audits", headers=national)
        assert r.status_code == 200, r.text
        report = r.json()["id"]
        label = seized.label(2)
        known = {"seizure_id": seized.seizure_id, "item_id": held, "item_ids": [held], "label": label,
                 "labels": [label], "payload": label, "warehouse_id": WAREHOUSE, "from_warehouse_id": WAREHOUSE,
                 "to_warehouse_id": OTHER_WAREHOUSE, "location_code": COUNT_BIN, "container_code": container,
                 "transfer_id": transfer, "approval_id": approval, "count_id": count, "counted_label": seized.label(4),
                 "batch_id": batch, "batch_item_id": batched, "unit": UNIT, "report_id": report,
                 "reprint_id": reprint, "photo_id": photo, "form": "storage-card", "subject_id": held,
                 "form_id": form_id, "sha256": sha256,
                 "return_id": returned,
                 "location_label": sign_location_label(load_private_key((keys_dir / "custody.pem").read_bytes()),
                                                       COUNT_BIN)}
        clients = {"intake": world.intake, "custody": world.custody, "disposal": world.disposal, "audit": auditor}
        specs = {name: Spec((await c.get("/openapi.json")).json(), known) for name, c in clients.items()}
        traces = [seized.seizure_id, *seized.all_ids, *seized.labels.values(), batch, approval, count, container,
                  transfer, reprint, photo, form_id, returned, ordered.seizure_id,
                  *ordered.all_ids]
        yield Scene(clients, specs, traces, {"intake": world.intake_dsn, "custody": world.custody_dsn,
                                             "disposal": world.disposal_dsn, "audit": audit_dsn})


def _refused(response: httpx.Response, traces: list[str]) -> bool:
    """A refusal, the answer an unknown id gets, or a read that shows nothing of the scene."""
    if response.status_code in (403, 404):
        code = response.json()["error"]["code"]
        return code in REFUSALS or code.startswith("unknown_") or code in UNKNOWN
    if response.status_code == 200:
        return not any(trace.lower() in response.text.lower() for trace in traces)
    return False


async def _call(scene: Scene, service: str, method: str, path: str, operation: dict[str, Any],
                token: str) -> httpx.Response:
    spec = scene.specs[service]
    request = _request(spec, path, operation, ALSO.get((service, method, path)))
    if path == "/labels/location-lookup":  # a location's signed label, not the item's
        request["params"] = {"label": spec.known["location_label"]}
    if "batch_id" in path and "item_id" in path:  # a batch's item is the batch's own
        request["url"] = request["url"].replace(str(spec.known["item_id"]), str(spec.known["batch_item_id"]))
    return await scene.clients[service].request(method, headers=bearer(token), **request)


def _walk(scene: Scene) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [(service, method, path, operation) for service, spec in scene.specs.items()
            for method, path, operation in _operations(spec)]


async def test_unit_scope_and_warehouse_scope_every_role_of_another_unit_and_warehouse_is_refused_everything(
    scene: Scene, idp_tokens: IdpTokens,
) -> None:
    outsiders = {role: f"mx-{role.replace('_', '-')}-hn" for role in ROLES}
    before = await _written_by(scene, list(outsiders.values()))
    admitted: list[tuple[str, str, str, str, int, str]] = []
    for service, method, path, operation in _walk(scene):
        for role, user in outsiders.items():
            if role == "admin" and (service, method, path) in REGISTRY:
                continue
            token = idp_tokens(role, user=user, units=(OUTSIDE_UNIT,), warehouses=(OUTSIDE_WAREHOUSE,))
            response = await _call(scene, service, method, path, operation, token)
            assert response.status_code != 401, (service, method, path, response.text)
            if (service, method, path) in RESTATES_ITS_INPUT and response.status_code == 200:
                assert set(response.json()) == {"item_id", "label_code"}
                assert uuid.UUID(response.json()["item_id"]).hex in str(scene.specs[service].known["payload"])
            elif not _refused(response, scene.traces):
                admitted.append((role, service, method, path, response.status_code, response.text[:200]))
    assert not admitted, "\n".join(map(str, admitted))
    assert await _written_by(scene, list(outsiders.values())) == before


def _admitted(response: httpx.Response) -> bool:
    if response.status_code in (401, 403, 404):
        return False
    return not (response.status_code == 422 and response.json()["error"]["code"] == "invalid_input")


async def test_role_required_one_caller_of_the_right_role_in_scope_is_admitted_to_each_operation(
    scene: Scene, idp_tokens: IdpTokens,
) -> None:
    scopes: list[Callable[[str], str]] = [
        lambda role: idp_tokens(role, user=f"mx-{role.replace('_', '-')}-bn", units=(UNIT,), warehouses=(WAREHOUSE,)),
        lambda role: idp_tokens(role, user=f"mx-{role.replace('_', '-')}-all", units=("*",), warehouses=("*",)),
    ]
    nobody: list[tuple[str, str, str, list[tuple[str, int, str]]]] = []
    for service, method, path, operation in _walk(scene):
        tried = []
        for scoped in scopes:
            for role in ROLES:
                response = await _call(scene, service, method, path, operation, scoped(role))
                if _admitted(response):
                    break
                tried.append((role, response.status_code, response.text[:120]))
            else:
                continue
            break
        else:
            if (service, method, path) not in NO_SUBJECT_IN_SCENE:
                nobody.append((service, method, path, tried))
    assert not nobody, "\n".join(f"{s} {m} {p}: {t}" for s, m, p, t in nobody)



def _variants(payload: str) -> dict[str, str]:
    """Six spellings of one genuine label that lenient parsing would accept (issue 12's probe)."""
    prefix, item_hex, rest = payload.split(".", 2)
    code, signature = rest.rsplit(".", 1)
    return {"upper-case-hex": f"{prefix}.{item_hex.upper()}.{code}.{signature}",
            "braces": f"{prefix}.{{{item_hex}}}.{code}.{signature}",
            "urn-uuid": f"{prefix}.{uuid.UUID(hex=item_hex).urn}.{code}.{signature}",
            "padded-signature": f"{payload}==",
            "junk-in-signature": f"{prefix}.{item_hex}.{code}.{signature[:10]}!*!*{signature[10:]}",
            "whitespace": f"  {payload}\n"}


async def test_invalid_label_staff_signed_in_at_keycloak_get_only_the_canonical_label_through(
    world: World, seizure: SeizureFactory, idp_tokens: IdpTokens,
) -> None:
    seized = await seizure([("counterfeit", 1)], check_in=False)
    staff = bearer(idp_tokens("warehouse_staff", user="mx-label-staff", warehouses=(WAREHOUSE,)))
    genuine = seized.label(0)
    for name, variant in _variants(genuine).items():
        verified = await world.intake.post("/labels/verify", headers=staff, json={"payload": variant})
        # A label with surrounding whitespace is no label line at all (invalid_input): refused either way.
        assert verified.status_code == 422, (name, verified.text)
        assert verified.json()["error"]["code"] in ("invalid_label", "invalid_input"), (name, verified.text)
        scanned = await world.custody.post("/scans/check-in", headers=staff,
                                           json={"label": variant, "location_code": BIN})
        assert scanned.status_code == 422, (name, scanned.text)
        assert scanned.json()["error"]["code"] in ("invalid_label", "invalid_input"), (name, scanned.text)
    rows = await fetch(world.custody_dsn, "SELECT state FROM item WHERE item_id = $1::uuid", seized.ids(0)[0])
    assert rows[0]["state"] == "awaiting_receipt"
    assert (await world.intake.post("/labels/verify", headers=staff, json={"payload": genuine})).status_code == 200
    r = await world.custody.post("/scans/check-in", headers=staff, json={"label": genuine, "location_code": BIN})
    assert r.status_code == 200, r.text
