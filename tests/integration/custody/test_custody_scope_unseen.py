"""What the caller may not see is answered as what does not exist (issue 12): another warehouse's item, label,
location, container, transfer, count or approval gets the very 404 an unknown id of its kind gets (status, code,
message with the id replaced), for reads and commands, and nothing is written. A warehouse the caller names
itself is 403 `warehouse_scope`, saying back only what the caller sent."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tangvat_shared.labels import sign_label
from tests.integration.conftest import TokenFactory, bearer
from tests.integration.custody.conftest import (
    OTHER_WAREHOUSE,
    THRESHOLD_VND,
    WAREHOUSE,
    Seeded,
    SeedFactory,
    fetch,
)
from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.templates import fill

A, B, ELSEWHERE = WAREHOUSE, OTHER_WAREHOUSE, "KHO-DN-09"  # ELSEWHERE: a warehouse no transfer goes to
DUE = (datetime.now(UTC) + timedelta(days=30)).isoformat()
CHECK_OUT = {"holder": "TAND", "holder_kind": "court", "purpose": "xét xử", "due_at": DUE}


@dataclass
class Scene:
    """Warehouse A's things (and a few of B's for probes that name A's places with B's items)."""

    a: Seeded  # 0: on A's shelf, 1: awaiting receipt at A, 2: in transit A -> B
    valuable: Seeded  # on A's shelf, its check-out waiting for a second person
    b: Seeded  # 0: awaiting receipt at B, 1: on B's shelf
    zone: dict[str, str]  # warehouse -> the scene's zone there
    box: dict[str, str]  # warehouse -> a container there
    count: dict[str, str]  # warehouse -> an open count there (of an empty zone)
    transfer: str  # A -> B, item a[2]
    approval: str  # A's check-out of valuable[0]
    unknown_label: str  # genuine signature, an item nobody registered
    unknown_id: str  # the item id that label names


def _someone(what: str) -> str:
    return f"{what}-{uuid.uuid4().hex[:8]}"


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
async def scene(seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory,
                intake_key: Ed25519PrivateKey) -> Any:
    c = custody_client
    at = {w: bearer(token("warehouse_staff", user=_someone(f"scene-{w}"), warehouses=(w,))) for w in (A, B)}
    tag = uuid.uuid4().hex[:6].upper()
    zone, empty, box = {}, {}, {}
    for w in (A, B):
        zone[w], empty[w], box[w] = f"{w}.U{tag}", f"{w}.E{tag}", f"UB-{w}-{tag}"
        for code in (zone[w], empty[w]):
            _ok(await c.post(f"/warehouses/{w}/locations", headers=at[w],
                                   json={"location_code": code, "kind": "zone"}), 201)
        _ok(await c.post(f"/warehouses/{w}/containers", headers=at[w],
                               json={"container_code": box[w], "location_code": zone[w]}), 201)
    a, valuable, b = await seed(3, value_vnd=1_000_000), await seed(1, value_vnd=THRESHOLD_VND + 1), \
        await seed(2, warehouse=B, value_vnd=1_000_000)
    for seeded, n, w in ((a, 0, A), (a, 2, A), (valuable, 0, A), (b, 1, B)):
        _ok(await c.post("/scans/check-in", headers=at[w],
                               json={"label": seeded.label(n), "location_code": zone[w]}))
    sent = _ok(await c.post("/transfers", headers=at[A], json={
        "from_warehouse_id": A, "to_warehouse_id": B, "item_ids": [a.item_id(2)]}), 201)
    waiting = _ok(await c.post(f"/items/{valuable.item_id(0)}/check-out", headers=at[A], json=CHECK_OUT), 202)
    count = {w: (_ok(await c.post("/counts", headers=at[w], json={
        "warehouse_id": w, "location_code": empty[w]}), 201))["count_id"] for w in (A, B)}
    unknown_id = str(uuid.uuid4())
    yield Scene(a, valuable, b, zone, box, count, sent["transfer_id"], waiting["approval_id"],
                sign_label(intake_key, uuid.UUID(unknown_id), "ZZ-UNSEEN-1"), unknown_id)
    for w in (A, B):  # an open count freezes moves in its zone: close them (they are empty)
        _ok(await c.post(f"/counts/{count[w]}/close", headers=at[w]))



async def _alike(client: httpx.AsyncClient, headers: dict[str, str], method: str, path: str, body: Any,
                 hidden: dict[str, str], unknown: dict[str, str], common: dict[str, str] | None = None) -> None:
    """The request naming what the caller may not see answers exactly as the same request naming an unknown
    thing of that kind: the same 404 and code, and the same message and details once the id is swapped."""
    answers = []
    for names in (hidden, unknown):
        filled = {**(common or {}), **names}
        url = fill(path, filled)
        answers.append(await client.request(method, url, headers=headers,
                                            json=fill(body, filled) if body is not None else None))
    seen, absent = answers
    assert absent.status_code == 404, (method, path, absent.text)
    said = seen.text
    for key in hidden:
        said = said.replace(hidden[key], unknown[key])
    assert (seen.status_code, json.loads(said)) == (absent.status_code, absent.json()), (method, path, seen.text)


async def _state(dsn: str, scene: Scene) -> list[list[dict[str, Any]]]:
    """Every row the scene's things have, and the events about them: a probe that wrote anything changes it."""
    items = [uuid.UUID(s.item_id(n)) for s in (scene.a, scene.valuable, scene.b) for n in range(len(s.items))]
    counts = [uuid.UUID(c) for c in scene.count.values()]
    subjects = [f"item/{i}" for i in items] + [f"count/{c}" for c in counts] + [f"transfer/{scene.transfer}"]
    queries = [
        ("SELECT * FROM item WHERE item_id = ANY($1::uuid[]) ORDER BY item_id", items),
        ("SELECT * FROM discrepancy WHERE item_id = ANY($1::uuid[]) ORDER BY id", items),
        ("SELECT * FROM container WHERE container_code = ANY($1::text[]) ORDER BY container_code",
         list(scene.box.values())),
        ("SELECT * FROM stock_count WHERE count_id = ANY($1::uuid[]) ORDER BY count_id", counts),
        ("SELECT * FROM count_scan WHERE count_id = ANY($1::uuid[]) ORDER BY item_id", counts),
        ("SELECT * FROM approval WHERE approval_id = $1", uuid.UUID(scene.approval)),
        ("SELECT * FROM transfer WHERE transfer_id = $1", uuid.UUID(scene.transfer)),
        ("SELECT * FROM transfer_item WHERE transfer_id = $1", uuid.UUID(scene.transfer)),
        ("SELECT event_id FROM event WHERE subject = ANY($1::text[]) ORDER BY id", subjects),
    ]
    return [[dict(r) for r in await fetch(dsn, q, arg)] for q, arg in queries]


