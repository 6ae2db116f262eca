"""Transfers between warehouses, check-out and return, and the two-person rule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.integration.conftest import TokenFactory
from tests.integration.custody.conftest import OTHER_WAREHOUSE, THRESHOLD_VND, WAREHOUSE, SeedFactory, fetch, staff
from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)

BOTH = (WAREHOUSE, OTHER_WAREHOUSE)


async def _stored(client: httpx.AsyncClient, token: TokenFactory, seeded: Any, bin_: str, n: int) -> None:
    for i in range(n):
        r = await client.post("/scans/check-in", headers=staff(token), json={"label": seeded.label(i),
                                                                             "location_code": bin_})
        assert r.status_code == 200, r.text


async def test_a_transfer_is_dispatched_and_received_by_two_people_and_unreceived_items_go_missing(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(3)
    await _stored(custody_client, token, seeded, warehouses[WAREHOUSE][0], 3)
    ids = [seeded.item_id(i) for i in range(3)]
    dispatched = await custody_client.post("/transfers", headers=staff(token, "dispatcher"), json={
        "from_warehouse_id": WAREHOUSE, "to_warehouse_id": OTHER_WAREHOUSE, "item_ids": ids, "carrier": "Xe 29C-123"})
    assert dispatched.status_code == 201, dispatched.text
    transfer_id = dispatched.json()["transfer_id"]

    # In transit, nobody anywhere can touch it.
    # (the origin no longer has it: 404 unknown_item, as for an id nobody registered; anyone at the destination:
    # 409 item_in_transit)
    for user, wh, expected in (("dispatcher", WAREHOUSE, 404), ("other", OTHER_WAREHOUSE, 409)):
        move = await custody_client.post("/scans/move", headers=staff(token, user, (wh,)), json={
            "label": seeded.label(0), "location_code": warehouses[wh][0]})
        assert move.status_code == expected, move.text
        out = await custody_client.post(f"/items/{ids[0]}/check-out", headers=staff(token, user, (wh,)), json={
            "holder": "TAND", "holder_kind": "court", "purpose": "xét xử",
            "due_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()})
        assert out.status_code == expected, out.text
        assert out.json()["error"]["code"] == {404: "unknown_item", 409: "item_in_transit"}[expected]

    # The dispatcher cannot also be the receiver, even with access to both warehouses.
    self_receipt = await custody_client.post(f"/transfers/{transfer_id}/receive",
                                             headers=staff(token, "dispatcher", BOTH),
                                             json={"labels": [seeded.label(0)],
                                                   "location_code": warehouses[OTHER_WAREHOUSE][0]})
    assert self_receipt.status_code == 422 and self_receipt.json()["error"]["code"] == "two_person_rule"

    receiver = staff(token, "receiver", (OTHER_WAREHOUSE,))
    received = await custody_client.post(f"/transfers/{transfer_id}/receive", headers=receiver, json={
        "labels": [seeded.label(0), seeded.label(1)], "location_code": warehouses[OTHER_WAREHOUSE][1]})
    assert received.status_code == 200, received.text
    closed = await custody_client.post(f"/transfers/{transfer_id}/close", headers=receiver)
    assert closed.status_code == 200, closed.text
    assert closed.json()["not_received"] == [ids[2]] and closed.json()["received"] == 2

    states = {str(r["item_id"]): (r["state"], r["warehouse_id"]) for r in await fetch(
        custody_dsn, "SELECT item_id, state, warehouse_id FROM item WHERE item_id = ANY($1::uuid[])",
        [uuid.UUID(i) for i in ids])}
    assert states == {ids[0]: ("in_storage", OTHER_WAREHOUSE), ids[1]: ("in_storage", OTHER_WAREHOUSE),
                      ids[2]: ("missing", OTHER_WAREHOUSE)}
    discrepancy = await fetch(custody_dsn, "SELECT kind, context FROM discrepancy WHERE item_id = $1",
                              uuid.UUID(ids[2]))
    assert [(r["kind"], r["context"]) for r in discrepancy] == [("not_received", "transfer")]
    again = await custody_client.post(f"/transfers/{transfer_id}/close", headers=receiver)
    assert again.status_code == 409


async def test_check_out_return_and_the_overdue_list(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(2)
    await _stored(custody_client, token, seeded, warehouses[WAREHOUSE][0], 2)
    due = datetime.now(UTC) + timedelta(days=7)
    out = await custody_client.post(f"/items/{seeded.item_id(0)}/check-out", headers=staff(token), json={
        "holder": "Viện Khoa học hình sự", "holder_kind": "lab", "purpose": "giám định", "due_at": due.isoformat()})
    assert out.status_code == 201, out.text
    twice = await custody_client.post(f"/items/{seeded.item_id(0)}/check-out", headers=staff(token), json={
        "holder": "x", "holder_kind": "lab", "purpose": "x", "due_at": due.isoformat()})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "item_checked_out"
    past = await custody_client.post(f"/items/{seeded.item_id(1)}/check-out", headers=staff(token), json={
        "holder": "x", "holder_kind": "court", "purpose": "x", "due_at": "2020-01-01T00:00:00Z"})
    assert past.status_code == 422

    # Make the loan overdue (as if a week passed), then it shows in the overdue list.
    conn_rows = await fetch(custody_dsn, "UPDATE item SET due_at = now() - interval '1 day' WHERE item_id = $1 "
                            "RETURNING item_id", uuid.UUID(seeded.item_id(0)))
    assert conn_rows
    overdue = (await custody_client.get(f"/warehouses/{WAREHOUSE}/overdue", headers=staff(token))).json()
    assert seeded.item_id(0) in {i["item_id"] for i in overdue}
    assert next(i for i in overdue if i["item_id"] == seeded.item_id(0))["holder"] == "Viện Khoa học hình sự"

    back = await custody_client.post(f"/items/{seeded.item_id(0)}/return", headers=staff(token), json={
        "location_code": warehouses[WAREHOUSE][3], "condition": "opened for testing"})
    assert back.status_code == 200, back.text
    item = (await custody_client.get(f"/items/{seeded.item_id(0)}", headers=staff(token))).json()
    assert (item["state"], item["holder"], item["location_code"]) == ("in_storage", None, warehouses[WAREHOUSE][3])
    overdue = (await custody_client.get(f"/warehouses/{WAREHOUSE}/overdue", headers=staff(token))).json()
    assert seeded.item_id(0) not in {i["item_id"] for i in overdue}


async def test_above_the_threshold_a_second_different_person_must_confirm(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await seed(2, value_vnd=THRESHOLD_VND + 1)
    await _stored(custody_client, token, seeded, warehouses[WAREHOUSE][0], 2)
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    asked = await custody_client.post(f"/items/{seeded.item_id(0)}/check-out", headers=staff(token, "first"), json={
        "holder": "TAND tỉnh Bắc Ninh", "holder_kind": "court", "purpose": "vật chứng", "due_at": due})
    assert asked.status_code == 202, asked.text
    approval_id = asked.json()["approval_id"]
    item = (await custody_client.get(f"/items/{seeded.item_id(0)}", headers=staff(token))).json()
    assert item["state"] == "in_storage"
    pending = (await custody_client.get(f"/warehouses/{WAREHOUSE}/approvals", headers=staff(token))).json()
    assert approval_id in {p["approval_id"] for p in pending}

    same = await custody_client.post(f"/approvals/{approval_id}/confirm", headers=staff(token, "first"))
    assert same.status_code == 422 and same.json()["error"]["code"] == "two_person_rule"
    outsider = await custody_client.post(f"/approvals/{approval_id}/confirm",
                                         headers=staff(token, "outsider", (OTHER_WAREHOUSE,)))
    assert outsider.status_code == 404 and outsider.json()["error"]["code"] == "unknown_approval", outsider.text
    confirmed = await custody_client.post(f"/approvals/{approval_id}/confirm", headers=staff(token, "second"))
    assert confirmed.status_code == 201, confirmed.text
    history = (await custody_client.get(f"/items/{seeded.item_id(0)}/history", headers=staff(token))).json()
    checked_out = history[-1]
    assert checked_out["type"] == "custody.item_checked_out"
    assert checked_out["data"]["requested_by"] == "first" and checked_out["data"]["confirmed_by"] == "second"
    replay = await custody_client.post(f"/approvals/{approval_id}/confirm", headers=staff(token, "third"))
    assert replay.status_code == 409

    # A dispatch worth more than the threshold waits for a second person too.
    transfer = await custody_client.post("/transfers", headers=staff(token, "first"), json={
        "from_warehouse_id": WAREHOUSE, "to_warehouse_id": OTHER_WAREHOUSE, "item_ids": [seeded.item_id(1)]})
    assert transfer.status_code == 202, transfer.text
    done = await custody_client.post(f"/approvals/{transfer.json()['approval_id']}/confirm",
                                     headers=staff(token, "second"))
    assert done.status_code == 201 and done.json()["status"] == "in_transit"
