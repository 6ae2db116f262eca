"""Intake → custody propagation, receipt scans, moves and containers, through the HTTP API."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import orjson

from tests.integration.conftest import TokenFactory
from tests.integration.custody.conftest import WAREHOUSE, SeedFactory, fetch, staff
from tests.support.kafka_reader import read_raw


async def test_registered_items_await_receipt_at_their_warehouse_and_start_custodys_chain(
    seed: SeedFactory, custody_dsn: str, custody_relay: Any, infra: Any,
) -> None:
    seeded = await seed(4)
    assert {i["state"] for i in seeded.items} == {"awaiting_receipt"}
    assert {i["warehouse_id"] for i in seeded.items} == {WAREHOUSE}
    ids = {i["item_id"] for i in seeded.items}
    rows = await fetch(custody_dsn, "SELECT subject, causation_id FROM (SELECT subject, body->>'causationid' AS "
                       "causation_id FROM event WHERE event_type = 'custody.item_awaiting_receipt') e "
                       "WHERE subject = ANY($1::text[])", [f"item/{i}" for i in ids])
    assert sorted(r["subject"] for r in rows) == sorted(f"item/{i}" for i in ids)
    assert all(r["causation_id"] for r in rows)

    # The topic may hold many other tests' events: look at each record once, parse only ours.
    published: list[dict[str, Any]] = []
    markers = [i.encode() for i in ids]

    def until(records: list[Any]) -> bool:
        for record in records[until.seen:]:  # type: ignore[attr-defined]
            if any(m in record.value for m in markers):
                published.append(orjson.loads(record.value))
        until.seen = len(records)  # type: ignore[attr-defined]
        return len(published) >= 4

    until.seen = 0  # type: ignore[attr-defined]
    await read_raw(infra.kafka_bootstrap, "custody.events", until=until, timeout=120)
    assert {r["type"] for r in published} == {"custody.item_awaiting_receipt"}


async def test_a_check_in_puts_the_item_on_a_shelf_and_records_every_discrepancy(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(2)
    bin_ = warehouses[WAREHOUSE][0]
    clean = await custody_client.post("/scans/check-in", headers=staff(token), json={
        "label": seeded.label(0), "location_code": bin_})
    assert clean.status_code == 200, clean.text
    assert clean.json()["status"] == "in_storage" and clean.json()["discrepancies"] == []

    quantity = seeded.items[1]["quantity"]
    off = await custody_client.post("/scans/check-in", headers=staff(token), json={
        "label": seeded.label(1), "location_code": bin_, "quantity_counted": quantity + 1,
        "condition": "damaged", "seal_intact": False, "note": "thùng bị rách"})
    assert off.status_code == 200, off.text
    assert sorted(off.json()["discrepancies"]) == ["condition", "quantity", "seal_broken"]
    recorded = await fetch(custody_dsn, "SELECT kind, recorded_by FROM discrepancy WHERE item_id = $1",
                           uuid.UUID(seeded.item_id(1)))
    assert sorted(r["kind"] for r in recorded) == ["condition", "quantity", "seal_broken"]
    assert {r["recorded_by"] for r in recorded} == {"staff-1"}
    # The seizure record itself is never silently corrected.
    item = (await custody_client.get(f"/items/{seeded.item_id(1)}", headers=staff(token))).json()
    assert item["quantity"] == quantity and item["condition"] == "intact"
    assert item["state"] == "in_storage" and item["location_code"] == bin_

    again = await custody_client.post("/scans/check-in", headers=staff(token), json={
        "label": seeded.label(0), "location_code": bin_})
    assert again.status_code == 409 and again.json()["error"]["code"] == "item_in_storage"


async def test_forged_or_altered_labels_are_refused(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await seed(2)
    genuine = seeded.label(0)
    prefix, item_hex, code, signature = genuine.split(".")
    other_hex = uuid.UUID(seeded.item_id(1)).hex
    forged_signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    for label in (
        f"{prefix}.{other_hex}.{code}.{signature}",        # signature of another item
        f"{prefix}.{item_hex}.{code}X.{signature}",        # altered label code
        f"{prefix}.{item_hex}.{code}.{forged_signature}",  # forged signature
        "TV1.not-a-label",
    ):
        response = await custody_client.post("/scans/check-in", headers=staff(token), json={
            "label": label, "location_code": warehouses[WAREHOUSE][0]})
        assert response.status_code == 422, (label, response.text)
        assert response.json()["error"]["code"] == "invalid_label"
    item = (await custody_client.get(f"/items/{seeded.item_id(0)}", headers=staff(token))).json()
    assert item["state"] == "awaiting_receipt"


async def test_fifty_concurrent_scans_of_one_item_let_exactly_one_succeed(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(1)
    bins = warehouses[WAREHOUSE]

    async def scan(n: int) -> httpx.Response:
        return await custody_client.post("/scans/check-in", headers=staff(token, user=f"racer-{n}"), json={
            "label": seeded.label(0), "location_code": bins[n % len(bins)]})

    responses = await asyncio.gather(*(scan(n) for n in range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 49, statuses
    events = await fetch(custody_dsn, "SELECT count(*) AS n FROM event WHERE subject = $1 AND event_type = $2",
                         f"item/{seeded.item_id(0)}", "custody.item_received")
    assert events[0]["n"] == 1


async def test_a_retried_scan_with_the_same_idempotency_key_records_one_event(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(1)
    body = {"label": seeded.label(0), "location_code": warehouses[WAREHOUSE][1]}
    headers = {**staff(token), "Idempotency-Key": f"scan-{uuid.uuid4()}"}
    first, second, concurrent = await custody_client.post("/scans/check-in", headers=headers, json=body), \
        *await asyncio.gather(custody_client.post("/scans/check-in", headers=headers, json=body),
                              custody_client.post("/scans/check-in", headers=headers, json=body))
    assert first.status_code == second.status_code == concurrent.status_code == 200
    assert first.json() == second.json() == concurrent.json()
    events = await fetch(custody_dsn, "SELECT count(*) AS n FROM event WHERE subject = $1 AND event_type = $2",
                         f"item/{seeded.item_id(0)}", "custody.item_received")
    assert events[0]["n"] == 1
    reused = await custody_client.post("/scans/check-in", headers=headers, json={**body, "location_code":
                                                                                   warehouses[WAREHOUSE][2]})
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"


async def test_items_and_containers_move_between_bins_and_the_trail_is_kept(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await seed(3)
    bins = warehouses[WAREHOUSE]
    for n in range(3):
        r = await custody_client.post("/scans/check-in", headers=staff(token), json={
            "label": seeded.label(n), "location_code": bins[0]})
        assert r.status_code == 200, r.text
    moved = await custody_client.post("/scans/move", headers=staff(token), json={
        "label": seeded.label(0), "location_code": bins[1]})
    assert moved.status_code == 200, moved.text
    same = await custody_client.post("/scans/move", headers=staff(token), json={
        "label": seeded.label(0), "location_code": bins[1]})
    assert same.status_code == 409

    code = f"PALLET-{uuid.uuid4().hex[:6]}"
    created = await custody_client.post(f"/warehouses/{WAREHOUSE}/containers", headers=staff(token),
                                        json={"container_code": code, "location_code": bins[2]})
    assert created.status_code == 201, created.text
    packed = await custody_client.post(f"/containers/{code}/pack", headers=staff(token),
                                       json={"labels": [seeded.label(1), seeded.label(2)]})
    assert packed.status_code == 200, packed.text
    alone = await custody_client.post("/scans/move", headers=staff(token), json={
        "label": seeded.label(1), "location_code": bins[3]})
    assert alone.status_code == 409 and alone.json()["error"]["code"] == "in_container"
    pallet = await custody_client.post("/scans/move", headers=staff(token), json={
        "container_code": code, "location_code": bins[3]})
    assert pallet.status_code == 200 and pallet.json()["items"] == 2
    now_in = (await custody_client.get(f"/locations/{bins[3]}/items", headers=staff(token))).json()["item_ids"]
    assert set(now_in) >= {seeded.item_id(1), seeded.item_id(2)}
    history = (await custody_client.get(f"/items/{seeded.item_id(1)}/history", headers=staff(token))).json()
    assert [h["type"] for h in history] == ["custody.item_awaiting_receipt", "custody.item_received",
                                            "custody.item_packed", "custody.item_moved"]
    both = await custody_client.post("/scans/move", headers=staff(token), json={
        "label": seeded.label(1), "container_code": code, "location_code": bins[0]})
    assert both.status_code == 422
