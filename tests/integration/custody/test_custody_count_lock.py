"""An open inventory count freezes its locations: moves in or out are refused (409, naming the count)
until it closes, so the count compares the shelf with what was on it, not with a moving target."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.conftest import TokenFactory
from tests.integration.custody.conftest import OTHER_WAREHOUSE, SeedFactory, staff


async def test_moves_in_or_out_of_a_location_under_an_open_count_wait_until_it_closes(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    wh = OTHER_WAREHOUSE
    here = staff(token, "counter-2", warehouses=(wh,))
    shelf = f"{wh}.A-L{uuid.uuid4().hex[:6]}"  # a shelf of its own: the count must not flag other tests' items
    counted_bin, other_counted_bin = f"{shelf}-1", f"{shelf}-2"
    layout = ((shelf, "shelf", f"{wh}.A"), (counted_bin, "bin", shelf), (other_counted_bin, "bin", shelf))
    for code, kind, parent in layout:
        r = await custody_client.post(f"/warehouses/{wh}/locations", headers=here,
                                      json={"location_code": code, "kind": kind, "parent_code": parent})
        assert r.status_code == 201, r.text
    outside, elsewhere = warehouses[wh][0], warehouses[wh][1]
    seeded = await seed(2, warehouse=wh)
    for n, where in ((0, counted_bin), (1, outside)):
        r = await custody_client.post("/scans/check-in", headers=here,
                                      json={"label": seeded.label(n), "location_code": where})
        assert r.status_code == 200, r.text

    opened = await custody_client.post("/counts", headers=here, json={"warehouse_id": wh, "location_code": shelf})
    assert opened.status_code == 201, opened.text
    count_id = opened.json()["count_id"]
    try:
        for n, target in ((0, elsewhere), (0, other_counted_bin), (1, counted_bin)):  # out, within, in
            r = await custody_client.post("/scans/move", headers=here,
                                          json={"label": seeded.label(n), "location_code": target})
            assert r.status_code == 409, r.text
            error = r.json()["error"]
            assert error["code"] == "count_in_progress" and error["details"]["count_id"] == count_id
            assert count_id in error["message"]
        item = (await custody_client.get(f"/items/{seeded.item_id(0)}", headers=here)).json()
        assert item["location_code"] == counted_bin  # the refused move wrote nothing
        # Elsewhere in the warehouse, work goes on.
        r = await custody_client.post("/scans/move", headers=here,
                                      json={"label": seeded.label(1), "location_code": elsewhere})
        assert r.status_code == 200, r.text
        scanned = await custody_client.post(f"/counts/{count_id}/scans", headers=here,
                                            json={"label": seeded.label(0)})
        assert scanned.status_code == 200, scanned.text
    finally:
        closed = await custody_client.post(f"/counts/{count_id}/close", headers=here)
        assert closed.status_code == 200, closed.text
    r = await custody_client.post("/scans/move", headers=here,
                                  json={"label": seeded.label(0), "location_code": elsewhere})
    assert r.status_code == 200, r.text
