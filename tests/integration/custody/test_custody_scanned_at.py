"""A scan queued on a handheld says when it was scanned: custody records that instant beside its own, in the
scanned item's event and its count scans, and refuses one from the future or older than a week."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from tests.integration.conftest import TokenFactory
from tests.integration.custody.conftest import WAREHOUSE, SeedFactory, fetch, staff


def _at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


async def _events(dsn: str, item_id: str, event_type: str) -> list[dict[str, Any]]:
    rows = await fetch(dsn, "SELECT occurred_at, body->'data' AS data FROM event WHERE subject = $1 "
                            "AND event_type = $2 ORDER BY id", f"item/{item_id}", event_type)
    return [{"occurred_at": r["occurred_at"],
             **(r["data"] if isinstance(r["data"], dict) else orjson.loads(r["data"]))} for r in rows]


async def test_queued_scans_record_the_instant_they_were_scanned_beside_custodys(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(2, value_vnd=1_000)
    first, second = warehouses[WAREHOUSE][0], warehouses[WAREHOUSE][1]
    me = staff(token, "offline-clerk")
    received_at = _at(-timedelta(hours=3))
    r = await custody_client.post("/scans/check-in", headers=me, json={
        "label": seeded.label(0), "location_code": first, "scanned_at": received_at})
    assert r.status_code == 200, r.text
    moved_at = _at(-timedelta(hours=2, minutes=59))
    r = await custody_client.post("/scans/move", headers=me, json={
        "label": seeded.label(0), "location_code": second, "scanned_at": moved_at})
    assert r.status_code == 200, r.text
    out_at = _at(-timedelta(hours=2))
    r = await custody_client.post(f"/items/{seeded.item_id(0)}/check-out", headers=me, json={
        "holder": "Viện KHHS", "holder_kind": "lab", "purpose": "giám định", "due_at": _at(timedelta(days=7)),
        "scanned_at": out_at})
    assert r.status_code == 201, r.text
    back_at = _at(-timedelta(hours=1))
    r = await custody_client.post(f"/items/{seeded.item_id(0)}/return", headers=me, json={
        "location_code": first, "scanned_at": back_at})
    assert r.status_code == 200, r.text
    # A scan sent at once says nothing of its instant, and its event keeps the shape it always had.
    r = await custody_client.post("/scans/check-in", headers=me, json={
        "label": seeded.label(1), "location_code": first})
    assert r.status_code == 200, r.text

    for event_type, sent in (("custody.item_received", received_at), ("custody.item_moved", moved_at),
                             ("custody.item_checked_out", out_at), ("custody.item_returned", back_at)):
        [event] = await _events(custody_dsn, seeded.item_id(0), event_type)
        assert datetime.fromisoformat(event["scanned_at"]) == datetime.fromisoformat(sent), event_type
        assert event["occurred_at"] - datetime.fromisoformat(sent) > timedelta(minutes=50), event_type
    [plain] = await _events(custody_dsn, seeded.item_id(1), "custody.item_received")
    assert "scanned_at" not in plain

    history = (await custody_client.get(f"/items/{seeded.item_id(0)}/history", headers=me)).json()
    received = next(h for h in history if h["type"] == "custody.item_received")
    assert datetime.fromisoformat(received["scanned_at"]) == datetime.fromisoformat(received_at)
    assert datetime.fromisoformat(received["occurred_at"]) > datetime.fromisoformat(received_at) + timedelta(hours=2)
    awaiting = next(h for h in history if h["type"] == "custody.item_awaiting_receipt")
    assert awaiting["scanned_at"] is None


async def test_a_count_scan_keeps_the_devices_instant_beside_custodys(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(1, value_vnd=1_000)
    bin_ = warehouses[WAREHOUSE][2]
    me = staff(token, "offline-counter")
    assert (await custody_client.post("/scans/check-in", headers=me, json={
        "label": seeded.label(0), "location_code": bin_})).status_code == 200
    opened = await custody_client.post("/counts", headers=me, json={"warehouse_id": WAREHOUSE, "location_code": bin_})
    assert opened.status_code == 201, opened.text
    count_id = opened.json()["count_id"]
    at = _at(-timedelta(minutes=30))
    scanned = await custody_client.post(f"/counts/{count_id}/scans", headers=me, json={
        "label": seeded.label(0), "scanned_at": at})
    assert scanned.status_code == 200, scanned.text
    [row] = await fetch(custody_dsn, "SELECT scanned_at, device_scanned_at FROM count_scan WHERE count_id = $1",
                        uuid.UUID(count_id))
    assert row["device_scanned_at"] == datetime.fromisoformat(at)
    assert row["scanned_at"] - row["device_scanned_at"] > timedelta(minutes=29)
    assert (await custody_client.post(f"/counts/{count_id}/close", headers=me)).status_code == 200


async def test_a_scan_instant_from_the_future_or_older_than_a_week_is_refused_and_nothing_is_recorded(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(1, value_vnd=1_000)
    bin_ = warehouses[WAREHOUSE][0]
    me = staff(token, "offline-clock")
    for sent, code in ((_at(timedelta(hours=1)), "scanned_at_in_future"),
                       (_at(-timedelta(days=8)), "scanned_at_too_old")):
        r = await custody_client.post("/scans/check-in", headers=me, json={
            "label": seeded.label(0), "location_code": bin_, "scanned_at": sent})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == code
        assert "scanned_at" in r.json()["error"]["message"]
    # Without its offset the instant means nothing: refused as the field it is.
    naive = await custody_client.post("/scans/check-in", headers=me, json={
        "label": seeded.label(0), "location_code": bin_, "scanned_at": "2026-12-02T08:00:00"})
    assert naive.status_code == 422
    assert naive.json()["error"]["code"] == "invalid_input"
    assert any("scanned_at" in str(d) for d in naive.json()["error"]["details"])
    item = (await custody_client.get(f"/items/{seeded.item_id(0)}", headers=me)).json()
    assert item["state"] == "awaiting_receipt"
    assert await _events(custody_dsn, seeded.item_id(0), "custody.item_received") == []
