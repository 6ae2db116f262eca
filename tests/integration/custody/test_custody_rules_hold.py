"""Access rules that hold (issue 12): the two-person rule over what one person moves however it is split and at
the item's highest recorded value; legal holds by the seizing unit's board only; counts of one warehouse only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.integration.conftest import TokenFactory, bearer
from tests.integration.custody.conftest import (
    OTHER_WAREHOUSE,
    WAREHOUSE,
    SeedFactory,
    fetch,
    publish_disposal,
    staff,
)
from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.waiting import eventually

SIXTY_MILLION = 60_000_000  # two of them are above the 100M threshold, one is not


def _someone() -> str:
    # A person of their own per test: the rolling window is per person and warehouse.
    return f"staff-{uuid.uuid4().hex[:8]}"


async def _stored(client: httpx.AsyncClient, token: TokenFactory, seeded: Any, bin_: str, n: int) -> None:
    for i in range(n):
        r = await client.post("/scans/check-in", headers=staff(token, _someone()),
                              json={"label": seeded.label(i), "location_code": bin_})
        assert r.status_code == 200, r.text


def _check_out(due: str) -> dict[str, str]:
    return {"holder": "TAND tỉnh Bắc Ninh", "holder_kind": "court", "purpose": "vật chứng", "due_at": due}


async def test_two_person_rule_holds_for_a_transfer_split_into_one_item_per_request(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    together = await seed(2, value_vnd=SIXTY_MILLION)
    await _stored(custody_client, token, together, warehouses[WAREHOUSE][0], 2)
    one = staff(token, _someone())
    both = await custody_client.post("/transfers", headers=one, json={
        "from_warehouse_id": WAREHOUSE, "to_warehouse_id": OTHER_WAREHOUSE,
        "item_ids": [together.item_id(0), together.item_id(1)]})
    assert both.status_code == 202, both.text

    split = await seed(2, value_vnd=SIXTY_MILLION)
    await _stored(custody_client, token, split, warehouses[WAREHOUSE][0], 2)
    splitter = staff(token, _someone())
    first = await custody_client.post("/transfers", headers=splitter, json={
        "from_warehouse_id": WAREHOUSE, "to_warehouse_id": OTHER_WAREHOUSE, "item_ids": [split.item_id(0)]})
    assert first.status_code == 201 and first.json()["status"] == "in_transit", first.text
    second = await custody_client.post("/transfers", headers=splitter, json={
        "from_warehouse_id": WAREHOUSE, "to_warehouse_id": OTHER_WAREHOUSE, "item_ids": [split.item_id(1)]})
    assert second.status_code == 202 and second.json()["status"] == "pending_confirmation", second.text
    # Someone else alone is another person's window: their own 60M goes through.
    other = await custody_client.post("/transfers", headers=staff(token, _someone()), json={
        "from_warehouse_id": WAREHOUSE, "to_warehouse_id": OTHER_WAREHOUSE, "item_ids": [split.item_id(1)]})
    assert other.status_code == 201, other.text


async def test_two_person_rule_holds_for_check_outs_one_at_a_time(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await seed(2, value_vnd=SIXTY_MILLION)
    await _stored(custody_client, token, seeded, warehouses[WAREHOUSE][0], 2)
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    one = staff(token, _someone())
    first = await custody_client.post(f"/items/{seeded.item_id(0)}/check-out", headers=one, json=_check_out(due))
    assert first.status_code == 201, first.text
    second = await custody_client.post(f"/items/{seeded.item_id(1)}/check-out", headers=one, json=_check_out(due))
    assert second.status_code == 202, second.text


async def test_two_person_rule_weighs_the_highest_value_ever_recorded(
    seed: SeedFactory, intake_client: httpx.AsyncClient, custody_client: httpx.AsyncClient, token: TokenFactory,
    warehouses: dict[str, list[str]], custody_dsn: str,
) -> None:
    seeded = await seed(1, value_vnd=150_000_000)
    await _stored(custody_client, token, seeded, warehouses[WAREHOUSE][0], 1)
    corrected = await intake_client.post(f"/items/{seeded.item_id(0)}/corrections", headers=bearer(token()), json={
        "value_vnd": 1_000, "reason": "định giá lại"})
    assert corrected.status_code == 201, corrected.text

    async def applied() -> list[Any] | None:
        rows = await fetch(custody_dsn, "SELECT value_vnd FROM item WHERE item_id = $1",
                           uuid.UUID(seeded.item_id(0)))
        return rows if rows[0]["value_vnd"] == 1_000 else None

    assert await eventually(applied, what="the correction in custody") is not None
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    asked = await custody_client.post(f"/items/{seeded.item_id(0)}/check-out", headers=staff(token, _someone()),
                                      json=_check_out(due))
    assert asked.status_code == 202, asked.text
    assert asked.json()["value_vnd"] == 150_000_000


async def test_a_board_member_of_another_unit_can_neither_place_nor_lift_a_hold(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(1)  # seized by QLTT-BN
    await _stored(custody_client, token, seeded, warehouses[WAREHOUSE][0], 1)
    item = seeded.item_id(0)
    foreign = bearer(token("board_member", user="board-hn", units=("QLTT-HN",), warehouses=(WAREHOUSE,)))
    own = bearer(token("board_member", user="board-bn", units=("QLTT-BN",), warehouses=(WAREHOUSE,)))
    unknown = await custody_client.post(f"/items/{uuid.uuid4()}/legal-hold", headers=foreign, json={"reason": "r"})
    placed = await custody_client.post(f"/items/{item}/legal-hold", headers=foreign, json={"reason": "r"})
    assert placed.status_code == 404 and placed.json()["error"]["code"] == unknown.json()["error"]["code"]
    placed_by_own = await custody_client.post(f"/items/{item}/legal-hold", headers=own, json={"reason": "r"})
    assert placed_by_own.status_code == 200, placed_by_own.text
    lifted = await custody_client.post(f"/items/{item}/legal-hold/lift", headers=foreign, json={"reason": "r"})
    assert lifted.status_code == 404, lifted.text
    rows = await fetch(custody_dsn, "SELECT on_hold FROM item WHERE item_id = $1", uuid.UUID(item))
    assert rows[0]["on_hold"] is True


async def test_staff_of_another_warehouse_cannot_count_an_item_kept_elsewhere(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str,
) -> None:
    seeded = await seed(1)
    await _stored(custody_client, token, seeded, warehouses[WAREHOUSE][0], 1)
    b_staff = staff(token, _someone(), (OTHER_WAREHOUSE,))
    opened = await custody_client.post("/counts", headers=b_staff, json={
        "warehouse_id": OTHER_WAREHOUSE, "location_code": warehouses[OTHER_WAREHOUSE][0]})
    assert opened.status_code == 201, opened.text
    count_id = opened.json()["count_id"]
    scanned = await custody_client.post(f"/counts/{count_id}/scans", headers=b_staff,
                                        json={"label": seeded.label(0)})
    assert scanned.status_code == 404 and scanned.json()["error"]["code"] == "unknown_item", scanned.text
    closed = await custody_client.post(f"/counts/{count_id}/close", headers=b_staff)
    assert closed.status_code == 200, closed.text
    listed = await fetch(custody_dsn, "SELECT 1 FROM discrepancy WHERE item_id = $1", uuid.UUID(seeded.item_id(0)))
    assert listed == []


async def test_two_person_rule_holds_for_a_handover_split_label_by_label(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str, disposal_dsn: str,
) -> None:
    seeded = await seed(2, value_vnd=SIXTY_MILLION)
    await _stored(custody_client, token, seeded, warehouses[WAREHOUSE][2], 2)
    batch = uuid.uuid4()
    await publish_disposal(disposal_dsn, "disposal.reservation_requested",
                           {"batch_id": str(batch), "item_ids": [seeded.item_id(0), seeded.item_id(1)]},
                           f"batch/{batch}")

    async def reserved() -> list[Any] | None:
        rows = await fetch(custody_dsn, "SELECT state FROM item WHERE item_id = ANY($1::uuid[])",
                           [uuid.UUID(seeded.item_id(k)) for k in range(2)])
        return rows if {r["state"] for r in rows} == {"reserved_for_disposal"} else None

    assert await eventually(reserved, what="both items reserved for the batch") is not None
    body = {"batch_id": str(batch), "warehouse_id": WAREHOUSE, "recipient": "Tổ tiêu hủy"}
    one = staff(token, _someone())
    first = await custody_client.post("/handovers", headers=one, json={**body, "labels": [seeded.label(0)]})
    assert first.status_code == 200 and first.json()["status"] == "handed_over", first.text
    second = await custody_client.post("/handovers", headers=one, json={**body, "labels": [seeded.label(1)]})
    assert second.status_code == 202 and second.json()["status"] == "pending_confirmation", second.text