async def _written_by(dsn: str, user: str) -> dict[str, int]:
    """What the prober wrote anywhere in custody: it was refused everything, so nothing."""
    where = {"event": "body->>'actorid' = $1", "count_scan": "scanned_by = $1", "discrepancy": "recorded_by = $1",
             "approval": "$1 IN (requested_by, decided_by)", "solo_move": "user_id = $1",
             "transfer": "$1 IN (dispatched_by, received_by)", "transfer_item": "received_by = $1",
             "stock_count": "$1 IN (opened_by, closed_by)", "idempotency_key": "principal = $1"}
    return {t: (await fetch(dsn, f"SELECT count(*) AS n FROM {t} WHERE {w}", user))[0]["n"] for t, w in where.items()}


class Probe:
    """A caller of one warehouse, with the scene's state before it probes and the check that nothing moved."""

    def __init__(self, client: httpx.AsyncClient, dsn: str, scene: Scene, token: TokenFactory, role: str,
                 warehouses: tuple[str, ...], units: tuple[str, ...] = ("QLTT-BN",)) -> None:
        self.client, self.dsn, self.scene = client, dsn, scene
        self.user = _someone("probe")
        self.headers = bearer(token(role, user=self.user, warehouses=warehouses, units=units))

    async def __aenter__(self) -> Probe:
        self.before = await _state(self.dsn, self.scene)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if exc[0] is None:
            assert await _state(self.dsn, self.scene) == self.before
            assert set((await _written_by(self.dsn, self.user)).values()) == {0}

    async def alike(self, method: str, path: str, body: Any, hidden: dict[str, str], unknown: dict[str, str],
                    common: dict[str, str] | None = None) -> None:
        await _alike(self.client, self.headers, method, path, body, hidden, unknown, common)


