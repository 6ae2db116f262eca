"""Role × route × warehouse: no 2xx where 403 is expected, on every custody route."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tangvat_shared.keys import load_private_key
from tangvat_shared.labels import sign_location_label
from tests.integration.conftest import TokenFactory, bearer
from tests.integration.custody.conftest import OTHER_WAREHOUSE, WAREHOUSE, SeedFactory
from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.templates import fill

ROLES = ("intake_officer", "warehouse_staff", "auditor", "board_member", "admin")
READERS = {"warehouse_staff", "auditor", "board_member"}
# A signature pad with one dot drawn (a 1x1 PNG), as the paperwork's sign command takes it.
SIGNATURE = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMI"
             "QAAAABJRU5ErkJggg==")
# The registry an admin keeps for every warehouse whatever its token's scope (its locations and their labels).
REGISTRY = ("/warehouses", "/warehouses/{wh}/locations", "/labels/location-lookup", "/warehouses/{wh}/location-labels",
            "/warehouses/{wh}/location-labels.pdf", "/warehouses/{wh}/location-labels.zpl")
# (method, path template, body template, roles allowed); {item}, {label}, {wh}, {loc} filled per case.
ROUTES: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("POST", "/warehouses", {"warehouse_id": "KHO-NEW-{n}", "name": "n"}, {"admin"}),
    # The warehouse registry is an admin's (any warehouse) and its staff's; nothing else is an admin's.
    ("POST", "/warehouses/{wh}/locations", {"location_code": "{wh}.Z{n}", "kind": "zone"},
     {"warehouse_staff", "admin"}),
    ("GET", "/warehouses/{wh}/locations", None, {"warehouse_staff", "auditor", "board_member", "admin"}),
    # Signed location labels: looked up by readers, printed by the warehouse's staff and the registry's admin.
    ("GET", "/warehouses", None, {"warehouse_staff", "auditor", "board_member", "admin"}),
    ("GET", "/labels/location-lookup?label={loclabel}", None, {"warehouse_staff", "auditor", "board_member", "admin"}),
    ("GET", "/warehouses/{wh}/location-labels", None, {"warehouse_staff", "admin"}),
    ("GET", "/warehouses/{wh}/location-labels.pdf?code={loc}", None, {"warehouse_staff", "admin"}),
    ("GET", "/warehouses/{wh}/location-labels.zpl?code={loc}", None, {"warehouse_staff", "admin"}),
    ("POST", "/warehouses/{wh}/containers", {"container_code": "C-{n}"}, {"warehouse_staff"}),
    ("POST", "/scans/check-in", {"label": "{label}", "location_code": "{loc}"}, {"warehouse_staff"}),
    ("POST", "/scans/move", {"label": "{label}", "location_code": "{loc}"}, {"warehouse_staff"}),
    ("POST", "/scans/move", {"label": "{label}", "location_label": "{loclabel}"}, {"warehouse_staff"}),
    ("POST", "/items/{item}/check-out", {"holder": "h", "holder_kind": "court", "purpose": "p",
                                         "due_at": "2099-01-01T00:00:00Z"}, {"warehouse_staff"}),
    ("POST", "/items/{item}/return", {"location_code": "{loc}"}, {"warehouse_staff"}),
    ("POST", "/items/{item}/legal-hold", {"reason": "r"}, {"board_member"}),
    ("POST", "/items/{item}/legal-hold/lift", {"reason": "r"}, {"board_member"}),
    ("POST", "/counts", {"warehouse_id": "{wh}"}, {"warehouse_staff"}),
    ("GET", "/warehouses/{wh}/approvals", None, {"warehouse_staff"}),
    ("GET", "/items/{item}", None, {"warehouse_staff", "auditor", "board_member"}),
    ("GET", "/items/{item}/history", None, {"warehouse_staff", "auditor", "board_member"}),
    ("GET", "/items/{item}/custody?at=2030-01-01T00:00:00Z", None, {"warehouse_staff", "auditor", "board_member"}),
    ("GET", "/locations/{loc}/items", None, {"warehouse_staff", "auditor", "board_member"}),
    ("GET", "/warehouses/{wh}/summary", None, {"warehouse_staff", "auditor", "board_member"}),
    ("GET", "/warehouses/{wh}/items", None, {"warehouse_staff", "auditor", "board_member"}),
    ("GET", "/warehouses/{wh}/storage-age", None, {"warehouse_staff", "auditor", "board_member"}),
    ("GET", "/warehouses/{wh}/perishables-past-limit", None, {"warehouse_staff", "auditor", "board_member"}),
    ("GET", "/warehouses/{wh}/overdue", None, {"warehouse_staff", "auditor", "board_member"}),
    ("GET", "/warehouses/{wh}/discrepancies", None, {"warehouse_staff", "auditor", "board_member"}),
    ("GET", "/warehouses/{wh}/counts", None, {"warehouse_staff", "auditor", "board_member"}),
    # Photos taken at receipt: uploaded by the item's warehouse staff (no file here: refused after the scope
    # check), read by its readers; an unknown photo id is answered as unknown to everyone.
    ("POST", "/items/{item}/photos", None, {"warehouse_staff"}),
    ("GET", "/items/{item}/photos", None, READERS),
    ("GET", "/photos/{nobody}", None, READERS),
    # Objects of the home warehouse made by its staff before each role's walk ({box}, {count});
    # unknown transfers, approvals and batches ({nobody}) still need the role before the lookup.
    ("POST", "/containers/{box}/pack", {"labels": ["{label}"]}, {"warehouse_staff"}),
    ("POST", "/containers/{box}/unpack", {"labels": ["{label}"]}, {"warehouse_staff"}),
    ("GET", "/labels/lookup?label={label}", None, READERS),
    ("GET", "/counts/{count}", None, READERS),
    ("POST", "/counts/{count}/scans", {"label": "{label}"}, {"warehouse_staff"}),
    ("POST", "/counts/{count}/close", None, {"warehouse_staff"}),
    ("GET", "/transfers/{nobody}", None, READERS),
    ("POST", "/transfers/{nobody}/receive", {"labels": ["{label}"], "location_code": "{loc}"}, {"warehouse_staff"}),
    ("POST", "/transfers/{nobody}/close", None, {"warehouse_staff"}),
    ("POST", "/approvals/{nobody}/confirm", None, {"warehouse_staff"}),
    ("POST", "/approvals/{nobody}/reject", None, {"warehouse_staff"}),
    ("POST", "/handovers", {"batch_id": "{nobody}", "warehouse_id": "{wh}", "recipient": "r"}, {"warehouse_staff"}),
    # Returns to owners at the counter: a seizure nobody ordered released is refused after the scope checks.
    ("GET", "/returns?warehouse_id={wh}", None, {"warehouse_staff"}),
    ("POST", "/returns", {"seizure_id": "{nobody}", "warehouse_id": "{wh}", "item_ids": ["{item}"],
                          "owner_name": "o", "id_type": "cccd", "id_number": "001"}, {"warehouse_staff"}),
    ("GET", "/returns/{nobody}", None, {"warehouse_staff"}),
    ("GET", "/returns/{nobody}/minutes.pdf", None, {"warehouse_staff"}),
    ("GET", "/returns/{nobody}/notice.pdf", None, {"warehouse_staff"}),
    # Search across the warehouses the caller's scope covers: a listing, empty outside it (checked below).
    ("GET", "/items?q={code}", None, READERS),
    ("GET", "/containers/{box}", None, READERS),
    # Paperwork: the item's storage card printed by its readers, signed on the tablet by its staff (a pad with
    # one dot drawn); an unknown signed form is unknown to everyone.
    ("GET", "/forms/storage-card/{item}/pdf", None, READERS),
    ("GET", "/forms/storage-card/{item}/signatures", None, READERS),
    ("POST", "/forms/storage-card/{item}/signatures",
     {"signatures": [{"party": "keeper", "name": "Thủ kho", "image": "{signature}"}]}, {"warehouse_staff"}),
    ("GET", "/signed-forms/{nobody}/pdf", None, READERS),
    # Last: a successful dispatch takes the item out of its home warehouse.
    ("POST", "/transfers", {"from_warehouse_id": "{wh}", "to_warehouse_id": "{other}", "item_ids": ["{item}"]},
     {"warehouse_staff"}),
]



@pytest.mark.parametrize("role", ROLES)
async def test_every_route_refuses_the_wrong_role_and_the_wrong_warehouse(
    role: str, seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory,
    warehouses: dict[str, list[str]], keys_dir: Path,
) -> None:
    seeded = await seed(1)
    setup = bearer(token("warehouse_staff", user="matrix-setup", warehouses=(WAREHOUSE,)))
    box = f"CS-{uuid.uuid4().hex[:8]}"
    made = await custody_client.post(f"/warehouses/{WAREHOUSE}/containers", json={"container_code": box},
                                     headers=setup)
    assert made.status_code == 201, made.text
    # A count of a location the walk never moves into, so that it freezes nothing the walk needs.
    counted = await custody_client.post("/counts", json={"warehouse_id": WAREHOUSE,
                                                         "location_code": warehouses[WAREHOUSE][-1]}, headers=setup)
    assert counted.status_code == 201, counted.text
    names = {"item": seeded.item_id(0), "label": seeded.label(0), "wh": WAREHOUSE, "other": OTHER_WAREHOUSE,
             "loc": warehouses[WAREHOUSE][0], "box": box, "count": counted.json()["count_id"],
             "nobody": str(uuid.uuid4()), "signature": SIGNATURE,
             "code": (await custody_client.get(f"/items/{seeded.item_id(0)}", headers=setup)).json()["label_code"],
             "loclabel": sign_location_label(load_private_key((keys_dir / "custody.pem").read_bytes()),
                                             warehouses[WAREHOUSE][0])}
    failures = []
    for method, path, body, allowed in ROUTES:
        for scope in ("home", "elsewhere", "none"):
            warehouses_claim = {"home": (WAREHOUSE,), "elsewhere": (OTHER_WAREHOUSE,), "none": ()}[scope]
            headers = bearer(token(role, user=f"m-{role}", warehouses=warehouses_claim))
            n = uuid.uuid4().hex[:6]
            url = fill(path, names)
            payload = fill(body, {**names, "n": n}) if body is not None else None
            response = await custody_client.request(method, url, json=payload, headers=headers)
            # An admin keeps the registry of every warehouse, whatever its token's scope; it does no other work.
            registry = role == "admin" and path.split("?")[0] in REGISTRY
            # The list of warehouses is of those the caller may see: in any scope, an answer (empty elsewhere).
            # ... and so are the search and a form's signed copies: filtered to the caller's warehouses (below).
            listing = (method, path) in (("GET", "/warehouses"), ("GET", "/items?q={code}"),
                                         ("GET", "/forms/storage-card/{item}/signatures"))
            may = role in allowed and (scope == "home" or registry or listing)
            if not may and response.status_code < 400:
                failures.append((method, path, scope, response.status_code))
            if not may and response.status_code not in (403, 404):
                failures.append((method, path, scope, response.status_code, response.text[:200]))
            if may and response.status_code in (401, 403):
                failures.append(("refused", method, path, scope, response.status_code, response.text[:200]))
            assert response.status_code < 500, (method, path, response.text)
            if listing and path != "/warehouses" and (scope != "home" or role not in READERS):
                assert response.status_code >= 400 or response.json() in ([], {"items": []}) or (
                    names["item"] not in response.text), (method, path, role, scope, response.text[:200])
            if path == "/counts" and response.status_code == 201:  # an open count freezes moves: close it
                closed = await custody_client.post(f"/counts/{response.json()['count_id']}/close", headers=headers)
                assert closed.status_code == 200, closed.text
    await custody_client.post(f"/counts/{names['count']}/close", headers=setup)  # if no one closed it
    assert failures == []


async def test_the_matrix_walks_every_custody_route(custody_client: httpx.AsyncClient) -> None:
    """A route added without a row in the matrix would escape the scope checks: none may."""
    schema = (await custody_client.get("/openapi.json")).json()
    served = {(method.upper(), path) for path, operations in schema["paths"].items() for method in operations}
    placeholders = {"{item}": "{item_id}", "{wh}": "{warehouse_id}", "{loc}": "{location_code}",
                    "{box}": "{container_code}", "{count}": "{count_id}"}
    walked = set()
    for method, path, _, _ in ROUTES:
        path = path.split("?")[0]
        for ours, theirs in placeholders.items():
            path = path.replace(ours, theirs)
        if "{nobody}" in path:
            path = path.replace("{nobody}", "{transfer_id}" if "/transfers/" in path
                                else "{photo_id}" if path.startswith("/photos/")
                                else "{return_id}" if path.startswith("/returns/")
                                else "{form_id}" if path.startswith("/signed-forms/") else "{approval_id}")
        path = path.replace("/forms/storage-card/", "/forms/{form}/").replace("{form}/{item_id}", "{form}/{subject_id}")
        walked.add((method, path))
    assert served - walked == set()


async def test_routes_refuse_missing_and_forged_tokens(custody_client: httpx.AsyncClient) -> None:
    schema = (await custody_client.get("/openapi.json")).json()
    for path, operations in schema["paths"].items():
        url = path.replace("{item_id}", str(uuid.uuid4())).replace("{warehouse_id}", WAREHOUSE)
        for name in ("approval_id", "transfer_id", "count_id", "photo_id"):
            url = url.replace("{" + name + "}", str(uuid.uuid4()))
        url = url.replace("{location_code}", "L1").replace("{container_code}", "C1")
        for method in operations:
            for headers in ({}, {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}):
                response = await custody_client.request(method.upper(), url, headers=headers, json={})
                assert response.status_code == 401, (method, url, response.status_code, response.text)
