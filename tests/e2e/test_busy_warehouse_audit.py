"""An audit of a warehouse in the middle of a working day, not after everything came back.

At one moment the stack holds items awaiting receipt, on shelves, packed in a container, in transit,
checked out (one overdue), on legal hold, reserved, handed over, disposed of, auctioned, returned to
their owner (by a board's batch, and at the counter on a release order with no board), missing from a
count and from a transfer, and back from a cancelled batch. The auditor replays the Kafka log,
reconciles it with the three services' databases, and must find nothing: the replayed state and every
read model agree on each item's state, hold and location, and every seizure balances against what
intake declared.
"""

from __future__ import annotations

import base64
import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw

from tangvat_audit.attachments import attachment_findings, file_refs
from tangvat_audit.audit import run_audit
from tangvat_audit.log_reader import read_stream
from tangvat_audit.reconcile import backlog, reconcile_custody, reconcile_disposal, reconcile_intake
from tangvat_shared.db import connect
from tangvat_shared.keys import load_public_key
from tests.support.evidence import EVIDENCE_SHA256
from tests.support.tokens import TokenFactory, bearer
from tests.support.waiting import eventually
from tests.support.world import (
    BIN,
    EXECUTED_ON,
    MEMBERS,
    SECOND_STAFF,
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
    witnessed,
)

SHELF = f"{WAREHOUSE}.F-1"
COUNTED = f"{WAREHOUSE}.F-2"
ELSEWHERE = "KHO-BN-03"
ELSEWHERE_BIN = f"{ELSEWHERE}.A-1"