def _item(scene: Scene, seeded: Seeded, n: int) -> tuple[dict[str, str], dict[str, str]]:
    """(names for the hidden item, names for an unknown one): its id and label."""
    return ({"id": seeded.item_id(n), "label": seeded.label(n)}, {"id": scene.unknown_id, "label": scene.unknown_label})


async def test_unknown_item_for_another_warehouses_item_named_by_id(
    scene: Scene, custody_client: httpx.AsyncClient, custody_dsn: str, token: TokenFactory,
) -> None:
    hidden, unknown = _item(scene, scene.a, 0)
    where = {"loc": scene.zone[B]}
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (B,)) as staff:
        for path in ("/items/{id}", "/items/{id}/history", "/items/{id}/custody?at=2030-01-01T00:00:00Z",
                     "/labels/lookup?label={label}"):
            await staff.alike("GET", path, None, hidden, unknown)
        await staff.alike("POST", "/items/{id}/check-out", CHECK_OUT, hidden, unknown)
        await staff.alike("POST", "/items/{id}/return", {"location_code": "{loc}"}, hidden, unknown, where)
    # A board member of the item's own unit but of another warehouse: no hold either way.
    async with Probe(custody_client, custody_dsn, scene, token, "board_member", (B,)) as board:
        for path in ("/items/{id}/legal-hold", "/items/{id}/legal-hold/lift"):
            await board.alike("POST", path, {"reason": "r"}, hidden, unknown)
        await board.alike("GET", "/items/{id}", None, hidden, unknown)


async def test_unknown_item_for_an_item_awaiting_receipt_at_another_warehouse(
    scene: Scene, custody_client: httpx.AsyncClient, custody_dsn: str, token: TokenFactory,
) -> None:
    hidden, unknown = _item(scene, scene.a, 1)
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (B,)) as staff:
        await staff.alike("GET", "/items/{id}", None, hidden, unknown)
        await staff.alike("GET", "/labels/lookup?label={label}", None, hidden, unknown)
        await staff.alike("POST", "/scans/check-in", {"label": "{label}", "location_code": "{loc}"}, hidden, unknown,
                          {"loc": scene.zone[B]})


async def test_unknown_item_for_another_warehouses_label_in_every_scan(
    scene: Scene, custody_client: httpx.AsyncClient, custody_dsn: str, token: TokenFactory,
) -> None:
    """Each scan names only B's own things but A's label: it is refused as the label of an unknown item."""
    hidden, unknown = _item(scene, scene.a, 0)
    own = {"loc": scene.zone[B], "box": scene.box[B], "count": scene.count[B], "transfer": scene.transfer,
           "batch": str(uuid.uuid4()), "wh": B}
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (B,)) as staff:
        for path, body in [
            ("/scans/check-in", {"label": "{label}", "location_code": "{loc}"}),
            ("/scans/move", {"label": "{label}", "location_code": "{loc}"}),
            ("/containers/{box}/pack", {"labels": ["{label}"]}),
            ("/containers/{box}/unpack", {"labels": ["{label}"]}),
            ("/counts/{count}/scans", {"label": "{label}"}),
            ("/transfers/{transfer}/receive", {"labels": ["{label}"], "location_code": "{loc}"}),
            ("/handovers", {"batch_id": "{batch}", "warehouse_id": "{wh}", "recipient": "Tổ", "labels": ["{label}"]}),
        ]:
            await staff.alike("POST", path, body, hidden, unknown, own)


