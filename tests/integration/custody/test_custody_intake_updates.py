"""Intake's corrections and legal decisions reach custody's read model; bad input is a 4xx, never a 500."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.integration.conftest import TokenFactory, bearer
from tests.integration.custody.conftest import WAREHOUSE, SeedFactory, fetch, staff
from tests.support.waiting import eventually


async def test_corrections_and_the_legal_decision_recorded_at_intake_update_custody(
    seed: SeedFactory, intake_client: httpx.AsyncClient, token: TokenFactory, custody_dsn: str,
) -> None:
    seeded = await seed(2)
    corrected = await intake_client.post(f"/items/{seeded.item_id(0)}/corrections", headers=bearer(token()), json={
        "quantity": 42, "value_vnd": 1_234_000, "reason": "đếm lại theo biên bản bổ sung"})
    assert corrected.status_code == 201, corrected.text
    decided = await intake_client.post(f"/seizures/{seeded.seizure_id}/legal-status", headers=bearer(token()), json={
        "status": "confiscated", "decision_number": "QĐ-123/2022", "decided_on": "2022-08-01",
        "issued_by": "Chi cục QLTT Bắc Ninh"})
    assert decided.status_code == 201, decided.text

    async def applied() -> list[Any] | None:
        rows = await fetch(custody_dsn, "SELECT item_id, quantity, value_vnd, legal_status FROM item "
                           "WHERE seizure_id = $1 ORDER BY label_code", uuid.UUID(seeded.seizure_id))
        done = rows[0]["quantity"] == 42 and all(r["legal_status"] == "confiscated" for r in rows)
        return rows if done else None

    rows = await eventually(applied, what="the correction and the decision in custody")
    assert rows is not None and rows[0]["value_vnd"] == 1_234_000


async def test_bad_input_is_refused_with_a_machine_readable_4xx(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await seed(1)
    item = seeded.item_id(0)
    cases: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/scans/check-in", {"label": seeded.label(0)}),
        ("POST", "/scans/check-in", {"label": seeded.label(0), "location_code": "NO-SUCH-BIN"}),
        ("POST", "/scans/check-in", {"label": seeded.label(0), "location_code": "bad code!"}),
        ("POST", "/scans/check-in", {"label": "\x00", "location_code": warehouses[WAREHOUSE][0]}),
        ("POST", "/scans/move", {"location_code": warehouses[WAREHOUSE][0]}),
        ("POST", f"/items/{item}/check-out", {"holder": "h", "holder_kind": "court", "purpose": "p",
                                              "due_at": "2099-01-01T00:00:00"}),
        ("POST", f"/items/{item}/check-out", {"holder": "h", "holder_kind": "pawnshop", "purpose": "p",
                                              "due_at": "2099-01-01T00:00:00Z"}),
        ("GET", f"/items/{item}/custody?at=yesterday", None),
        ("GET", f"/items/{item}/custody?at=2030-01-01T00:00:00", None),
        ("GET", f"/items/{uuid.uuid4()}", None),
        ("GET", "/items/not-a-uuid", None),
        ("POST", "/transfers", {"from_warehouse_id": WAREHOUSE, "to_warehouse_id": WAREHOUSE, "item_ids": [item]}),
        ("POST", "/transfers", {"from_warehouse_id": WAREHOUSE, "to_warehouse_id": "KHO-NOWHERE",
                                "item_ids": [item]}),
        ("POST", f"/transfers/{uuid.uuid4()}/receive", {"labels": [seeded.label(0)], "location_code": "X"}),
        ("POST", "/counts", {"warehouse_id": WAREHOUSE, "location_code": "NO-SUCH-BIN"}),
        ("POST", f"/counts/{uuid.uuid4()}/scans", {"label": seeded.label(0)}),
        ("POST", f"/approvals/{uuid.uuid4()}/confirm", None),
        ("POST", f"/warehouses/{WAREHOUSE}/locations", {"location_code": "ORPHAN-BIN", "kind": "bin"}),
        ("POST", f"/warehouses/{WAREHOUSE}/locations", {"location_code": "Z", "kind": "room"}),
    ]
    for method, url, body in cases:
        response = await custody_client.request(method, url, json=body, headers=staff(token))
        assert 400 <= response.status_code < 500, (method, url, response.status_code, response.text)
        assert response.json()["error"]["code"], response.text
    bad_key = await custody_client.post("/scans/move", json={"label": seeded.label(0), "location_code": "X"},
                                        headers={**staff(token), "Idempotency-Key": "x" * 201})
    assert bad_key.status_code == 422
