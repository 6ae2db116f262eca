"""End to end, the three services together: a raid registered in bulk, received and put away,
counted, partly transferred to another warehouse, an item checked out to a lab and returned, an
item on legal hold, counterfeit goods handed over by two warehouse staff and destroyed by a board
before witnesses, smuggled goods auctioned — and then the auditor, from the Kafka log alone, finds
nothing and every count and VND balances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tangvat_audit.audit import run_audit
from tangvat_audit.log_reader import read_stream
from tangvat_shared.keys import load_public_key
from tangvat_shared.labels import sign_label
from tests.support.tokens import TokenFactory, bearer
from tests.support.waiting import eventually
from tests.support.world import (
    DISPOSAL_TEAM,
    EXECUTED_ON,
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
    wait_status,
    witnessed,
)

SHELF_BIN = f"{WAREHOUSE}.E-1"
OTHER = "KHO-BN-02"
OTHER_BIN = f"{OTHER}.A-1"


async def test_a_raid_from_seizure_to_destruction_and_auction_ends_in_a_clean_balanced_audit(
    world: World, seizure: SeizureFactory, token: TokenFactory, keys_dir: Path
) -> None:
    seized = await seizure([("counterfeit", 6), ("smuggled", 6)])  # registered, then checked in at BIN
    items = {str(i["item_id"]): i for i in seized.items}
    label = {item_id: sign_label(world.intake_key, i["item_id"], i["label_code"]) for item_id, i in items.items()}
    counterfeit = sorted(i for i, row in items.items() if row["category"] == "counterfeit")
    smuggled = sorted(i for i, row in items.items() if row["category"] == "smuggled")
    staff_here = bearer(token("warehouse_staff", user="kho-1", warehouses=(WAREHOUSE,)))
    staff_there = bearer(token("warehouse_staff", user="kho-2", warehouses=(OTHER,)))
    admin = bearer(token("admin", user="admin-1", units=("*",), warehouses=("*",)))

    # Put away on a shelf of their own (the world's receiving bin is shared with other tests).
    for code, kind, parent in ((f"{WAREHOUSE}.E", "zone", None), (f"{WAREHOUSE}.E1", "shelf", f"{WAREHOUSE}.E"),
                               (SHELF_BIN, "bin", f"{WAREHOUSE}.E1")):
        r = await world.custody.post(f"/warehouses/{WAREHOUSE}/locations", headers=admin,
                                     json={"location_code": code, "kind": kind, "parent_code": parent})
        assert r.status_code in (201, 409), r.text
    for item_id in items:
        moved_in = await world.custody.post("/scans/move", headers=staff_here,
                                            json={"label": label[item_id], "location_code": SHELF_BIN})
        assert moved_in.status_code == 200, moved_in.text

    # Kiểm kê: a blind count of that bin finds every item, and nothing else.
    opened = await world.custody.post("/counts", headers=staff_here,
                                      json={"warehouse_id": WAREHOUSE, "location_code": SHELF_BIN, "blind": True})
    assert opened.status_code == 201, opened.text
    count_id = opened.json()["count_id"]
    for item_id in items:
        scanned = await world.custody.post(f"/counts/{count_id}/scans", headers=staff_here,
                                           json={"label": label[item_id]})
        assert scanned.status_code == 200, scanned.text
    report = (await world.custody.post(f"/counts/{count_id}/close", headers=staff_here)).json()["report"]
    assert set(report["found"]) == set(items)
    assert report["missing"] == [] and report["unexpected"] == []

    # Two smuggled items go to another warehouse: dispatched by one person, received by another.
    r = await world.custody.post("/warehouses", headers=admin, json={"warehouse_id": OTHER, "name": "Kho Từ Sơn"})
    assert r.status_code in (201, 409), r.text
    for code, kind, parent in ((f"{OTHER}.A", "zone", None), (f"{OTHER}.A1", "shelf", f"{OTHER}.A"),
                               (OTHER_BIN, "bin", f"{OTHER}.A1")):
        r = await world.custody.post(f"/warehouses/{OTHER}/locations", headers=admin,
                                     json={"location_code": code, "kind": kind, "parent_code": parent})
        assert r.status_code in (201, 409), r.text
    moved = smuggled[:2]
    dispatched = await world.custody.post("/transfers", headers=staff_here, json={
        "from_warehouse_id": WAREHOUSE, "to_warehouse_id": OTHER, "item_ids": moved, "carrier": "Xe 99C-123"})
    assert dispatched.status_code == 201, dispatched.text
    transfer_id = dispatched.json()["transfer_id"]
    received = await world.custody.post(f"/transfers/{transfer_id}/receive", headers=staff_there,
                                        json={"labels": [label[i] for i in moved], "location_code": OTHER_BIN})
    assert received.status_code == 200, received.text
    assert (await world.custody.post(f"/transfers/{transfer_id}/close", headers=staff_there)).status_code == 200

    # One smuggled item goes to a lab (giám định) and comes back.
    sampled = smuggled[2]
    out = await world.custody.post(f"/items/{sampled}/check-out", headers=staff_here, json={
        "holder": "Viện Khoa học hình sự", "holder_kind": "lab", "purpose": "giám định nguồn gốc",
        "due_at": (datetime.now(UTC) + timedelta(days=7)).isoformat()})
    assert out.status_code == 201, out.text
    back = await world.custody.post(f"/items/{sampled}/return", headers=staff_here,
                                    json={"location_code": SHELF_BIN})
    assert back.status_code == 200, back.text

    # A court puts one counterfeit item on legal hold: it must survive the destruction.
    held = counterfeit[0]
    hold = await world.custody.post(f"/items/{held}/legal-hold", json={"reason": "Tòa án yêu cầu giữ làm chứng cứ"},
                                    headers=bearer(token("board_member", user="board-2", warehouses=(WAREHOUSE,))))
    assert hold.status_code == 200, hold.text

    # The hold reaches disposal's read model, so the board's proposal is refused at once, naming the
    # held item and the rule in words; the board then proposes the rest, the held item listed as left out.
    async def hold_known() -> bool:
        r = await world.disposal.get(f"/items/{held}", headers=member(token))
        return r.status_code == 200 and r.json()["on_hold"] is True

    await eventually(hold_known, what="disposal's read model shows the legal hold")
    counterfeit_filter = {"seizure_id": seized.seizure_id, "category": "counterfeit"}
    r = await propose(world, token, filter=counterfeit_filter)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["code"], error["message"]) == ("ineligible_items", "1 of 6 items cannot be proposed")
    refusals = error["details"]["refusals"]
    assert [{k: r[k] for k in ("item_id", "rule", "detail")} for r in refusals] == [
        {"item_id": held, "rule": "on_legal_hold", "detail": "the item is on legal hold"}]
    assert refusals[0]["label_code"] and refusals[0]["description"]  # named for the board, not by its id
    r = await propose(world, token, filter=counterfeit_filter, skip_ineligible=True)
    assert r.status_code == 201, r.text
    assert r.json()["details"]["item_count"] == 5
    assert [e["item_id"] for e in r.json()["details"]["excluded"]] == [held]
    destroy_id = r.json()["batch_id"]
    await approve(world, token, destroy_id, MEMBERS[1:4])
    ready = await wait_status(world, token, destroy_id, "ready")
    assert ready["reservation"] == {"reserved": 5}
    destroyed = [i for i in counterfeit if i != held]

    # Nothing is destroyed before custody's staff hand the goods over to the destruction team; their
    # value is above the two-person threshold, so a second, different staff member confirms.
    r = await world.disposal.post(f"/batches/{destroy_id}/execution", headers=member(token),
                                  json=destruction(confirmed_item_ids=destroyed))
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_handed_over", r.text
    assert set(r.json()["error"]["details"]["item_ids"]) == set(destroyed)
    asked = await world.custody.post("/handovers", headers=staff_here, json={
        "batch_id": destroy_id, "warehouse_id": WAREHOUSE, "recipient": DISPOSAL_TEAM})
    assert asked.status_code == 202, asked.text
    confirm = f"/approvals/{asked.json()['approval_id']}/confirm"
    same = await world.custody.post(confirm, headers=staff_here)
    assert same.status_code == 422 and same.json()["error"]["code"] == "two_person_rule"
    second = bearer(token("warehouse_staff", user="kho-3", warehouses=(WAREHOUSE,)))
    confirmed = await world.custody.post(confirm, headers=second)
    assert confirmed.status_code == 200 and confirmed.json()["items"] == 5, confirmed.text
    await wait_status(world, token, destroy_id, "ready", lambda b: b["handed_over"] == 5)
    # Witnesses of this raid only: the world is shared, and the previous destruction's pair may not return.
    await witnessed(world, token, destroy_id, ("witness-raid-1", "witness-raid-2"))
    r = await world.disposal.post(f"/batches/{destroy_id}/execution", headers=member(token),
                                  json=destruction(confirmed_item_ids=destroyed))
    assert r.status_code == 200, r.text
    await wait_status(world, token, destroy_id, "executed", lambda b: b["outcomes"] == {"disposed": 5})

    # The smuggled goods still in the first warehouse are auctioned.
    auctioned = smuggled[2:]
    r = await propose(world, token, auctioned, method="auction", reason="Hàng nhập lậu, bán đấu giá sung quỹ")
    assert r.status_code == 201, r.text
    auction_id = r.json()["batch_id"]
    await approve(world, token, auction_id, MEMBERS[1:4])
    await wait_status(world, token, auction_id, "ready")
    await hand_over(world, token, auction_id)
    r = await world.disposal.post(f"/batches/{auction_id}/execution", headers=member(token), json={
        "executed_on": EXECUTED_ON, "proceeds_vnd": 48_500_000, "buyer_reference": "HĐ-ĐG-2022/117"})
    assert r.status_code == 200, r.text
    executed = await wait_status(world, token, auction_id, "executed", lambda b: sum(b["outcomes"].values()) == 4)

    async def custody_states() -> dict[str, str]:
        rows = await fetch(world.custody_dsn, "SELECT item_id::text AS item_id, state FROM item "
                           "WHERE seizure_id = $1::uuid", seized.seizure_id)
        return {r["item_id"]: r["state"] for r in rows}

    states = await custody_states()
    assert {states[i] for i in destroyed} == {"disposed"}
    assert states[held] == "in_storage"
    auction_outcome = next(iter(executed["outcomes"]))
    assert {states[i] for i in auctioned} == {auction_outcome}

    # The auditor, from the Kafka log alone: every chain verifies, every step has its cause,
    # and the seizure balances in items, quantity and VND.
    logs = {"intake": await read_stream(world.bootstrap, world.topics.intake),
            "custody": await read_stream(world.bootstrap, world.topics.custody),
            "disposal": await read_stream(world.bootstrap, world.topics.disposal)}
    keys = {s: load_public_key((keys_dir / f"{s}.pub.pem").read_bytes()) for s in logs}
    result = run_audit(logs, keys)
    # The world's topics also carry the other disposal tests' cases: every chain must verify, and
    # nothing about this raid's items or batches may be found wrong.
    ours = set(items) | {destroy_id, auction_id, seized.seizure_id}
    relevant = [f.as_dict() for f in result.findings
                if f.subject is None or any(ref in f"{f.subject} {f.detail}" for ref in ours)]
    assert relevant == []
    assert await dead_letters_about(world, [*items, destroy_id, auction_id]) == []
    balance = result.conservation[seized.seizure_id]
    assert balance["balanced"]
    assert balance["registered_items"] == 12
    assert balance["registered_value_vnd"] == sum(int(i["value_vnd"]) for i in seized.items)
    by_state = {state: bucket["items"] for state, bucket in balance["by_state"].items()}
    assert by_state == {"disposed": 5, auction_outcome: 4, "in_storage": 3} if auction_outcome != "disposed" else {
        "disposed": 9, "in_storage": 3}