async def test_a_count_scan_of_another_warehouses_item_writes_nothing_into_either_list(
    scene: Scene, custody_client: httpx.AsyncClient, custody_dsn: str, token: TokenFactory,
) -> None:
    hidden, unknown = _item(scene, scene.a, 0)
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (B,)) as staff:
        # Blind or not, a count learns nothing: the answer is the unknown label's (unknown_item, nothing counted).
        await staff.alike("POST", "/counts/{count}/scans", {"label": "{label}", "location_code": "{loc}"},
                          hidden, unknown, {"count": scene.count[B], "loc": scene.zone[B]})
        seen = await custody_client.post(f"/counts/{scene.count[B]}/scans", headers=staff.headers,
                                         json={"label": hidden["label"]})
        assert seen.json()["error"]["code"] == "unknown_item"
    assert await fetch(custody_dsn, "SELECT 1 FROM count_scan WHERE count_id = $1", uuid.UUID(scene.count[B])) == []


async def test_unknown_item_for_another_warehouses_items_in_a_dispatch(
    scene: Scene, custody_client: httpx.AsyncClient, custody_dsn: str, token: TokenFactory,
) -> None:
    """A batch lists the items it cannot find; one kept elsewhere is listed with them, as unknown."""
    hidden, unknown = _item(scene, scene.a, 0)
    body = {"from_warehouse_id": B, "to_warehouse_id": A, "item_ids": ["{id}", "{other}"]}
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (B,)) as staff:
        await staff.alike("POST", "/transfers", body, hidden, unknown, {"other": scene.b.item_id(1)})
        both = await custody_client.post("/transfers", headers=staff.headers, json={
            "from_warehouse_id": B, "to_warehouse_id": A, "item_ids": [hidden["id"], unknown["id"]]})
        assert both.status_code == 404 and sorted(both.json()["error"]["details"]) == sorted(
            [hidden["id"], unknown["id"]]), both.text


async def test_unknown_location_for_another_warehouses_location(
    scene: Scene, custody_client: httpx.AsyncClient, custody_dsn: str, token: TokenFactory,
) -> None:
    hidden, unknown = {"loc": scene.zone[A]}, {"loc": f"{A}.NOWHERE-{uuid.uuid4().hex[:6]}"}
    own = {"waiting": scene.b.label(0), "shelved": scene.b.label(1), "shelved_id": scene.b.item_id(1), "wh": B,
           "n": uuid.uuid4().hex[:6].upper()}
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (B,)) as staff:
        await staff.alike("GET", "/locations/{loc}/items", None, hidden, unknown)
        for path, body in [
            ("/scans/check-in", {"label": "{waiting}", "location_code": "{loc}"}),
            ("/scans/move", {"label": "{shelved}", "location_code": "{loc}"}),
            ("/items/{shelved_id}/return", {"location_code": "{loc}"}),
            ("/counts", {"warehouse_id": "{wh}", "location_code": "{loc}"}),
            ("/warehouses/{wh}/containers", {"container_code": "UX-{n}", "location_code": "{loc}"}),
            ("/warehouses/{wh}/locations", {"location_code": "{wh}.X{n}", "kind": "shelf", "parent_code": "{loc}"}),
        ]:
            await staff.alike("POST", path, body, hidden, unknown, own)


async def test_unknown_container_for_another_warehouses_container(
    scene: Scene, custody_client: httpx.AsyncClient, custody_dsn: str, token: TokenFactory,
) -> None:
    hidden, unknown = {"box": scene.box[A]}, {"box": f"UB-NONE-{uuid.uuid4().hex[:6]}"}
    own = {"label": scene.b.label(1), "loc": scene.zone[B]}
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (B,)) as staff:
        for path, body in [("/containers/{box}/pack", {"labels": ["{label}"]}),
                           ("/containers/{box}/unpack", {"labels": ["{label}"]}),
                           ("/scans/move", {"container_code": "{box}", "location_code": "{loc}"})]:
            await staff.alike("POST", path, body, hidden, unknown, own)


