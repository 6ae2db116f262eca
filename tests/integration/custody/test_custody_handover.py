"""Release for disposal: reserved items are handed over to the disposal team — two people above the
value threshold — before disposal may execute them; re-sent requests are answered again; an item the
execution refuses gets its reservation back."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.conftest import TokenFactory
from tests.integration.custody.conftest import (
    THRESHOLD_VND,
    WAREHOUSE,
    Seeded,
    SeedFactory,
    fetch,
    publish_disposal,
    staff,
)
from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.waiting import eventually

TEAM = "Tổ tiêu hủy"


async def _events(dsn: str, batch_id: uuid.UUID, n: int) -> list[tuple[str, str, str | None]]:
    """The first `n` custody events naming the batch: (type, item_id, reason)."""
    async def probe() -> list[tuple[str, str, str | None]] | None:
        rows = await fetch(dsn, """SELECT event_type, body->'data'->>'item_id' AS item_id,
                                          body->'data'->>'reason' AS reason FROM event
                                    WHERE body->'data'->>'batch_id' = $1 ORDER BY id""", str(batch_id))
        return [(r["event_type"], r["item_id"], r["reason"]) for r in rows] if len(rows) >= n else None

    result = await eventually(probe, what=f"{n} custody events of batch {batch_id}")
    assert result is not None
    return result


async def _reserved(seed: SeedFactory, client: httpx.AsyncClient, token: TokenFactory, bins: list[str],
                    custody_dsn: str, disposal_dsn: str, n: int, value_vnd: int) -> tuple[uuid.UUID, Seeded]:
    seeded = await seed(n, value_vnd=value_vnd)
    for k in range(n):
        r = await client.post("/scans/check-in", headers=staff(token),
                              json={"label": seeded.label(k), "location_code": bins[2]})
        assert r.status_code == 200, r.text
    batch = uuid.uuid4()
    await publish_disposal(disposal_dsn, "disposal.reservation_requested",
                           {"batch_id": str(batch), "item_ids": [seeded.item_id(k) for k in range(n)]},
                           f"batch/{batch}")
    await _events(custody_dsn, batch, n)
    return batch, seeded


async def test_a_handover_above_the_threshold_waits_for_a_second_different_person(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str, disposal_dsn: str,
) -> None:
    value = THRESHOLD_VND // 2 + 1  # two of them are above the threshold, one is not
    batch, seeded = await _reserved(seed, custody_client, token, warehouses[WAREHOUSE], custody_dsn, disposal_dsn,
                                    3, value)
    items = [seeded.item_id(k) for k in range(3)]
    body = {"batch_id": str(batch), "warehouse_id": WAREHOUSE, "recipient": TEAM}

    # Scoped to the warehouse, and only items reserved for this batch.
    r = await custody_client.post("/handovers", json=body, headers=staff(token, warehouses=("KHO-HN-02",)))
    assert r.status_code == 403, r.text
    stranger = (await seed(1)).label(0)
    r = await custody_client.post("/handovers", json={**body, "labels": [stranger]}, headers=staff(token))
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_reserved_for_batch"

    # One item, below the threshold: released at once by one person.
    one = await custody_client.post("/handovers", headers=staff(token, "first"),
                                    json={**body, "labels": [seeded.label(0)]})
    assert one.status_code == 200 and one.json()["items"] == 1, one.text
    again = await custody_client.post("/handovers", headers=staff(token, "first"),
                                      json={**body, "labels": [seeded.label(0)]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "item_handed_over"

    # The rest of the batch in this warehouse: above the threshold, so it waits.
    asked = await custody_client.post("/handovers", json=body, headers=staff(token, "first"))
    assert asked.status_code == 202, asked.text
    assert asked.json()["value_vnd"] == 2 * value
    approval_id = asked.json()["approval_id"]
    rows = await fetch(custody_dsn, "SELECT state FROM item WHERE item_id = ANY($1::uuid[])",
                       [uuid.UUID(i) for i in items[1:]])
    assert {r["state"] for r in rows} == {"reserved_for_disposal"}  # nothing happens before the confirmation
    same = await custody_client.post(f"/approvals/{approval_id}/confirm", headers=staff(token, "first"))
    assert same.status_code == 422 and same.json()["error"]["code"] == "two_person_rule"
    confirmed = await custody_client.post(f"/approvals/{approval_id}/confirm", headers=staff(token, "second"))
    assert confirmed.status_code == 200 and confirmed.json()["items"] == 2, confirmed.text

    rows = await fetch(custody_dsn, """SELECT body->'data' AS data FROM event
                                        WHERE event_type = 'custody.item_handed_over'
                                          AND body->'data'->>'batch_id' = $1""", str(batch))
    people = {(r["data"]["item_id"], r["data"]["requested_by"], r["data"]["confirmed_by"]) for r in rows}
    assert people == {(items[0], None, None), (items[1], "first", "second"), (items[2], "first", "second")}
    assert {r["data"]["recipient"] for r in rows} == {TEAM}
    item = (await custody_client.get(f"/items/{items[1]}", headers=staff(token))).json()
    assert item["state"] == "handed_over" and item["location_code"] is None
    r = await custody_client.post("/handovers", json=body, headers=staff(token, "first"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_to_hand_over"

    # Executed by disposal: disposed, as custody's final word.
    await publish_disposal(disposal_dsn, "disposal.items_executed", {
        "batch_id": str(batch), "method": "destroy/crush", "outcome": "disposed", "item_ids": items},
        f"batch/{batch}")
    answers = await _events(custody_dsn, batch, 3 + 3 + 3)
    assert {(t, i) for t, i, _ in answers[-3:]} == {("custody.item_disposed", i) for i in items}


async def test_re_sent_requests_are_answered_again_and_refused_items_get_their_reservation_back(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str, disposal_dsn: str,
) -> None:
    batch, seeded = await _reserved(seed, custody_client, token, warehouses[WAREHOUSE], custody_dsn, disposal_dsn,
                                    3, 1_000_000)
    items = [seeded.item_id(k) for k in range(3)]
    r = await custody_client.post("/handovers", headers=staff(token), json={
        "batch_id": str(batch), "warehouse_id": WAREHOUSE, "recipient": TEAM,
        "labels": [seeded.label(0)]})
    assert r.status_code == 200, r.text

    # The same request again: every item is still held for the batch and says so.
    await publish_disposal(disposal_dsn, "disposal.reservation_requested",
                           {"batch_id": str(batch), "item_ids": items}, f"batch/{batch}")
    answers = await _events(custody_dsn, batch, 3 + 1 + 3)
    assert {(t, i) for t, i, _ in answers[-3:]} == {("custody.item_still_reserved", i) for i in items}
    # Another batch asking for them hears why not.
    other = uuid.uuid4()
    await publish_disposal(disposal_dsn, "disposal.reservation_requested",
                           {"batch_id": str(other), "item_ids": items[:2]}, f"batch/{other}")
    assert {(t, i, why) for t, i, why in await _events(custody_dsn, other, 2)} == {
        ("custody.item_unavailable", i, "reserved_for_another_batch") for i in items[:2]}

    # Executed with one item never handed over: refused, and its reservation released with the batch.
    await publish_disposal(disposal_dsn, "disposal.items_executed", {
        "batch_id": str(batch), "method": "auction", "outcome": "disposed", "item_ids": items[:2]},
        f"batch/{batch}")
    answers = await _events(custody_dsn, batch, 7 + 3)
    assert answers[-3:] == [("custody.item_disposed", items[0], None),
                            ("custody.item_unavailable", items[1], "not_handed_over"),
                            ("custody.reservation_released", items[1], None)]
    rows = await fetch(custody_dsn, "SELECT item_id::text, state, batch_id FROM item WHERE item_id = ANY($1::uuid[])",
                       [uuid.UUID(i) for i in items])
    assert {r["item_id"]: (r["state"], r["batch_id"]) for r in rows} == {
        items[0]: ("disposed", batch), items[1]: ("in_storage", None), items[2]: ("reserved_for_disposal", batch)}
