"""What a container holds, read by the containers page: its items by label code, where it stands; another
warehouse's staff get the unknown container's 404."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.conftest import TokenFactory
from tests.integration.custody.conftest import OTHER_WAREHOUSE, WAREHOUSE, SeedFactory, staff


async def test_a_container_lists_what_is_packed_in_it_and_only_to_its_warehouse(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await seed(3)
    bin_ = warehouses[WAREHOUSE][2]
    for n in range(3):
        r = await custody_client.post("/scans/check-in", headers=staff(token),
                                      json={"label": seeded.label(n), "location_code": bin_})
        assert r.status_code == 200, r.text
    code = f"THUNG-{uuid.uuid4().hex[:6].upper()}"
    r = await custody_client.post(f"/warehouses/{WAREHOUSE}/containers", headers=staff(token),
                                  json={"container_code": code, "location_code": bin_})
    assert r.status_code == 201, r.text
    r = await custody_client.post(f"/containers/{code}/pack", headers=staff(token),
                                  json={"labels": [seeded.label(0), seeded.label(2)]})
    assert r.status_code == 200, r.text

    listed = await custody_client.get(f"/containers/{code}", headers=staff(token))
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["container_code"] == code and body["warehouse_id"] == WAREHOUSE and body["location_code"] == bin_
    # by label code (the seeded items are in label code order)
    assert [i["item_id"] for i in body["items"]] == [seeded.item_id(0), seeded.item_id(2)]
    assert all(i["description"] for i in body["items"])

    r = await custody_client.post(f"/containers/{code}/unpack", headers=staff(token),
                                  json={"labels": [seeded.label(0)]})
    assert r.status_code == 200, r.text
    after = (await custody_client.get(f"/containers/{code}", headers=staff(token))).json()
    assert [i["item_id"] for i in after["items"]] == [seeded.item_id(2)]

    theirs = await custody_client.get(f"/containers/{code}", headers=staff(token, user="staff-hn",
                                                                          warehouses=(OTHER_WAREHOUSE,)))
    unknown = await custody_client.get("/containers/KHONG-CO-THUNG", headers=staff(token))
    assert theirs.status_code == 404 and unknown.status_code == 404
    assert theirs.json()["error"]["code"] == unknown.json()["error"]["code"] == "unknown_container"
