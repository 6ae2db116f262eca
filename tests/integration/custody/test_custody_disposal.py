"""Legal holds and the disposal contract: custody answers per item through events only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.integration.conftest import TokenFactory, bearer
from tests.integration.custody.conftest import WAREHOUSE, SeedFactory, fetch, publish_disposal, staff
from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.waiting import eventually


def board(token: TokenFactory) -> dict[str, str]:
    return bearer(token("board_member", user="board-1", warehouses=(WAREHOUSE,)))


async def _answers(dsn: str, batch_id: uuid.UUID, n: int) -> dict[str, tuple[str, str | None]]:
    async def probe() -> dict[str, tuple[str, str | None]] | None:
        rows = await fetch(dsn, """SELECT event_type, body->'data'->>'item_id' AS item_id,
                                          body->'data'->>'reason' AS reason FROM event
                                    WHERE body->'data'->>'batch_id' = $1 ORDER BY id""", str(batch_id))
        found = {r["item_id"]: (r["event_type"], r["reason"]) for r in rows}
        return found if len(rows) >= n else None

    result = await eventually(probe, what=f"{n} custody answers to batch {batch_id}")
    assert result is not None
    return result


async def test_only_board_members_place_holds_and_a_held_item_is_not_reserved_or_disposed(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str, disposal_dsn: str,
) -> None:
    seeded = await seed(6)
    for n in range(5):
        r = await custody_client.post("/scans/check-in", headers=staff(token), json={
            "label": seeded.label(n), "location_code": warehouses[WAREHOUSE][0]})
        assert r.status_code == 200, r.text
    held, out, free, lifted = seeded.item_id(0), seeded.item_id(1), seeded.item_id(2), seeded.item_id(3)
    by_staff = await custody_client.post(f"/items/{held}/legal-hold", headers=staff(token), json={"reason": "x"})
    assert by_staff.status_code == 403
    placed = await custody_client.post(f"/items/{held}/legal-hold", headers=board(token),
                                       json={"reason": "Quyết định tạm giữ của Viện kiểm sát"})
    assert placed.status_code == 200, placed.text
    assert (await custody_client.post(f"/items/{held}/legal-hold", headers=board(token),
                                      json={"reason": "again"})).status_code == 409
    for item_id in (lifted,):
        assert (await custody_client.post(f"/items/{item_id}/legal-hold", headers=board(token),
                                          json={"reason": "r"})).status_code == 200
        assert (await custody_client.post(f"/items/{item_id}/legal-hold/lift", headers=board(token),
                                          json={"reason": "dỡ bỏ"})).status_code == 200
    r = await custody_client.post(f"/items/{out}/check-out", headers=staff(token), json={
        "holder": "TAND", "holder_kind": "court", "purpose": "xét xử",
        "due_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()})
    assert r.status_code == 201, r.text

    batch = uuid.uuid4()
    unknown = uuid.uuid4()
    never_received = seeded.item_id(5)
    request = [held, out, free, lifted, never_received, str(unknown)]
    await publish_disposal(disposal_dsn, "disposal.reservation_requested",
                           {"batch_id": str(batch), "item_ids": request}, f"batch/{batch}")
    answers = await _answers(custody_dsn, batch, len(request))
    assert answers == {
        held: ("custody.item_unavailable", "on_hold"),
        out: ("custody.item_unavailable", "checked_out"),
        free: ("custody.item_reserved", None),
        lifted: ("custody.item_reserved", None),
        never_received: ("custody.item_unavailable", "not_in_storage"),
        str(unknown): ("custody.item_unavailable", "unknown_item"),
    }
    # A hold placed after the reservation still stops the handover and the execution.
    assert (await custody_client.post(f"/items/{lifted}/legal-hold", headers=board(token),
                                      json={"reason": "khiếu nại mới"})).status_code == 200
    handover = {"batch_id": str(batch), "warehouse_id": WAREHOUSE, "recipient": "Tổ tiêu hủy"}
    r = await custody_client.post("/handovers", headers=staff(token), json={**handover, "labels": [seeded.label(3)]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "item_on_hold"
    r = await custody_client.post("/handovers", headers=staff(token), json={**handover, "labels": [seeded.label(2)]})
    assert r.status_code == 200, r.text
    await publish_disposal(disposal_dsn, "disposal.items_executed", {
        "batch_id": str(batch), "method": "tiêu hủy bằng máy nghiền", "outcome": "disposed",
        "item_ids": [free, lifted, out]}, f"batch/{batch}")

    async def executed() -> list[Any] | None:
        rows = await fetch(custody_dsn, "SELECT item_id, state FROM item WHERE item_id = $1", uuid.UUID(free))
        return rows if rows and rows[0]["state"] == "disposed" else None

    await eventually(executed, what="the reserved item disposed")
    answers = await _answers(custody_dsn, batch, len(request) + 5)
    # Refused, and released: the executed batch no longer holds it.
    assert answers[lifted] == ("custody.reservation_released", None)
    assert answers[out] == ("custody.item_unavailable", "not_reserved")
    rows = await fetch(custody_dsn, "SELECT body->'data'->>'reason' AS reason FROM event WHERE event_type = "
                       "'custody.item_unavailable' AND body->'data'->>'item_id' = $1", lifted)
    assert [r["reason"] for r in rows] == ["on_hold"]
    item = (await custody_client.get(f"/items/{free}", headers=staff(token))).json()
    assert item["state"] == "disposed" and item["location_code"] is None


async def test_a_cancelled_batch_puts_its_reserved_items_back_in_storage(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str, disposal_dsn: str,
) -> None:
    seeded = await seed(2)
    for n in range(2):
        await custody_client.post("/scans/check-in", headers=staff(token), json={
            "label": seeded.label(n), "location_code": warehouses[WAREHOUSE][1]})
    batch = uuid.uuid4()
    ids = [seeded.item_id(0), seeded.item_id(1)]
    await publish_disposal(disposal_dsn, "disposal.reservation_requested", {"batch_id": str(batch),
                                                                            "item_ids": ids}, f"batch/{batch}")
    await _answers(custody_dsn, batch, 2)
    r = await custody_client.post(f"/items/{ids[0]}/check-out", headers=staff(token), json={
        "holder": "x", "holder_kind": "court", "purpose": "x",
        "due_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()})
    assert r.status_code == 409 and r.json()["error"]["code"] == "item_reserved_for_disposal"
    await publish_disposal(disposal_dsn, "disposal.batch_cancelled", {"batch_id": str(batch), "reason": "hủy"},
                           f"batch/{batch}")
    answers = await _answers(custody_dsn, batch, 4)
    assert {answers[i][0] for i in ids} == {"custody.reservation_released"}
    rows = await fetch(custody_dsn, "SELECT state, batch_id FROM item WHERE item_id = ANY($1::uuid[])",
                       [uuid.UUID(i) for i in ids])
    assert {(r["state"], r["batch_id"]) for r in rows} == {("in_storage", None)}