async def test_unknown_transfer_for_anyone_but_its_receiving_warehouse(
    scene: Scene, custody_client: httpx.AsyncClient, custody_dsn: str, token: TokenFactory,
) -> None:
    hidden, unknown = {"transfer": scene.transfer}, {"transfer": str(uuid.uuid4())}
    receipt = {"labels": ["{label}"], "location_code": "{loc}"}
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (ELSEWHERE,)) as stranger:
        await stranger.alike("GET", "/transfers/{transfer}", None, hidden, unknown)
        await stranger.alike("POST", "/transfers/{transfer}/close", None, hidden, unknown)
        await stranger.alike("POST", "/transfers/{transfer}/receive", receipt, hidden, unknown,
                             {"label": scene.a.label(2), "loc": scene.zone[B]})
    # The sender follows what it sent, but receiving or closing it is the receiver's: to the sender it is unknown.
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (A,)) as sender:
        await sender.alike("POST", "/transfers/{transfer}/close", None, hidden, unknown)
        await sender.alike("POST", "/transfers/{transfer}/receive", receipt, hidden, unknown,
                           {"label": scene.a.label(2), "loc": scene.zone[A]})
        # What it sent is the receiver's now: the item in transit is unknown at the sender's too.
        await sender.alike("GET", "/items/{id}", None, {"id": scene.a.item_id(2)}, {"id": scene.unknown_id})
        seen = await custody_client.get(f"/transfers/{scene.transfer}", headers=sender.headers)
        assert seen.status_code == 200 and seen.json()["to_warehouse_id"] == B, seen.text
    receiver = bearer(token("warehouse_staff", user=_someone("receiver"), warehouses=(B,)))
    incoming = await custody_client.get(f"/transfers/{scene.transfer}", headers=receiver)
    assert incoming.status_code == 200 and [i["item_id"] for i in incoming.json()["items"]] == [scene.a.item_id(2)]


async def test_unknown_count_for_another_warehouses_count(
    scene: Scene, custody_client: httpx.AsyncClient, custody_dsn: str, token: TokenFactory,
) -> None:
    hidden, unknown = {"count": scene.count[A]}, {"count": str(uuid.uuid4())}
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (B,)) as staff:
        await staff.alike("GET", "/counts/{count}", None, hidden, unknown)
        await staff.alike("POST", "/counts/{count}/scans", {"label": "{label}"}, hidden, unknown,
                          {"label": scene.b.label(1)})
        await staff.alike("POST", "/counts/{count}/close", None, hidden, unknown)


async def test_unknown_approval_for_another_warehouses_approval(
    scene: Scene, custody_client: httpx.AsyncClient, custody_dsn: str, token: TokenFactory,
) -> None:
    hidden, unknown = {"approval": scene.approval}, {"approval": str(uuid.uuid4())}
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (B,)) as staff:
        for path in ("/approvals/{approval}/confirm", "/approvals/{approval}/reject"):
            await staff.alike("POST", path, None, hidden, unknown)


async def test_warehouse_scope_where_the_caller_names_the_warehouse_says_back_only_that(
    scene: Scene, custody_client: httpx.AsyncClient, custody_dsn: str, token: TokenFactory,
) -> None:
    async with Probe(custody_client, custody_dsn, scene, token, "warehouse_staff", (B,)) as staff:
        for method, path, body in [
            ("POST", "/transfers", {"from_warehouse_id": A, "to_warehouse_id": B, "item_ids": [scene.a.item_id(0)]}),
            ("POST", "/counts", {"warehouse_id": A, "location_code": scene.zone[A]}),
            ("POST", "/handovers", {"batch_id": str(uuid.uuid4()), "warehouse_id": A, "recipient": "Tổ",
                                    "labels": [scene.a.label(0)]}),
            ("POST", f"/warehouses/{A}/containers", {"container_code": f"UX-{uuid.uuid4().hex[:6]}"}),
            ("GET", f"/warehouses/{A}/summary", None),
            ("GET", f"/warehouses/{A}/approvals", None),
        ]:
            answer = await custody_client.request(method, path, headers=staff.headers, json=body)
            assert answer.status_code == 403 and answer.json()["error"] == {
                "code": "warehouse_scope", "message": f"not allowed in warehouse {A}"}, (path, answer.text)
