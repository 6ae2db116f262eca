"""Inventory counts (blind and open) and the questions custody answers, now and at a past time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from tests.integration.conftest import TokenFactory, bearer
from tests.integration.custody.conftest import WAREHOUSE, SeedFactory, fetch, staff


async def test_a_blind_count_hides_the_expected_list_and_its_report_flags_missing_items(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(5)
    wh = WAREHOUSE
    bin_ = f"{wh}.A-1-C{uuid.uuid4().hex[:6]}"  # a bin of its own: the count must not see other tests' items
    created = await custody_client.post(f"/warehouses/{wh}/locations", headers=staff(token), json={
        "location_code": bin_, "kind": "bin", "parent_code": f"{wh}.A-1"})
    assert created.status_code == 201, created.text
    for n in range(4):
        r = await custody_client.post("/scans/check-in", headers=staff(token), json={
            "label": seeded.label(n), "location_code": bin_})
        assert r.status_code == 200, r.text
    # Item 3 is somewhere else: it will be "unexpected" in the count of bin_ after moving it away.
    await custody_client.post("/scans/move", headers=staff(token), json={"label": seeded.label(3),
                                                                          "location_code": warehouses[wh][3]})
    before = set((await custody_client.get(f"/locations/{bin_}/items", headers=staff(token))).json()["item_ids"])
    assert {seeded.item_id(n) for n in range(3)} <= before

    opened = await custody_client.post("/counts", headers=staff(token, "counter"), json={
        "warehouse_id": wh, "location_code": bin_, "blind": True})
    assert opened.status_code == 201, opened.text
    assert "expected" not in opened.json()
    count_id = opened.json()["count_id"]
    view = (await custody_client.get(f"/counts/{count_id}", headers=staff(token, "counter"))).json()
    assert "expected_item_ids" not in view and view["blind"] is True

    for n in (0, 1, 3):  # item 2 is not on the shelf; item 3 turns up here
        scanned = await custody_client.post(f"/counts/{count_id}/scans", headers=staff(token, "counter"),
                                            json={"label": seeded.label(n)})
        assert scanned.status_code == 200, scanned.text
        assert "expected" not in scanned.json()
    dup = await custody_client.post(f"/counts/{count_id}/scans", headers=staff(token, "counter"),
                                    json={"label": seeded.label(0)})
    assert dup.status_code == 200 and dup.json()["first_scan"] is False

    closed = await custody_client.post(f"/counts/{count_id}/close", headers=staff(token, "counter"))
    assert closed.status_code == 200, closed.text
    report = closed.json()["report"]
    assert set(report["found"]) >= {seeded.item_id(0), seeded.item_id(1)}
    assert seeded.item_id(2) in report["missing"] and seeded.item_id(2) in report["flagged_missing"]
    assert report["unexpected"] == [seeded.item_id(3)]
    item = (await custody_client.get(f"/items/{seeded.item_id(2)}", headers=staff(token))).json()
    assert item["state"] == "missing"
    events = await fetch(custody_dsn, "SELECT body->'data'->>'reference_id' AS ref FROM event "
                         "WHERE subject = $1 AND event_type = 'custody.item_missing'", f"item/{seeded.item_id(2)}")
    assert [e["ref"] for e in events] == [count_id]
    after = (await custody_client.get(f"/counts/{count_id}", headers=staff(token))).json()
    assert after["report"]["missing"] == report["missing"]
    assert (await custody_client.post(f"/counts/{count_id}/scans", headers=staff(token, "counter"),
                                      json={"label": seeded.label(4)})).status_code == 409

    # An open (non-blind) count shows what is expected; finding the missing item brings it back.
    second = await custody_client.post("/counts", headers=staff(token), json={"warehouse_id": wh,
                                                                              "location_code": bin_})
    assert second.status_code == 201 and second.json()["expected"] >= 2
    second_id = second.json()["count_id"]
    seen = await custody_client.post(f"/counts/{second_id}/scans", headers=staff(token),
                                     json={"label": seeded.label(2), "location_code": bin_})
    assert seen.json()["expected"] is False
    for n in (0, 1):
        await custody_client.post(f"/counts/{second_id}/scans", headers=staff(token), json={"label": seeded.label(n)})
    closed = (await custody_client.post(f"/counts/{second_id}/close", headers=staff(token))).json()
    assert closed["report"]["found_again"] == [seeded.item_id(2)]
    item = (await custody_client.get(f"/items/{seeded.item_id(2)}", headers=staff(token))).json()
    assert item["state"] == "in_storage" and item["location_code"] == bin_


async def test_where_an_item_was_and_who_held_it_at_a_past_time_come_from_the_events(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(1)
    item_id = seeded.item_id(0)
    first, second = warehouses[WAREHOUSE][0], warehouses[WAREHOUSE][1]
    await custody_client.post("/scans/check-in", headers=staff(token), json={"label": seeded.label(0),
                                                                             "location_code": first})
    t_on_first = datetime.now(UTC)
    await custody_client.post("/scans/move", headers=staff(token), json={"label": seeded.label(0),
                                                                          "location_code": second})
    t_on_second = datetime.now(UTC)
    r = await custody_client.post(f"/items/{item_id}/check-out", headers=staff(token, "clerk"), json={
        "holder": "Hội đồng định giá", "holder_kind": "appraisal", "purpose": "định giá",
        "due_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()})
    assert r.status_code == 201
    t_out = datetime.now(UTC)

    async def at_location(code: str, at: datetime) -> set[str]:
        r = await custody_client.get(f"/locations/{code}/items", params={"at": at.isoformat()}, headers=staff(token))
        assert r.status_code == 200, r.text
        return set(r.json()["item_ids"])

    assert item_id in await at_location(first, t_on_first)
    assert item_id not in await at_location(first, t_on_second)
    assert item_id in await at_location(second, t_on_second)
    assert item_id not in await at_location(second, t_out)

    async def custody_at(at: datetime) -> dict[str, str]:
        r = await custody_client.get(f"/items/{item_id}/custody", params={"at": at.isoformat()}, headers=staff(token))
        assert r.status_code == 200, r.text
        body: dict[str, str] = r.json()
        return body

    before = await custody_at(datetime(2000, 1, 1, tzinfo=UTC))
    assert before["state"] is None
    on_second = await custody_at(t_on_second)
    assert (on_second["state"], on_second["location_code"], on_second["holder"]) == ("in_storage", second, WAREHOUSE)
    out = await custody_at(t_out)
    assert (out["state"], out["holder"], out["holder_kind"], out["last_actor_id"]) == (
        "checked_out", "Hội đồng định giá", "appraisal", "clerk")


async def test_counts_per_state_storage_age_and_perishables_past_their_limit(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(2, perishable=True)
    await custody_client.post("/scans/check-in", headers=staff(token), json={"label": seeded.label(0),
                                                                             "location_code": warehouses[WAREHOUSE][0]})
    await fetch(custody_dsn, "UPDATE item SET received_at = now() - interval '45 days' WHERE item_id = $1",
                uuid.UUID(seeded.item_id(0)))
    summary = (await custody_client.get(f"/warehouses/{WAREHOUSE}/summary", headers=staff(token))).json()
    assert summary["states"]["in_storage"] >= 1 and summary["states"]["awaiting_receipt"] >= 1
    ages = (await custody_client.get(f"/warehouses/{WAREHOUSE}/storage-age", headers=staff(token))).json()
    assert any(a["bucket"] == "30-89d" and a["items"] >= 1 for a in ages)
    past = (await custody_client.get(f"/warehouses/{WAREHOUSE}/perishables-past-limit",
                                     headers=staff(token))).json()
    assert seeded.item_id(0) in {i["item_id"] for i in past}
    assert seeded.item_id(1) not in {i["item_id"] for i in past}
    auditor = bearer(token("auditor", user="aud", warehouses=("*",)))
    assert (await custody_client.get(f"/warehouses/{WAREHOUSE}/summary", headers=auditor)).status_code == 200
    page = (await custody_client.get(f"/warehouses/{WAREHOUSE}/items", params={"state": "in_storage", "limit": 2},
                                     headers=staff(token))).json()
    assert len(page["items"]) <= 2
    assert uuid.UUID(seeded.item_id(0))


async def test_an_open_count_tells_a_station_what_closing_would_mark_missing_and_is_listed_until_closed(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await seed(3)
    wh = WAREHOUSE
    bin_ = f"{wh}.A-1-P{uuid.uuid4().hex[:6]}"
    created = await custody_client.post(f"/warehouses/{wh}/locations", headers=staff(token), json={
        "location_code": bin_, "kind": "bin", "parent_code": f"{wh}.A-1"})
    assert created.status_code == 201, created.text
    for n in (0, 1):
        r = await custody_client.post("/scans/check-in", headers=staff(token), json={
            "label": seeded.label(n), "location_code": bin_})
        assert r.status_code == 200, r.text
    r = await custody_client.post("/scans/check-in", headers=staff(token), json={
        "label": seeded.label(2), "location_code": warehouses[wh][2]})
    assert r.status_code == 200, r.text
    opened = await custody_client.post("/counts", headers=staff(token), json={"warehouse_id": wh,
                                                                              "location_code": bin_})
    assert opened.status_code == 201, opened.text
    count_id = opened.json()["count_id"]
    listed = (await custody_client.get(f"/warehouses/{wh}/counts", headers=staff(token))).json()
    assert [c["location_code"] for c in listed if c["count_id"] == count_id] == [bin_]

    for n in (0, 2):  # item 1 stays unscanned; item 2 lies elsewhere
        scanned = await custody_client.post(f"/counts/{count_id}/scans", headers=staff(token),
                                            json={"label": seeded.label(n)})
        assert scanned.status_code == 200, scanned.text
    view = (await custody_client.get(f"/counts/{count_id}", headers=staff(token))).json()
    assert [p["item_id"] for p in view["not_scanned"]] == [seeded.item_id(1)]
    assert view["not_scanned"][0]["label_code"] and view["not_scanned"][0]["batch_id"] is None
    assert view["unexpected"] == 1 and view["scanned"] == 2
    assert [c["scanned"] for c in (await custody_client.get(f"/warehouses/{wh}/counts", headers=staff(token))).json()
            if c["count_id"] == count_id] == [2]

    closed = await custody_client.post(f"/counts/{count_id}/close", headers=staff(token))
    assert closed.status_code == 200, closed.text
    assert closed.json()["report"]["flagged_missing"] == [seeded.item_id(1)]
    listed = (await custody_client.get(f"/warehouses/{wh}/counts", headers=staff(token))).json()
    assert count_id not in [c["count_id"] for c in listed]
    assert "not_scanned" not in (await custody_client.get(f"/counts/{count_id}", headers=staff(token))).json()
