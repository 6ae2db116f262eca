"""What the staff's home page reads: a warehouse-scoped search by printed label code or description, the counts
still open, and requests waiting for a second person told in full. Another warehouse's items never appear."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.integration.conftest import TokenFactory
from tests.integration.custody.conftest import OTHER_WAREHOUSE, WAREHOUSE, SeedFactory, staff


async def test_a_search_finds_items_by_printed_code_or_description_in_the_callers_warehouse_only(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory,
) -> None:
    ours = await seed(2)
    theirs = await seed(1, warehouse=OTHER_WAREHOUSE)
    code = ours.items[1]["label_code"]

    async def search(q: str, warehouse: str = WAREHOUSE, who: dict[str, str] | None = None) -> httpx.Response:
        return await custody_client.get(f"/warehouses/{warehouse}/items", params={"q": q, "limit": 1000},
                                        headers=who or staff(token))

    found = await search(code.lower())  # typed as it is printed, in any case
    assert found.status_code == 200, found.text
    assert [i["item_id"] for i in found.json()["items"]] == [ours.item_id(1)]
    description = theirs.items[0]["description"]
    by_words = (await search(description[2:12])).json()["items"]
    assert by_words and all(i["warehouse_id"] == WAREHOUSE for i in by_words)
    assert theirs.item_id(0) not in {i["item_id"] for i in by_words}
    # Another warehouse's printed code is not found in ours, and their warehouse is not ours to search.
    assert (await search(theirs.items[0]["label_code"])).json()["items"] == []
    refused = await search(theirs.items[0]["label_code"], OTHER_WAREHOUSE)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "warehouse_scope"
    # Wildcards typed by a person match only themselves.
    assert (await search("%")).json()["items"] == []
    assert (await search("_")).json()["items"] == []
    assert (await search(code.replace("-", "_"))).json()["items"] == []
    assert (await search("x" * 101)).status_code == 422


async def test_open_counts_are_listed_until_closed_and_only_for_their_warehouse(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await seed(1)
    bin_ = warehouses[WAREHOUSE][2]
    r = await custody_client.post("/scans/check-in", headers=staff(token), json={"label": seeded.label(0),
                                                                                 "location_code": bin_})
    assert r.status_code == 200, r.text
    opened = await custody_client.post("/counts", headers=staff(token), json={"warehouse_id": WAREHOUSE,
                                                                              "location_code": bin_})
    assert opened.status_code == 201, opened.text
    count_id = opened.json()["count_id"]
    await custody_client.post(f"/counts/{count_id}/scans", headers=staff(token), json={"label": seeded.label(0)})
    listed = await custody_client.get(f"/warehouses/{WAREHOUSE}/counts", headers=staff(token))
    assert listed.status_code == 200, listed.text
    mine = [c for c in listed.json() if c["count_id"] == count_id]
    assert mine and mine[0]["scanned"] == 1 and mine[0]["expected"] >= 1 and mine[0]["location_code"] == bin_
    other = await custody_client.get(f"/warehouses/{OTHER_WAREHOUSE}/counts",
                                     headers=staff(token, "other", (OTHER_WAREHOUSE,)))
    assert count_id not in {c["count_id"] for c in other.json()}
    refused = await custody_client.get(f"/warehouses/{OTHER_WAREHOUSE}/counts", headers=staff(token))
    assert refused.status_code == 403
    assert (await custody_client.post(f"/counts/{count_id}/close", headers=staff(token))).status_code == 200
    after = await custody_client.get(f"/warehouses/{WAREHOUSE}/counts", headers=staff(token))
    assert count_id not in {c["count_id"] for c in after.json()}


async def test_a_pending_check_out_names_its_item_holder_purpose_due_date_and_requester(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await seed(1, value_vnd=180_000_000)
    r = await custody_client.post("/scans/check-in", headers=staff(token), json={
        "label": seeded.label(0), "location_code": warehouses[WAREHOUSE][0]})
    assert r.status_code == 200, r.text
    due = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    asked = await custody_client.post(f"/items/{seeded.item_id(0)}/check-out", headers=staff(token, "asker"), json={
        "holder": "Tòa án nhân dân tỉnh Bắc Ninh", "holder_kind": "court", "purpose": "làm chứng cứ tại phiên tòa",
        "due_at": due.isoformat()})
    assert asked.status_code == 202, asked.text
    approval_id = asked.json()["approval_id"]
    listed = await custody_client.get(f"/warehouses/{WAREHOUSE}/approvals", headers=staff(token, "second"))
    assert listed.status_code == 200, listed.text
    (view,) = [a for a in listed.json() if a["approval_id"] == approval_id]
    assert view["kind"] == "check_out" and view["requested_by"] == "asker" and view["value_vnd"] == 180_000_000
    assert (view["holder"], view["holder_kind"], view["purpose"]) == (
        "Tòa án nhân dân tỉnh Bắc Ninh", "court", "làm chứng cứ tại phiên tòa")
    assert datetime.fromisoformat(view["due_at"]) == due
    assert view["item_count"] == 1
    assert view["items"][0]["label_code"] == seeded.items[0]["label_code"]
    assert view["items"][0]["description"] == seeded.items[0]["description"]
    other = await custody_client.get(f"/warehouses/{OTHER_WAREHOUSE}/approvals",
                                     headers=staff(token, "other", (OTHER_WAREHOUSE,)))
    assert approval_id not in {a["approval_id"] for a in other.json()}
    assert (await custody_client.post(f"/approvals/{approval_id}/reject", headers=staff(token, "second"))
            ).status_code == 200
