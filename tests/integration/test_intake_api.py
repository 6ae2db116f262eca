"""Intake through its HTTP API, on the real PostgreSQL, with its relay publishing to the real Kafka."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import asyncpg
import demo_data as factories
import httpx
import pytest
import zxingcpp
from PIL import Image

from tangvat_shared.chain import Checkpoint, verify_chain
from tangvat_shared.keys import load_public_key
from tangvat_shared.relay import Relay
from tests.integration.conftest import TokenFactory, bearer
from tests.support.kafka_reader import events_only, read_lanes, read_topic


async def _counts(dsn: str) -> tuple[int, int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM seizure) s, (SELECT count(*) FROM item) i, (SELECT count(*) FROM event) e"
        )
        return row["s"], row["i"], row["e"]
    finally:
        await conn.close()


async def test_a_registered_seizure_reaches_kafka_as_a_verifiable_chain(
    intake_client: httpx.AsyncClient, intake_relay: Relay, token: TokenFactory, infra: Any, keys_dir: Any
) -> None:
    body = factories.seizure(25)
    response = await intake_client.post("/seizures", json=body, headers=bearer(token()))
    assert response.status_code == 201, response.text
    seizure_id = response.json()["seizure_id"]
    assert response.json()["item_count"] == 25
    assert response.headers["location"] == f"/seizures/{seizure_id}"

    seizure = (await intake_client.get(f"/seizures/{seizure_id}", headers=bearer(token()))).json()
    assert seizure["item_count"] == 25
    assert sum(seizure["items_by_category"].values()) == 25
    assert seizure["total_value_vnd"] == sum(i["value_vnd"] for i in body["items"])

    def mine(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in events_only(records) if r["data"].get("seizure_id") == seizure_id]

    records = await read_topic(infra.kafka_bootstrap, "intake.events", until=lambda rs: len(mine(rs)) >= 26)
    published = mine(records)
    assert sorted(r["type"] for r in published) == ["intake.item_registered"] * 25 + ["intake.seizure_registered"]
    assert {r["data"]["label_code"] for r in published if r["type"] == "intake.item_registered"} == {
        i["label_code"] for i in body["items"]
    }
    assert verify_chain("intake", await read_lanes(infra.kafka_bootstrap, "intake.events")) == []

    # The relay signs a checkpoint of the head once it is idle; it verifies against intake's key.
    public = load_public_key((keys_dir / "intake.pub.pem").read_bytes())
    records = await read_topic(
        infra.kafka_bootstrap, "intake.events",
        until=lambda rs: any(r["type"] == "tangvat.stream_checkpoint" and r["data"]["sequence"] >=
                             max(e["sequence"] for e in published) for r in rs),
    )
    checkpoints = [Checkpoint.from_wire(r) for r in records if r["type"] == "tangvat.stream_checkpoint"]
    lanes = await read_lanes(infra.kafka_bootstrap, "intake.events")
    assert verify_chain("intake", lanes, checkpoints, public) == []


async def test_reading_back_items_pages_and_history(
    intake_client: httpx.AsyncClient, token: TokenFactory
) -> None:
    created = await intake_client.post("/seizures", json=factories.seizure(7), headers=bearer(token()))
    seizure_id = created.json()["seizure_id"]
    page1 = (await intake_client.get(f"/seizures/{seizure_id}/items?limit=4", headers=bearer(token()))).json()
    assert len(page1["items"]) == 4 and page1["next_after"] == 4
    page2 = (await intake_client.get(f"/seizures/{seizure_id}/items?limit=4&after=4",
                                     headers=bearer(token()))).json()
    assert [i["line_no"] for i in page2["items"]] == [5, 6, 7] and page2["next_after"] is None
    counterfeit = (await intake_client.get(f"/seizures/{seizure_id}/items?category=counterfeit&limit=100",
                                           headers=bearer(token()))).json()
    assert all(i["category"] == "counterfeit" for i in counterfeit["items"])

    item = page1["items"][0]
    history = (await intake_client.get(f"/items/{item['item_id']}/history", headers=bearer(token()))).json()
    assert [h["type"] for h in history] == ["intake.item_registered"]
    assert history[0]["actor_id"] == "officer-1"


async def test_a_retry_with_the_same_idempotency_key_registers_once(
    intake_client: httpx.AsyncClient, token: TokenFactory, intake_dsn: str
) -> None:
    body = factories.seizure(3)
    headers = {**bearer(token()), "Idempotency-Key": f"scan-{uuid.uuid4()}"}
    first = await intake_client.post("/seizures", json=body, headers=headers)
    before = await _counts(intake_dsn)
    second = await intake_client.post("/seizures", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await _counts(intake_dsn) == before

    other = factories.seizure(3)
    reused = await intake_client.post("/seizures", json=other, headers=headers)
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert await _counts(intake_dsn) == before


BAD_BODIES: list[tuple[str, Any]] = [
    ("malformed_json", b'{"record_number": "x", '),
    ("nan_money", None),
    ("float_money", None),
    ("nul_byte", None),
    ("duplicate_label", None),
    ("too_many_items", None),
    ("missing_items", None),
]


def _bad_body(kind: str) -> bytes:
    body = factories.seizure(3)
    if kind == "nan_money":
        return json.dumps(body).replace('"value_vnd": 50000', '"value_vnd": NaN', 1).encode()
    if kind == "float_money":
        body["items"][1]["value_vnd"] = 1234.5
    elif kind == "nul_byte":
        body["items"][2]["description"] = "Túi\x00xách"
    elif kind == "duplicate_label":
        body["items"][2]["label_code"] = body["items"][0]["label_code"]
    elif kind == "too_many_items":
        body["items"] = body["items"][:1] * 100_001
    elif kind == "missing_items":
        del body["items"]
    return json.dumps(body).encode()


@pytest.mark.parametrize("kind", ["malformed_json", "nan_money", "float_money", "nul_byte", "duplicate_label",
                                  "too_many_items", "missing_items"])
async def test_bad_input_gets_a_clear_422_and_writes_nothing(
    intake_client: httpx.AsyncClient, token: TokenFactory, intake_dsn: str, kind: str
) -> None:
    raw = BAD_BODIES[0][1] if kind == "malformed_json" else _bad_body(kind)
    before = await _counts(intake_dsn)
    response = await intake_client.post("/seizures", content=raw, headers={
        **bearer(token()), "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["details"]
    if kind in ("float_money", "nul_byte", "duplicate_label"):
        rows = {d.get("row") for d in error["details"]}
        assert rows == {2} if kind == "float_money" else rows == {3}
    assert await _counts(intake_dsn) == before


async def test_a_label_already_in_use_is_a_conflict_and_writes_nothing(
    intake_client: httpx.AsyncClient, token: TokenFactory, intake_dsn: str
) -> None:
    first = factories.seizure(2)
    assert (await intake_client.post("/seizures", json=first, headers=bearer(token()))).status_code == 201
    second = factories.seizure(3)
    second["items"][1]["label_code"] = first["items"][0]["label_code"]
    before = await _counts(intake_dsn)
    response = await intake_client.post("/seizures", json=second, headers=bearer(token()))
    assert response.status_code == 409
    assert response.json()["error"]["details"][0]["row"] == 2
    assert await _counts(intake_dsn) == before


async def test_tokens_roles_and_units_are_enforced(
    intake_client: httpx.AsyncClient, token: TokenFactory, intake_dsn: str
) -> None:
    body = factories.seizure(1)
    before = await _counts(intake_dsn)
    cases = {
        "missing": ({}, 401),
        "expired": (bearer(token(ttl_seconds=-3600)), 401),
        "garbage": (bearer("abc.def.ghi"), 401),
        "wrong_role": (bearer(token("warehouse_staff")), 403),
        "auditor_cannot_write": (bearer(token("auditor")), 403),
        "wrong_unit": (bearer(token(units=("QLTT-HN",))), 403),
    }
    for name, (headers, status) in cases.items():
        response = await intake_client.post("/seizures", json=body, headers=headers)
        assert response.status_code == status, (name, response.text)
        assert "code" in response.json()["error"], name
    assert await _counts(intake_dsn) == before

    created = await intake_client.post("/seizures", json=body, headers=bearer(token()))
    seizure_id = created.json()["seizure_id"]
    assert (await intake_client.get(f"/seizures/{seizure_id}", headers=bearer(token("auditor")))).status_code == 200
    other_unit = await intake_client.get(f"/seizures/{seizure_id}", headers=bearer(token(units=("QLTT-HN",))))
    unknown = await intake_client.get(f"/seizures/{uuid.uuid4()}", headers=bearer(token(units=("QLTT-HN",))))
    # Another unit's seizure is as unknown as an id nobody registered (a 403 would say that it exists).
    assert (other_unit.status_code, other_unit.json()["error"]["code"]) == (404, unknown.json()["error"]["code"])
    assert unknown.status_code == 404 and "QLTT-BN" not in other_unit.text


async def test_every_protected_route_refuses_requests_without_a_valid_token(
    intake_client: httpx.AsyncClient, auth_key: Any
) -> None:
    from tangvat_shared.auth import mint_token
    from tangvat_shared.keys import generate_private_key

    spec = (await intake_client.get("/openapi.json")).json()
    forged = mint_token(generate_private_key(), subject="x", roles=["admin"])
    checked = 0
    for path, methods in spec["paths"].items():
        concrete = path.replace("{seizure_id}", str(uuid.uuid4())).replace("{item_id}", str(uuid.uuid4()))
        for method in methods:
            for headers in ({}, bearer(forged)):
                response = await intake_client.request(method.upper(), concrete, headers=headers)
                assert response.status_code == 401, (method, path, response.status_code)
                checked += 1
    assert checked >= 20


async def test_corrections_and_legal_status_become_events(
    intake_client: httpx.AsyncClient, token: TokenFactory
) -> None:
    created = (await intake_client.post("/seizures", json=factories.seizure(2), headers=bearer(token()))).json()
    seizure_id = created["seizure_id"]
    items = (await intake_client.get(f"/seizures/{seizure_id}/items", headers=bearer(token()))).json()["items"]
    item = items[0]
    fixed = await intake_client.post(f"/items/{item['item_id']}/corrections", headers=bearer(token()),
                                     json={"quantity": item["quantity"] + 5, "reason": "đếm lại tại kho"})
    assert fixed.status_code == 201, fixed.text
    again = await intake_client.post(f"/items/{item['item_id']}/corrections", headers=bearer(token()),
                                     json={"quantity": item["quantity"] + 5, "reason": "đếm lại tại kho"})
    assert again.status_code == 422
    history = (await intake_client.get(f"/items/{item['item_id']}/history", headers=bearer(token()))).json()
    assert [h["type"] for h in history] == ["intake.item_registered", "intake.item_corrected"]
    assert history[1]["data"]["changes"] == [
        {"field": "quantity", "old": item["quantity"], "new": item["quantity"] + 5}]

    decision = {"status": "confiscated", "decision_number": "QĐ-123/QĐ-XPHC", "decided_on": "2022-09-01",
                "issued_by": "Cục trưởng Cục QLTT Bắc Ninh"}
    recorded = await intake_client.post(f"/seizures/{seizure_id}/legal-status", headers=bearer(token()), json=decision)
    assert recorded.status_code == 201
    seizure = (await intake_client.get(f"/seizures/{seizure_id}", headers=bearer(token()))).json()
    assert seizure["legal_status"] == "confiscated"
    twice = await intake_client.post(f"/seizures/{seizure_id}/legal-status", headers=bearer(token()),
                                     json={**decision, "status": "release_ordered"})
    assert twice.status_code == 409


async def test_labels_are_printable_and_tell_genuine_from_forged(
    intake_client: httpx.AsyncClient, token: TokenFactory
) -> None:
    created = (await intake_client.post("/seizures", json=factories.seizure(30), headers=bearer(token()))).json()
    sheet = await intake_client.get(created["labels_url"], headers=bearer(token()))
    assert sheet.status_code == 200
    assert sheet.headers["content-type"] == "application/pdf"
    assert sheet.content.startswith(b"%PDF") and sheet.content.count(b"/Type /Page\n") + sheet.content.count(
        b"/Type /Page ") >= 1
    item = (await intake_client.get(f"{created['items_url']}?limit=1", headers=bearer(token()))).json()["items"][0]
    svg = await intake_client.get(f"/items/{item['item_id']}/label.svg", headers=bearer(token()))
    assert svg.status_code == 200 and svg.text.startswith("<svg")

    png = await intake_client.get(f"/items/{item['item_id']}/label.png", headers=bearer(token()))
    assert png.headers["content-type"] == "image/png"
    decoded = [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))]
    assert decoded == [item["label_payload"]]  # what a scanner reads is the signed payload

    staff = bearer(token("warehouse_staff"))
    genuine = await intake_client.post("/labels/verify", headers=staff, json={"payload": item["label_payload"]})
    assert genuine.status_code == 200 and genuine.json()["item_id"] == item["item_id"]
    altered = item["label_payload"].replace(item["label_code"], item["label_code"] + "X")
    refused = await intake_client.post("/labels/verify", headers=staff, json={"payload": altered})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_label"


async def test_a_correlation_id_is_echoed_or_made_and_requests_are_counted(
    intake_client: httpx.AsyncClient, token: TokenFactory
) -> None:
    given = await intake_client.get("/healthz", headers={"X-Correlation-ID": "scan-station-7/42"})
    assert given.headers["x-correlation-id"] == "scan-station-7/42"
    made = await intake_client.get("/healthz", headers={"X-Correlation-ID": "x" * 500})
    assert uuid.UUID(made.headers["x-correlation-id"])
    await intake_client.get(f"/seizures/{uuid.uuid4()}", headers=bearer(token()))
    metrics = (await intake_client.get("/metrics")).text
    assert 'tangvat_http_requests_total{method="GET",route="/seizures/{seizure_id}",status="404"}' in metrics