def _signature() -> str:
    """A signature as the tablet's pad hands it over: a transparent PNG with a stroke, as a data: URL."""
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 100), (90, 20), (200, 100), (290, 30)], fill=(10, 20, 90, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


SIGNATURE = _signature()


async def _confirmed(world: World, token: TokenFactory, r: httpx.Response) -> httpx.Response:
    """Above the two-person threshold a command waits for a second staff member: confirm it."""
    if r.status_code == 202:
        r = await world.custody.post(f"/approvals/{r.json()['approval_id']}/confirm",
                                     headers=staff(token, SECOND_STAFF))
    return r


async def _places(world: World, admin: dict[str, str]) -> None:
    for warehouse, codes in ((WAREHOUSE, (f"{WAREHOUSE}.F", f"{WAREHOUSE}.F1", SHELF, COUNTED)),
                             (ELSEWHERE, (f"{ELSEWHERE}.A", f"{ELSEWHERE}.A1", ELSEWHERE_BIN))):
        if warehouse == ELSEWHERE:
            r = await world.custody.post("/warehouses", headers=admin, json={"warehouse_id": ELSEWHERE,
                                                                               "name": "Kho Quế Võ"})
            assert r.status_code in (201, 409), r.text
        zone, shelf, *bins = codes
        for code, kind, parent in [(zone, "zone", None), (shelf, "shelf", zone)] + [(b, "bin", shelf) for b in bins]:
            r = await world.custody.post(f"/warehouses/{warehouse}/locations", headers=admin,
                                         json={"location_code": code, "kind": kind, "parent_code": parent})
            assert r.status_code in (201, 409), r.text


async def _settled(world: World) -> bool:
    """Every service has published all it wrote (the reconciliation compares against a quiet log)."""
    for dsn in (world.intake_dsn, world.custody_dsn, world.disposal_dsn):
        conn = await connect(dsn)
        try:
            if await backlog(conn):
                return False
        finally:
            await conn.close()
    return True


async def test_an_audit_of_a_busy_warehouse_is_clean_and_balanced(
    world: World, seizure: SeizureFactory, token: TokenFactory, keys_dir: Path
) -> None:
    admin = bearer(token("admin", user="admin-1", units=("*",), warehouses=("*",)))
    here = staff(token)
    there = bearer(token("warehouse_staff", user="kho-que-vo", warehouses=(ELSEWHERE,)))
    await _places(world, admin)

    # One raid of 17 items (counterfeit first, by label order within each category) and one whose goods
    # a court ordered returned. Only the first raid's last item is left unreceived.
    raid = await seizure([("counterfeit", 8), ("smuggled", 9)], check_in=False)
    returned_seizure = await seizure([("smuggled", 1)], legal="release_ordered")
    # A release order carried out at the counter (no board): one of its two items handed back, one still waiting.
    counter_seizure = await seizure([("smuggled", 2)], legal="release_ordered")
    given_back, still_waiting = counter_seizure.all_ids
    ids = {str(row["item_id"]): row for row in raid.items}
    counterfeit = [i for i, row in ids.items() if row["category"] == "counterfeit"]
    smuggled = [i for i, row in ids.items() if row["category"] == "smuggled"]
    label = raid.labels.__getitem__
    awaiting = smuggled.pop()
    # The first receipt names its deliverer and a photo taken at receipt (its hash in the event).
    first = next(iter(ids))
    photo = await world.custody.post(f"/items/{first}/photos", headers=here,
                                     files={"photo": ("p.jpg", b"\xff\xd8\xff\xe0" + bytes(64), "image/jpeg")})
    assert photo.status_code == 201, photo.text
    evidence = {"deliverer": "Đội QLTT số 1", "photo_ids": [photo.json()["photo_id"]]}
    for item_id in ids:
        if item_id != awaiting:
            r = await world.custody.post("/scans/check-in", headers=here, json={
                "label": label(item_id), "location_code": SHELF, **(evidence if item_id == first else {})})
            assert r.status_code == 200, r.text
    # The receipt's handover minutes signed on the tablet by both parties: one signing for every item received
    # (custody.form_signed names the PDF's and the signatures' SHA-256; no item's state changes).
    r = await world.custody.post(f"/forms/receipt-minutes/{raid.seizure_id}/signatures", headers=here,
                                 params={"warehouse_id": WAREHOUSE}, json={"signatures": [
                                     {"party": "giver", "name": "Nguyễn Văn Hùng", "image": SIGNATURE},
                                     {"party": "receiver", "name": "Trần Thị Lan", "image": SIGNATURE}]})
    assert r.status_code == 201 and r.json()["item_count"] == len(ids) - 1, r.text

    (destroyed, handed, reserved, cancelled_handed, cancelled_reserved, held, packed, counted_missing) = counterfeit
    (sold, in_transit, transfer_missing, transfer_received, lab, overdue, stored, moved) = smuggled
    returned = returned_seizure.all_ids[0]

    # Shelf work: one item packed in a container, one moved to a bin a blind count then misses.
    container = f"THUNG-{uuid.uuid4().hex[:6].upper()}"
    r = await world.custody.post(f"/warehouses/{WAREHOUSE}/containers", headers=here,
                                 json={"container_code": container, "location_code": SHELF})
    assert r.status_code == 201, r.text
    r = await world.custody.post(f"/containers/{container}/pack", headers=here, json={"labels": [label(packed)]})
    assert r.status_code == 200, r.text
    # The move to the bin scans the bin's signed location label; the moved item's label was damaged and is
    # reprinted twice (recorded by intake: intake.label_reprinted, in the replayed log).
    bin_label = {row["location_code"]: row["label"] for row in (await world.custody.get(
        f"/warehouses/{WAREHOUSE}/location-labels", headers=here)).json()}[BIN]
    r = await world.custody.post("/scans/move", headers=here, json={"label": label(moved), "location_label": bin_label})
    assert r.status_code == 200, r.text
    for reason, label_format in (("damaged", "zpl"), ("lost", "pdf")):
        r = await world.intake.post(f"/items/{moved}/label-reprints", headers=here,
                                    json={"reason": reason, "format": label_format})
        assert r.status_code == 201, r.text
    r = await world.custody.post("/scans/move", headers=here,
                                 json={"label": label(counted_missing), "location_code": COUNTED})
    assert r.status_code == 200, r.text
    r = await world.custody.post("/counts", headers=here,
                                 json={"warehouse_id": WAREHOUSE, "location_code": COUNTED, "blind": True})
    assert r.status_code == 201, r.text
    r = await world.custody.post(f"/counts/{r.json()['count_id']}/close", headers=here)
    assert r.status_code == 200 and r.json()["report"]["flagged_missing"] == [counted_missing], r.text

    # Two transfers to another warehouse: one still on the road, one closed with an item never received.
    r = await _confirmed(world, token, await world.custody.post("/transfers", headers=here, json={
        "from_warehouse_id": WAREHOUSE, "to_warehouse_id": ELSEWHERE, "item_ids": [in_transit],
        "carrier": "Xe 99C-456"}))
    assert r.status_code == 201, r.text
    r = await _confirmed(world, token, await world.custody.post("/transfers", headers=here, json={
        "from_warehouse_id": WAREHOUSE, "to_warehouse_id": ELSEWHERE, "item_ids": [transfer_missing,
                                                                                   transfer_received],
        "carrier": "Xe 99C-789"}))
    assert r.status_code == 201, r.text
    transfer_id = r.json()["transfer_id"]
    r = await world.custody.post(f"/transfers/{transfer_id}/receive", headers=there,
                                 json={"labels": [label(transfer_received)], "location_code": ELSEWHERE_BIN})
    assert r.status_code == 200, r.text
    r = await world.custody.post(f"/transfers/{transfer_id}/close", headers=there)
    assert r.status_code == 200 and r.json()["not_received"] == [transfer_missing], r.text
    r = await world.custody.post(f"/forms/transfer-minutes/{transfer_id}/signatures", headers=there, json={
        "signatures": [{"party": "receiver", "name": "Lê Văn Nam", "image": SIGNATURE}]})
    assert r.status_code == 201, r.text

    # Two items at a lab: one due next week, one due in a moment (and then overdue).
    for item_id, due in ((lab, timedelta(days=7)), (overdue, timedelta(seconds=3))):
        r = await _confirmed(world, token, await world.custody.post(f"/items/{item_id}/check-out", headers=here, json={
            "holder": "Viện Khoa học hình sự", "holder_kind": "lab", "purpose": "giám định",
            "due_at": (datetime.now(UTC) + due).isoformat()}))
        assert r.status_code == 201, r.text

    r = await world.custody.post("/returns", headers=here, json={
        "seizure_id": counter_seizure.seizure_id, "warehouse_id": WAREHOUSE, "item_ids": [given_back],
        "owner_name": "Hộ kinh doanh Trần Văn D", "id_type": "cccd", "id_number": "027088001122"})
    assert r.status_code == 201, r.text

    # A court holds one item where it lies.
    r = await world.custody.post(f"/items/{held}/legal-hold", json={"reason": "Tòa án yêu cầu giữ làm chứng cứ"},
                                 headers=bearer(token("board_member", user="board-2", warehouses=(WAREHOUSE,))))
    assert r.status_code == 200, r.text

    # The board: a destruction executed, an auction executed, a return to the owner executed, a batch
    # handed over and waiting for its day, a batch reserved, and a batch cancelled after one of its items
    # was already handed over.
    async def ready_batch(item_ids: list[str], method: str = "destroy") -> str:
        async def proposable() -> bool:
            return {r["custody_state"] for r in await fetch(
                world.disposal_dsn, "SELECT custody_state FROM item_custody WHERE item_id = ANY($1::uuid[])",
                item_ids)} == {"in_storage"}

        await eventually(proposable, what="disposal to know the items are in storage")
        r = await propose(world, token, item_ids, method=method)
        assert r.status_code == 201, r.text
        batch_id: str = r.json()["batch_id"]
        await approve(world, token, batch_id, MEMBERS[1:4])
        await wait_status(world, token, batch_id, "ready")
        return batch_id

    destroy = await ready_batch([destroyed])
    auction = await ready_batch([sold], "auction")
    give_back = await ready_batch([returned], "return")
    waiting = await ready_batch([handed])
    await ready_batch([reserved])
    cancelled = await ready_batch([cancelled_handed, cancelled_reserved])
    for batch_id in (destroy, auction, give_back, waiting):
        await hand_over(world, token, batch_id)
    await hand_over(world, token, cancelled, labels=[label(cancelled_handed)])
    witnesses = (f"witness-{uuid.uuid4().hex[:8]}", f"witness-{uuid.uuid4().hex[:8]}")
    await witnessed(world, token, destroy, witnesses)
    r = await world.disposal.post(f"/batches/{destroy}/execution", headers=member(token), json=destruction())
    assert r.status_code == 200, r.text
    r = await world.disposal.post(f"/batches/{auction}/execution", headers=member(token), json={
        "executed_on": EXECUTED_ON, "proceeds_vnd": 3_500_000, "buyer_reference": "HĐ-ĐG-2022/118"})
    assert r.status_code == 200, r.text
    r = await world.disposal.post(f"/batches/{give_back}/execution", headers=member(token), json={
        "executed_on": EXECUTED_ON, "owner_name": "Công ty TNHH XYZ", "receipt_reference": "Biên nhận 6/2022"})
    assert r.status_code == 200, r.text
    r = await world.disposal.post(f"/batches/{cancelled}/cancel", headers=member(token, MEMBERS[1]),
                                  json={"reason": "Có khiếu nại mới"})
    assert r.status_code == 200, r.text
    for batch_id, outcomes in ((destroy, {"disposed": 1}), (give_back, {"released": 1})):
        await wait_status(world, token, batch_id, "executed", lambda b, o=outcomes: b["outcomes"] == o)
    await wait_status(world, token, auction, "executed", lambda b: sum(b["outcomes"].values()) == 1)
    await wait_status(world, token, cancelled, "cancelled", lambda b: b["reservation"] == {"released": 2})

    async def is_overdue() -> bool:
        r = await world.custody.get(f"/warehouses/{WAREHOUSE}/overdue", headers=here)
        assert r.status_code == 200, r.text
        return overdue in {str(i["item_id"]) for i in r.json()}

    await eventually(is_overdue, what="the second lab item to be overdue")

    # The moment: every state at once, as custody's database has it.
    everyone = list(ids) + [returned, given_back, still_waiting]
    rows = {r["item_id"]: r for r in await fetch(
        world.custody_dsn, "SELECT item_id::text, state, location_code, on_hold, container_id FROM item "
        "WHERE item_id = ANY($1::uuid[])", everyone)}
    sold_state = rows[sold]["state"]
    assert {i: (rows[i]["state"], rows[i]["location_code"]) for i in everyone} == {
        awaiting: ("awaiting_receipt", None), stored: ("in_storage", SHELF), packed: ("in_storage", SHELF),
        moved: ("in_storage", BIN), held: ("in_storage", SHELF), in_transit: ("in_transit", None),
        transfer_received: ("in_storage", ELSEWHERE_BIN), transfer_missing: ("missing", None),
        counted_missing: ("missing", None), lab: ("checked_out", None), overdue: ("checked_out", None),
        reserved: ("reserved_for_disposal", SHELF), handed: ("handed_over", None),
        destroyed: ("disposed", None), sold: (sold_state, None), returned: ("released", None),
        given_back: ("returned_to_owner", None), still_waiting: ("in_storage", BIN),
        # Back from the cancelled batch to the shelf they left, whether or not already handed over.
        cancelled_handed: ("in_storage", SHELF), cancelled_reserved: ("in_storage", SHELF),
    }
    assert sold_state in ("disposed", "released")
    assert rows[held]["on_hold"] and rows[packed]["container_id"] is not None

    # Disposal's read model has caught up with custody's states, and nothing is unpublished (whether it
    # also has the hold is for the reconciliation below to say).
    async def disposal_caught_up() -> bool:
        seen = {r["item_id"]: r["custody_state"] for r in await fetch(
            world.disposal_dsn, "SELECT item_id::text, custody_state FROM item_custody "
            "WHERE item_id = ANY($1::uuid[])", everyone)}
        return seen == {i: rows[i]["state"] for i in everyone} and await _settled(world)

    await eventually(disposal_caught_up, what="disposal's read model and every outbox to settle")

    # The auditor: the real replay of the Kafka log, then each service's database against it.
    logs = {"intake": await read_stream(world.bootstrap, world.topics.intake),
            "custody": await read_stream(world.bootstrap, world.topics.custody),
            "disposal": await read_stream(world.bootstrap, world.topics.disposal)}
    keys = {s: load_public_key((keys_dir / f"{s}.pub.pem").read_bytes()) for s in logs}
    # The replay below reads the label reprints among intake's events.
    assert sum(b'"intake.label_reprinted"' in r.value and moved.encode() in r.value for r in logs["intake"]) == 2
    result = run_audit(logs, keys)
    findings: list[Any] = list(result.findings)
    # Every file an event names is in its service's store, unaltered (the receipt photo and the destruction's
    # evidence among them).
    refs = file_refs(logs)
    assert {(r.stream, r.sha256) for r in refs} >= {("custody", photo.json()["sha256"]),
                                                     ("disposal", EVIDENCE_SHA256)}
    findings += await attachment_findings(refs, world.files)
    reconciled = {}
    for name, dsn, reconcile in (("intake", world.intake_dsn, reconcile_intake),
                                 ("custody", world.custody_dsn, reconcile_custody),
                                 ("disposal", world.disposal_dsn, reconcile_disposal)):
        drift, stats = await reconcile(dsn, result.ledger)
        findings += drift
        reconciled[name] = stats
    # The world is shared with the disposal tests: nothing about this day's items, seizures or batches (nor
    # any finding without a subject) may be wrong.
    ours = set(everyone) | {raid.seizure_id, returned_seizure.seizure_id, counter_seizure.seizure_id} | {
        r["batch_id"] for r in await fetch(world.disposal_dsn, "SELECT DISTINCT batch_id::text FROM batch_item "
                                           "WHERE item_id = ANY($1::uuid[])", everyone)}
    relevant = [f.as_dict() for f in findings if f.subject is None or any(ref in f"{f.subject} {f.detail}"
                                                                          for ref in ours)]
    for finding in relevant:
        print("FINDING", finding)
    assert relevant == []
    assert all(stats["items_compared"] >= len(everyone) and stats["backlog"] == 0 for stats in reconciled.values())

    # The replayed state is the moment above, location included; and custody's own time travel ("what was
    # in L at T", "where was X at T", folded from its stream) says the same as its database and the auditor.
    life = result.ledger.items
    assert {i: (life[i].state, life[i].location_code) for i in everyone} == {
        i: (rows[i]["state"], rows[i]["location_code"]) for i in everyone}
    moment = datetime.now(UTC).isoformat()
    # An auditor of every warehouse reads custody (an admin keeps the registry and reads no items).
    reader = bearer(token("auditor", user="auditor-1", units=("*",), warehouses=("*",)))
    for code in (SHELF, BIN, COUNTED, ELSEWHERE_BIN):
        answers = []
        for params in ({}, {"at": moment}):
            r = await world.custody.get(f"/locations/{code}/items", params=params, headers=reader)
            assert r.status_code == 200, r.text
            answers.append(sorted(set(r.json()["item_ids"]) & set(everyone)))
        shelved = sorted(i for i in everyone if rows[i]["location_code"] == code)
        assert answers == [shelved, shelved], code
        assert sorted(set(result.ledger.location_contents(code)) & set(everyone)) == shelved, code
    for item_id in everyone:
        r = await world.custody.get(f"/items/{item_id}/custody", params={"at": moment}, headers=reader)
        assert r.status_code == 200, r.text
        assert (r.json()["state"], r.json()["location_code"]) == (rows[item_id]["state"],
                                                                   rows[item_id]["location_code"]), item_id
    for seizure_id, n in ((raid.seizure_id, 17), (returned_seizure.seizure_id, 1), (counter_seizure.seizure_id, 2)):
        balance = result.conservation[seizure_id]
        assert balance["balanced"], balance
        assert balance["registered_items"] == n
    counter = result.conservation[counter_seizure.seizure_id]["by_state"]
    assert {state: bucket["items"] for state, bucket in counter.items()} == {"returned_to_owner": 1, "in_storage": 1}
    by_state = {state: bucket["items"] for state, bucket in result.conservation[raid.seizure_id]["by_state"].items()}
    expected = {"awaiting_receipt": 1, "in_storage": 7, "in_transit": 1, "missing": 2, "checked_out": 2,
                "reserved_for_disposal": 1, "handed_over": 1, "disposed": 1}
    expected[sold_state] = expected.get(sold_state, 0) + 1
    assert by_state == expected
