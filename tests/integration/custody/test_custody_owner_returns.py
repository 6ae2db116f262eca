"""A release order carried out at the counter, through the services: the return task with its deadline in working
days, the hand-back with the owner's identity document, the items leaving custody as returned to their owner (in
custody, in its history, in disposal's read model), and every refusal: bad input, the wrong role or warehouse, a
seizure with no release order, an item of another seizure, an item already returned."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import uuid
import zlib
from datetime import date
from typing import Any

from pypdf import PdfReader

from tangvat_shared.workdays import add_working_days, load
from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.tokens import TokenFactory, bearer
from tests.support.waiting import eventually
from tests.support.world import WAREHOUSE, SeizureFactory, World, fetch, member, staff

OWNER = {"owner_name": "Nguyễn Văn Chủ", "id_type": "cccd", "id_number": "001088012345"}


def _png() -> bytes:
    """A real (tiny) PNG, as the signature pad draws it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * 8 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _task(tasks: list[dict[str, Any]], seizure_id: str) -> dict[str, Any] | None:
    return next((t for t in tasks if t["seizure_id"] == seizure_id), None)


async def test_a_release_order_becomes_a_return_task_and_the_owner_takes_the_goods_back_at_the_counter(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    ordered = await seizure([("smuggled", 3)], legal="release_ordered")
    r = await world.custody.get("/returns", headers=staff(token), params={"warehouse_id": WAREHOUSE})
    assert r.status_code == 200, r.text
    task = _task(r.json(), ordered.seizure_id)
    assert task is not None, r.text
    # The factory's order is dated 2022-09-01: five working days after it, long past.
    assert task["due_on"] == add_working_days(date(2022, 9, 1), 5, load()).isoformat()
    assert task["overdue"] is True and task["working_days_left"] < 0
    assert task["decision_number"] == "QĐ-123/2022" and len(task["items"]) == 3
    assert {i["state"] for i in task["items"]} == {"in_storage"}

    signature = _png()
    body = {"seizure_id": ordered.seizure_id, "warehouse_id": WAREHOUSE, "item_ids": ordered.ids(0, 1), **OWNER,
            "owner_signature_png": base64.b64encode(signature).decode()}
    r = await world.custody.post("/returns", headers=staff(token), json=body)
    assert r.status_code == 201, r.text
    answer = r.json()
    assert answer["status"] == "returned_to_owner" and answer["late"] is True and len(answer["event_ids"]) == 2
    rows = await fetch(world.custody_dsn, "SELECT item_id, state, location_code FROM item WHERE item_id = ANY($1)",
                       [uuid.UUID(i) for i in ordered.all_ids])
    states = {str(row["item_id"]): (row["state"], row["location_code"]) for row in rows}
    assert states[ordered.ids(0)[0]] == ("returned_to_owner", None)
    assert states[ordered.ids(2)[0]][0] == "in_storage"
    history = (await world.custody.get(f"/items/{ordered.ids(0)[0]}/history", headers=staff(token))).json()
    returned = [e for e in history if e["type"] == "custody.item_returned_to_owner"]
    assert len(returned) == 1 and returned[0]["data"]["id_number"] == "001088012345"
    assert returned[0]["data"]["return_id"] == answer["return_id"]

    record = await world.custody.get(f"/returns/{answer['return_id']}", headers=staff(token))
    assert record.status_code == 200, record.text
    signed = hashlib.sha256(signature).hexdigest()
    assert {k: record.json()[k] for k in ("owner_name", "id_type", "id_number", "signature_sha256", "late")} == {
        **OWNER, "signature_sha256": signed, "late": True}
    assert returned[0]["data"]["signature_sha256"] == signed
    # The four-party minutes and the notice, in Vietnamese, naming the order, the owner and the goods.
    labels = [i["label_code"] for i in ordered.items[:2]]
    for paper, words in (("minutes", "BIÊN BẢN TRẢ LẠI TANG VẬT"), ("notice", "Về việc trả lại tang vật")):
        r = await world.custody.get(f"/returns/{answer['return_id']}/{paper}.pdf", headers=staff(token))
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
        text = _text(r.content)
        for expected in (words, "QĐ-123/2022", "Nguyễn Văn Chủ", "nguyên vẹn"):
            assert expected in text, (paper, expected)
        assert "intact" not in text  # intake's condition code, in words
        compact = "".join(text.split())  # a table cell wraps a long label code
        assert all(label in compact for label in labels), paper
        assert ordered.items[2]["label_code"] not in compact
    assert "Căn cước công dân số 001088012345" in _text(
        (await world.custody.get(f"/returns/{answer['return_id']}/minutes.pdf", headers=staff(token))).content)
    assert sorted(i["item_id"] for i in record.json()["items"]) == sorted(ordered.ids(0, 1))
    # The task now lists only what is left to hand back; the same item twice is refused.
    task = _task((await world.custody.get("/returns", headers=staff(token))).json(), ordered.seizure_id)
    assert task is not None and [i["item_id"] for i in task["items"]] == ordered.ids(2)
    r = await world.custody.post("/returns", headers=staff(token), json={**body, "item_ids": ordered.ids(0)})
    assert r.status_code == 409, r.text

    async def disposal_knows() -> bool:
        rows = await fetch(world.disposal_dsn, "SELECT custody_state FROM item_custody WHERE item_id = $1",
                           uuid.UUID(ordered.ids(0)[0]))
        return bool(rows) and rows[0]["custody_state"] == "returned_to_owner"

    await eventually(disposal_knows, what="disposal's read model of the returned item")


async def test_a_return_is_refused_without_an_order_for_another_seizures_item_and_on_bad_input(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    ordered = await seizure([("smuggled", 1)], legal="release_ordered")
    confiscated = await seizure([("smuggled", 1)])
    body = {"seizure_id": ordered.seizure_id, "warehouse_id": WAREHOUSE, "item_ids": ordered.all_ids, **OWNER}

    async def refused(json: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, str]:
        r = await world.custody.post("/returns", headers=headers or staff(token), json=json)
        assert r.status_code >= 400, r.text
        return r.status_code, r.json()["error"]["code"]

    assert await refused({**body, "seizure_id": confiscated.seizure_id, "item_ids": confiscated.all_ids}) == (
        422, "no_release_order")
    assert await refused({**body, "item_ids": confiscated.all_ids}) == (422, "item_not_in_seizure")
    assert await refused({**body, "item_ids": [str(uuid.uuid4())]}) == (404, "unknown_item")
    assert await refused({**body, "item_ids": ordered.all_ids * 2}) == (422, "duplicate_item")
    for bad in ({**body, "id_type": "driving_licence"}, {**body, "id_number": "  "}, {**body, "id_number": "12"},
                {**body, "owner_name": ""}, {**body, "item_ids": []}, {k: v for k, v in body.items() if k != "id_type"},
                {**body, "owner_signature_png": 12}, {**body, "signature_sha256": "a" * 64}, {**body, "extra": 1}):
        assert await refused(bad) == (422, "invalid_input"), bad
    # The wrong role, or staff of another warehouse, whatever the body says.
    assert await refused(body, member(token)) == (403, "role_required")
    elsewhere = bearer(token("warehouse_staff", user="kho-hn-1", warehouses=("KHO-HN-02",)))
    assert await refused(body, elsewhere) == (403, "warehouse_scope")
    assert await refused({**body, "warehouse_id": "KHO-HN-02"}, elsewhere) == (404, "unknown_item")
    r = await world.custody.get("/returns", headers=elsewhere)
    assert r.status_code == 200 and _task(r.json(), ordered.seizure_id) is None
    r = await world.custody.get("/returns", headers=elsewhere, params={"warehouse_id": WAREHOUSE})
    assert r.status_code == 403
    not_png = base64.b64encode(b"GIF89a....").decode()
    assert await refused({**body, "owner_signature_png": not_png}) == (422, "signature_not_png")
    for tail in ("", "/minutes.pdf", "/notice.pdf"):
        r = await world.custody.get(f"/returns/{uuid.uuid4()}{tail}", headers=staff(token))
        assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_return"
    rows = await fetch(world.custody_dsn, "SELECT state FROM item WHERE item_id = $1", uuid.UUID(ordered.all_ids[0]))
    assert rows[0]["state"] == "in_storage"
