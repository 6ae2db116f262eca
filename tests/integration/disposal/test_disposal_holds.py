"""Legal holds reach disposal: a held item is refused at proposal time, and a hold placed after the
reservation no longer strands the batch — the board drops the item with a reason, custody puts it back
in storage (still on hold), and the rest is destroyed; the auditor finds nothing wrong with the batch."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tangvat_audit.audit import run_audit
from tangvat_audit.log_reader import read_stream
from tangvat_shared.keys import load_public_key
from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.tokens import TokenFactory, bearer
from tests.support.waiting import eventually
from tests.support.world import (
    BIN,
    MEMBERS,
    WAREHOUSE,
    SeizureFactory,
    World,
    approve,
    dead_letters_about,
    destruction,
    fetch,
    hand_over,
    member,
    propose,
    staff,
    wait_status,
    witnessed,
)

COURT = "Tòa án nhân dân tỉnh Bắc Ninh yêu cầu giữ làm chứng cứ"


def _judge(token: TokenFactory) -> dict[str, str]:
    return bearer(token("board_member", user=MEMBERS[1], warehouses=(WAREHOUSE,)))


async def _on_hold_in_disposal(world: World, token: TokenFactory, item_id: str, expected: bool) -> None:
    async def shown() -> bool:
        r = await world.disposal.get(f"/items/{item_id}", headers=member(token))
        assert r.status_code == 200, r.text
        return r.json()["on_hold"] is expected

    await eventually(shown, what=f"disposal's read model shows item {item_id} on_hold={expected}")


async def test_a_hold_placed_in_custody_refuses_the_proposal_until_it_is_lifted(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 2)])
    held, free = seized.all_ids
    r = await world.custody.post(f"/items/{held}/legal-hold", json={"reason": COURT}, headers=_judge(token))
    assert r.status_code == 200, r.text
    await _on_hold_in_disposal(world, token, held, True)
    await _on_hold_in_disposal(world, token, free, False)

    r = await propose(world, token, seized.all_ids)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "ineligible_items" and error["message"] == "1 of 2 items cannot be proposed"
    refusals = error["details"]["refusals"]
    assert [{k: r[k] for k in ("item_id", "rule", "detail")} for r in refusals] == [
        {"item_id": held, "rule": "on_legal_hold", "detail": "the item is on legal hold"}]
    assert refusals[0]["label_code"] and refusals[0]["description"]  # named for the board, not by its id

    r = await world.custody.post(f"/items/{held}/legal-hold/lift", json={"reason": "Tòa án đã xét xử xong"},
                                 headers=_judge(token))
    assert r.status_code == 200, r.text
    await _on_hold_in_disposal(world, token, held, False)
    r = await propose(world, token, seized.all_ids)
    assert r.status_code == 201, r.text
    assert r.json()["details"]["item_count"] == 2 and r.json()["details"]["excluded"] == []
    assert await dead_letters_about(world, seized.all_ids) == []


async def test_a_hold_after_the_reservation_is_dropped_from_the_batch_and_the_rest_is_destroyed(
    world: World, seizure: SeizureFactory, token: TokenFactory, keys_dir: Path,
) -> None:
    seized = await seizure([("counterfeit", 3)])
    held, kept = seized.all_ids[0], seized.all_ids[1:]
    batch_id = (await propose(world, token, seized.all_ids)).json()["batch_id"]
    await approve(world, token, batch_id)
    assert (await wait_status(world, token, batch_id, "ready"))["reservation"] == {"reserved": 3}

    # A court holds one item after it was reserved: custody will not hand it over, disposal will not
    # execute without it.
    r = await world.custody.post(f"/items/{held}/legal-hold", json={"reason": COURT}, headers=_judge(token))
    assert r.status_code == 200, r.text
    await _on_hold_in_disposal(world, token, held, True)
    await hand_over(world, token, batch_id, labels=[seized.label(1), seized.label(2)])
    r = await world.custody.post("/handovers", headers=staff(token), json={
        "batch_id": batch_id, "warehouse_id": WAREHOUSE, "recipient": "Tổ tiêu hủy", "labels": [seized.label(0)]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "item_on_hold", r.text
    await witnessed(world, token, batch_id, ("witness-hold-1", "witness-hold-2"))
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token), json=destruction())
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_handed_over", r.text
    assert r.json()["error"]["details"]["item_ids"] == [held]

    # Refusals first: bad input, an item of no batch, a board member of another unit, the last item rule.
    drop = f"/batches/{batch_id}/items/{held}/drop"
    r = await world.disposal.post(drop, headers=member(token), json={"reason": ""})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input", r.text
    r = await world.disposal.post(f"/batches/{batch_id}/items/{uuid.uuid4()}/drop", headers=member(token),
                                  json={"reason": "nhầm"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "item_not_in_batch", r.text
    # Another unit's board member finds no such batch (404, as for an unknown id: no oracle for where it is).
    r = await world.disposal.post(drop, headers=member(token, units=("QLTT-HN",)), json={"reason": COURT})
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_batch", r.text

    # The board drops it, with the court's reason; a retry with the same key replays the answer.
    body = {"reason": COURT, "deferred": True}
    headers = {**member(token, MEMBERS[2]), "Idempotency-Key": f"drop-{uuid.uuid4()}"}
    first = await world.disposal.post(drop, headers=headers, json=body)
    assert first.status_code == 200, first.text
    assert first.json()["details"] == {"item_id": held, "reservation": "dropped", "deferred": True, "reason": COURT}
    again = await world.disposal.post(drop, headers=headers, json=body)
    assert (again.status_code, again.json()) == (200, first.json())
    r = await world.disposal.post(drop, headers=member(token), json=body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_dropped", r.text

    async def back_in_storage() -> dict[str, Any] | None:
        rows = await fetch(world.custody_dsn, "SELECT state, on_hold, batch_id, location_code FROM item "
                           "WHERE item_id = $1::uuid", held)
        return dict(rows[0]) if rows[0]["state"] == "in_storage" else None

    # Back in storage on the shelf it was reserved on, still on hold, no longer held for the batch.
    assert await eventually(back_in_storage, what="custody releases the dropped item") == {
        "state": "in_storage", "on_hold": True, "batch_id": None, "location_code": BIN}

    # The rest proceeds: execution no longer waits for the dropped item.
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token),
                                  json=destruction(confirmed_item_ids=kept))
    assert r.status_code == 200, r.text
    assert r.json()["details"] == {"executed_items": 2}
    done = await wait_status(world, token, batch_id, "executed", lambda b: b["outcomes"] == {"disposed": 2})
    assert done["reservation"] == {"reserved": 2, "dropped": 1}
    assert [(d["item_id"], d["reason"], d["deferred"], d["dropped_by"]) for d in done["dropped"]] == [
        (held, COURT, True, MEMBERS[2])]
    r = await world.disposal.get(f"/batches/{batch_id}/items", headers=member(token))
    rows = {i["item_id"]: i for i in r.json()}
    assert (rows[held]["reservation"], rows[held]["drop_reason"], rows[held]["executed"]) == ("dropped", COURT, False)
    assert {rows[i]["outcome"] for i in kept} == {"disposed"}
    states = await fetch(world.custody_dsn, "SELECT item_id::text, state, on_hold FROM item "
                         "WHERE item_id = ANY($1::uuid[])", seized.all_ids)
    assert {r["item_id"]: (r["state"], r["on_hold"]) for r in states} == {
        held: ("in_storage", True), kept[0]: ("disposed", False), kept[1]: ("disposed", False)}
    r = await world.disposal.post(f"/batches/{batch_id}/items/{kept[0]}/drop", headers=member(token),
                                  json={"reason": "quá muộn"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "batch_executed", r.text
    assert "executed" in r.json()["error"]["message"]

    # The certificate lists the dropped item with the board's reason, and only the destroyed ones as destroyed.
    r = await world.disposal.get(f"/batches/{batch_id}/certificate.pdf", headers=member(token))
    assert r.status_code == 200, r.text
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert "rút khỏi lô" in text and COURT[:30] in text and "hoãn" in text
    assert "Số mặt hàng: 2" in text

    # The auditor, from the log alone: the drop is the release's cause; nothing about this batch is wrong.
    logs = {"intake": await read_stream(world.bootstrap, world.topics.intake),
            "custody": await read_stream(world.bootstrap, world.topics.custody),
            "disposal": await read_stream(world.bootstrap, world.topics.disposal)}
    keys = {s: load_public_key((keys_dir / f"{s}.pub.pem").read_bytes()) for s in logs}
    result = run_audit(logs, keys)
    ours = {*seized.all_ids, batch_id}
    assert [f.as_dict() for f in result.findings
            if f.subject is None or any(ref in f"{f.subject} {f.detail}" for ref in ours)] == []
    assert result.ledger.batches[batch_id].dropped == {held}  # disposal.item_dropped is on the log
    assert result.ledger.items[held].state == "in_storage" and result.ledger.items[held].status.on_hold
    assert await dead_letters_about(world, [*seized.all_ids, batch_id]) == []
