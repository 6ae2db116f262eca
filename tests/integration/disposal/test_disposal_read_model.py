"""The read model folds intake's and custody's streams in whatever order they arrive; commands replay."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel

from tangvat_disposal.handlers import HANDLERS
from tangvat_shared.consumer import Event
from tangvat_shared.db import connect
from tangvat_shared.envelope import Actor
from tangvat_shared.events.registry import spec_for
from tests.support.events import new_envelope
from tests.support.tokens import TokenFactory
from tests.support.world import UNIT, WAREHOUSE, SeizureFactory, World, member, propose


def _event(event_type: str, data: dict[str, Any], user: str = "kho-2", role: str = "warehouse_staff") -> Event:
    model: type[BaseModel] = spec_for(event_type).model
    envelope = new_envelope(source=event_type.split(".")[0], type=event_type, schemaversion=1,
                            subject=f"item/{data['item_id']}", data=data, actor=Actor(user_id=user, role=role))
    return Event(envelope, model.model_validate(data), "t", 0, 0)


async def test_a_custody_event_folded_before_the_items_registration_is_not_lost(world: World,
                                                                                token: TokenFactory) -> None:
    item_id, seizure_id = str(uuid.uuid4()), str(uuid.uuid4())
    received = _event("custody.item_received", {
        "item_id": item_id, "warehouse_id": WAREHOUSE, "location_code": "KHO-BN-01.D-1", "quantity_expected": 1,
        "quantity_counted": 1, "condition": "intact", "seal_intact": True})
    registered = _event("intake.item_registered", {
        "item_id": item_id, "seizure_id": seizure_id, "seizing_unit": UNIT, "category": "counterfeit",
        "description": "Giày giả", "brand": None, "quantity": 1, "unit": "đôi", "value_vnd": 100_000,
        "perishable": False, "hazardous": False, "condition": "intact", "photos": [], "label_code": "X-1",
        "warehouse_id": WAREHOUSE}, user="officer-1", role="intake_officer")
    conn = await connect(world.disposal_dsn)
    try:
        async with conn.transaction():
            await HANDLERS["custody.item_received"](conn, [received])
        async with conn.transaction():
            await HANDLERS["intake.item_registered"](conn, [registered])
    finally:
        await conn.close()
    r = await world.disposal.get(f"/items/{item_id}", headers=member(token))
    assert r.status_code == 200, r.text
    assert (r.json()["custody_state"], r.json()["custody_actors"]) == ("in_storage", ["kho-2"])
    assert r.json()["legal_status"] is None
    assert (await world.disposal.get(f"/items/{uuid.uuid4()}", headers=member(token))).status_code == 404
    # Another unit's item is unknown to its board: the same answer as an id nobody registered.
    elsewhere = await world.disposal.get(f"/items/{item_id}", headers=member(token, units=("QLTT-HN",)))
    assert elsewhere.status_code == 404 and elsewhere.json()["error"]["code"] == "unknown_item", elsewhere.text


async def test_a_retried_proposal_with_the_same_idempotency_key_replays_the_first_answer(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 1)])
    body = {"unit": UNIT, "method": "destroy", "reason": "Hàng giả", "item_ids": seized.all_ids}
    headers = {**member(token), "Idempotency-Key": f"propose-{uuid.uuid4()}"}
    first = await world.disposal.post("/batches", json=body, headers=headers)
    again = await world.disposal.post("/batches", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    reused = await world.disposal.post("/batches", json={**body, "reason": "khác"}, headers=headers)
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"
    r = await propose(world, token, seized.all_ids)
    assert r.status_code == 422  # one batch, not two
