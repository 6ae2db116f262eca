"""The reservation saga with the real custody service, cancellation, partial execution, witness rules,
the other methods, and the batch state machine's refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.tokens import TokenFactory, bearer
from tests.support.waiting import eventually
from tests.support.world import (
    DISPOSAL_TEAM,
    EXECUTED_ON,
    MEMBERS,
    STAFF,
    WAREHOUSE,
    SeizureFactory,
    World,
    approve,
    destruction,
    fetch,
    hand_over,
    member,
    propose,
    staff,
    wait_status,
    witness,
    witness_headers,
    witnessed,
)


async def _custody_states(world: World, item_ids: list[str]) -> dict[str, str]:
    rows = await fetch(world.custody_dsn, "SELECT item_id::text, state FROM item WHERE item_id = ANY($1::uuid[])",
                       item_ids)
    return {r["item_id"]: r["state"] for r in rows}


async def test_an_item_checked_out_after_the_proposal_is_shown_unavailable_and_the_rest_is_executed(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 3)])
    batch_id = (await propose(world, token, seized.all_ids)).json()["batch_id"]
    out = seized.all_ids[0]
    # Someone who has moved nothing alone today: the shared world's STAFF has, and the two-person rule counts
    # what one person moves alone within its window (the check-out would wait for a second person).
    r = await world.custody.post(f"/items/{out}/check-out", headers=staff(token, "kho-court-runner"), json={
        "holder": "TAND tỉnh Bắc Ninh", "holder_kind": "court", "purpose": "Xét xử",
        "due_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()})
    assert r.status_code == 201, r.text
    await approve(world, token, batch_id)
    ready = await wait_status(world, token, batch_id, "ready")
    assert ready["reservation"] == {"reserved": 2, "unavailable": 1}
    assert ready["unavailable"] == [{"item_id": out, "reason": "checked_out"}]
    await hand_over(world, token, batch_id)

    # Per-item scan confirmation must name exactly the reserved items.
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token),
                                  json=destruction(confirmed_item_ids=seized.all_ids))
    assert r.status_code == 422 and r.json()["error"]["code"] == "confirmation_mismatch"
    assert r.json()["error"]["details"]["not_reserved"] == [out]
    await witnessed(world, token, batch_id, ("witness-c", "witness-d"))
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token), json=destruction())
    assert r.status_code == 200, r.text
    done = await wait_status(world, token, batch_id, "executed", lambda b: b["outcomes"] == {"disposed": 2})
    assert done["unavailable"] == [{"item_id": out, "reason": "checked_out"}]  # never silently dropped
    assert await _custody_states(world, seized.all_ids) == {
        out: "checked_out", seized.all_ids[1]: "disposed", seized.all_ids[2]: "disposed"}
    r = await world.disposal.get(f"/batches/{batch_id}/items", headers=member(token))
    assert {(i["item_id"], i["reservation"], i["handed_over"], i["executed"], i["outcome"]) for i in r.json()} == {
        (out, "unavailable", False, False, None), (seized.all_ids[1], "reserved", True, True, "disposed"),
        (seized.all_ids[2], "reserved", True, True, "disposed")}


async def test_cancelling_a_ready_batch_releases_its_reservations_in_custody(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 2)])
    batch_id = (await propose(world, token, seized.all_ids)).json()["batch_id"]
    await approve(world, token, batch_id)
    await wait_status(world, token, batch_id, "ready")
    assert set((await _custody_states(world, seized.all_ids)).values()) == {"reserved_for_disposal"}
    # One item already with the disposal team: the cancellation brings it back too.
    await hand_over(world, token, batch_id, labels=[seized.label(0)])
    assert sorted((await _custody_states(world, seized.all_ids)).values()) == ["handed_over", "reserved_for_disposal"]
    r = await world.disposal.post(f"/batches/{batch_id}/cancel", headers=member(token, MEMBERS[1]),
                                  json={"reason": "Có khiếu nại mới"})
    assert r.status_code == 200, r.text
    await wait_status(world, token, batch_id, "cancelled", lambda b: b["reservation"] == {"released": 2})
    assert set((await _custody_states(world, seized.all_ids)).values()) == {"in_storage"}
    # Cancelled is final, and the items may be proposed again.
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token), json=destruction())
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    r = await world.disposal.post(f"/batches/{batch_id}/cancel", headers=member(token), json={"reason": "again"})
    assert r.status_code == 409 and r.json()["error"]["details"] == {"from": "cancelled", "to": "cancelled"}
    assert (await propose(world, token, seized.all_ids)).status_code == 201


async def test_witnesses_are_outsiders_to_the_chain_of_custody_and_never_the_previous_pair(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    batches = []
    for _ in range(2):
        seized = await seizure([("counterfeit", 1)])
        batch_id = (await propose(world, token, seized.all_ids)).json()["batch_id"]
        await approve(world, token, batch_id)
        await wait_status(world, token, batch_id, "ready")
        await hand_over(world, token, batch_id)
        batches.append(batch_id)
    first, second = batches
    confirm = f"/batches/{first}/execution/witnesses"
    # A witness is a person signed in as themselves: the body names nobody, and another unit's witness finds no
    # such batch.
    r = await world.disposal.post(confirm, headers=witness_headers(token, "witness-e"),
                                  json={"user_id": "witness-x", "name": "Ông X"})
    assert r.status_code == 422, r.text
    r = await world.disposal.post(confirm, headers=witness_headers(token, "witness-e", units=("QLTT-HN",)),
                                  json={"name": "Ông E"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_batch", r.text
    r = await world.disposal.post(f"/batches/{first}/execution", headers=member(token),
                                  json=destruction(witnesses=[{"user_id": "witness-e", "name": "Ông E"}]))
    assert r.status_code == 422, r.text
    # Whoever handled the item is in its chain of custody by any spelling of their id, and so is the disposal
    # team custody handed it to.
    for spelled in (STAFF, f"{STAFF.upper()} ", f" {STAFF}", DISPOSAL_TEAM.upper()):
        [r] = await witness(world, token, first, spelled)
        assert r.status_code == 422 and r.json()["error"]["code"] == "witness_in_chain_of_custody", (spelled, r.text)
        assert r.json()["error"]["details"][0]["witness"] == spelled.strip().lower()
    assert [r.status_code for r in await witness(world, token, first, "witness-e", "WITNESS-E ")] == [200, 409]
    r = await world.disposal.post(f"/batches/{first}/execution", headers=member(token), json=destruction())
    assert r.json()["error"]["code"] == "too_few_witnesses"
    await witnessed(world, token, first, ("witness-f",))
    r = await world.disposal.post(f"/batches/{first}/execution", headers=member(token), json=destruction(evidence=[]))
    assert r.json()["error"]["code"] == "evidence_required"
    # The execution's date: after the board's approval, not in the future.
    r = await world.disposal.post(f"/batches/{first}/execution", headers=member(token),
                                  json=destruction(executed_on="1900-01-01"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "executed_before_approval", r.text
    later = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    r = await world.disposal.post(f"/batches/{first}/execution", headers=member(token),
                                  json=destruction(executed_on=later))
    assert r.status_code == 422 and r.json()["error"]["code"] == "executed_in_future", r.text
    r = await world.disposal.post(f"/batches/{first}/execution", headers=member(token), json=destruction())
    assert r.status_code == 200, r.text
    executed = await wait_status(world, token, first, "executed")
    assert [w["user_id"] for w in executed["execution"]["witnesses"]] == ["witness-e", "witness-f"]
    # The unit's next destruction may not have the same pair again, however spelled; a third does not help.
    await witnessed(world, token, second, (" Witness-F", "witness-g", "witness-e"))
    r = await world.disposal.post(f"/batches/{second}/execution", headers=member(token), json=destruction())
    assert r.status_code == 422 and r.json()["error"]["code"] == "same_witness_pair", r.text
    assert r.json()["error"]["details"] == {"repeated": ["witness-e", "witness-f"]}
    r = await world.disposal.post(f"/batches/{first}/execution", headers=member(token), json=destruction())
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    [r] = await witness(world, token, first, "witness-h")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_ready", r.text


async def test_an_auction_records_integer_proceeds_and_a_return_releases_to_the_owner(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    smuggled = await seizure([("smuggled", 1)])
    released = await seizure([("smuggled", 1)], legal="release_ordered")
    auction = (await propose(world, token, smuggled.all_ids, method="auction")).json()["batch_id"]
    give_back = (await propose(world, token, released.all_ids, method="return")).json()["batch_id"]
    # Nothing happens before the board decides.
    r = await world.disposal.post(f"/batches/{auction}/execution", headers=member(token),
                                  json={"executed_on": EXECUTED_ON, "proceeds_vnd": 1, "buyer_reference": "x"})
    assert r.status_code == 409 and r.json()["error"]["details"] == {"from": "proposed", "to": "executed"}
    for batch_id in (auction, give_back):
        await approve(world, token, batch_id)
        await wait_status(world, token, batch_id, "ready")
        await hand_over(world, token, batch_id)
    r = await world.disposal.post(f"/batches/{auction}/execution", headers=member(token),
                                  json={"executed_on": EXECUTED_ON, "proceeds_vnd": 12.5, "buyer_reference": "HĐ-1"})
    assert r.status_code == 422  # money is integer VND
    r = await world.disposal.post(f"/batches/{auction}/execution", headers=member(token),
                                  json={"executed_on": EXECUTED_ON})
    assert r.status_code == 422 and r.json()["error"]["code"] == "missing_fields"
    r = await world.disposal.post(f"/batches/{auction}/execution", headers=member(token), json={
        "executed_on": EXECUTED_ON, "proceeds_vnd": 125_000_000, "buyer_reference": "Hợp đồng đấu giá 17/2022"})
    assert r.status_code == 200, r.text
    r = await world.disposal.post(f"/batches/{give_back}/execution", headers=member(token), json={
        "executed_on": EXECUTED_ON, "owner_name": "Công ty TNHH XYZ", "receipt_reference": "Biên nhận 5/2022"})
    assert r.status_code == 200, r.text
    sold = await wait_status(world, token, auction, "executed", lambda b: b["outcomes"] == {"disposed": 1})
    assert sold["execution"]["proceeds_vnd"] == 125_000_000
    await wait_status(world, token, give_back, "executed", lambda b: b["outcomes"] == {"released": 1})
    assert await _custody_states(world, smuggled.all_ids + released.all_ids) == {
        smuggled.all_ids[0]: "disposed", released.all_ids[0]: "released"}
    r = await world.disposal.get(f"/batches/{auction}/certificate.pdf", headers=member(token))
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_an_executed_destruction"


async def test_a_transfer_needs_the_receiving_agencys_acknowledgement(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    smuggled = await seizure([("smuggled", 1)])
    batch_id = (await propose(world, token, smuggled.all_ids, method="transfer")).json()["batch_id"]
    await approve(world, token, batch_id)
    await wait_status(world, token, batch_id, "ready")
    await hand_over(world, token, batch_id)
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token),
                                  json={"executed_on": EXECUTED_ON, "receiving_agency": "Bệnh viện tỉnh"})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["loc"] == ["body", "acknowledgement_reference"]
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token), json={
        "executed_on": EXECUTED_ON, "receiving_agency": "Bệnh viện tỉnh", "acknowledgement_reference": "CV 88/BV"})
    assert r.status_code == 200, r.text
    await wait_status(world, token, batch_id, "executed", lambda b: b["outcomes"] == {"disposed": 1})
    r = await world.disposal.get(f"/batches/{batch_id}/certificate.pdf", headers=member(token))
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_an_executed_destruction"


async def test_an_item_the_execution_refuses_is_released_and_may_be_proposed_again(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 2)])
    batch_id = (await propose(world, token, seized.all_ids)).json()["batch_id"]
    await approve(world, token, batch_id)
    await wait_status(world, token, batch_id, "ready")
    await hand_over(world, token, batch_id)
    # A court holds one item after it left the shelves: custody refuses to destroy it.
    held = seized.all_ids[0]
    r = await world.custody.post(f"/items/{held}/legal-hold", json={"reason": "Tòa án yêu cầu giữ làm chứng cứ"},
                                 headers=bearer(token("board_member", user=MEMBERS[1], warehouses=(WAREHOUSE,))))
    assert r.status_code == 200, r.text
    await witnessed(world, token, batch_id, ("witness-r", "witness-s"))
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token), json=destruction())
    assert r.status_code == 200, r.text
    # The refusal and the release are two custody events: disposal may fold them in two transactions.
    done = await wait_status(world, token, batch_id, "executed",
                             lambda b: b["outcomes"] == {"disposed": 1, "refused:on_hold": 1}
                             and b["reservation"] == {"reserved": 1, "released": 1})
    assert done["reservation"] == {"reserved": 1, "released": 1}
    assert await _custody_states(world, seized.all_ids) == {held: "in_storage", seized.all_ids[1]: "disposed"}

    async def free() -> bool:
        rows = await fetch(world.disposal_dsn, "SELECT batch_id FROM item WHERE item_id = $1::uuid", held)
        return rows[0]["batch_id"] is None

    await eventually(free, what="disposal frees the refused item")
