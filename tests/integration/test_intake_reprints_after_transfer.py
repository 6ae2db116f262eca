"""A label reprint follows the item: after custody transfers it to another warehouse, that warehouse's staff
reprint its label (the label says so) and the staff of the warehouse that sent it away get the unknown item's 404.
Intake learns it from custody's transfer events through its own consumer (the world runs it)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.tokens import TokenFactory, bearer
from tests.support.waiting import eventually
from tests.support.world import WAREHOUSE, SeizureFactory, World, staff

THERE = "KHO-BN-07"
THERE_BIN = f"{THERE}.R-1"


async def _reprint(world: World, item_id: str, headers: dict[str, str]) -> httpx.Response:
    return await world.intake.post(f"/items/{item_id}/label-reprints", headers=headers,
                                   json={"reason": "damaged", "format": "zpl"})


async def test_after_a_transfer_the_receiving_warehouse_reprints_the_label_and_the_sender_no_longer_can(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 2)])
    moved, stayed = seized.ids(0, 1)
    # Its own keeper: the world's usual staff may have moved things alone today (the two-person window).
    here = staff(token, user="kho-reprint-transfer")
    there = bearer(token("warehouse_staff", user="kho-there", warehouses=(THERE,)))
    admin = bearer(token("admin", user="admin-1", units=("*",), warehouses=("*",)))
    r = await world.custody.post("/warehouses", headers=admin, json={"warehouse_id": THERE, "name": "Kho Quế Võ"})
    assert r.status_code in (201, 409), r.text
    for code, kind, parent in ((f"{THERE}.R", "zone", None), (f"{THERE}.R1", "shelf", f"{THERE}.R"),
                               (THERE_BIN, "bin", f"{THERE}.R1")):
        r = await world.custody.post(f"/warehouses/{THERE}/locations", headers=admin,
                                     json={"location_code": code, "kind": kind, "parent_code": parent})
        assert r.status_code in (201, 409), r.text

    # Before the transfer: the registering warehouse's staff reprint, the other warehouse's do not see it.
    assert (await _reprint(world, moved, here)).status_code == 201
    before = await _reprint(world, moved, there)
    assert before.status_code == 404, before.text

    dispatched = await world.custody.post("/transfers", headers=here, json={
        "from_warehouse_id": WAREHOUSE, "to_warehouse_id": THERE, "item_ids": [moved], "carrier": "Xe 99C-456"})
    assert dispatched.status_code == 201, dispatched.text
    received = await world.custody.post(f"/transfers/{dispatched.json()['transfer_id']}/receive", headers=there,
                                        json={"labels": [seized.label(0)], "location_code": THERE_BIN})
    assert received.status_code == 200, received.text

    async def reprinted_there() -> dict[str, Any] | None:
        r = await _reprint(world, moved, there)
        return r.json() if r.status_code == 201 else None

    reprint = await eventually(reprinted_there, what="the receiving warehouse's reprint")
    assert reprint is not None and reprint["format"] == "zpl"
    label = await world.intake.get(reprint["label_url"], headers=there)
    assert label.status_code == 200, label.text
    assert f"Kho: {THERE}" in label.text, label.text  # the label names the warehouse that holds it now

    refused = await _reprint(world, moved, here)
    assert refused.status_code == 404, refused.text
    history = await world.intake.get(f"/items/{moved}/history", headers=here)
    assert history.status_code == 404, history.text
    # The item that stayed is still the sender's.
    assert (await _reprint(world, stayed, here)).status_code == 201
    assert (await _reprint(world, stayed, there)).status_code == 404
