"""Paperwork signed on the tablet, through custody's HTTP API on real PostgreSQL and Kafka: a receipt's handover
minutes covering every item received, signed by both parties; the event on Kafka names the signed PDF's and the
signatures' SHA-256; the PDF downloaded later is those very bytes, with the signatures drawn in; a wrong role or
another warehouse's staff are refused; the other forms print from custody's own record."""

from __future__ import annotations

import base64
import hashlib
import io
import unicodedata
import uuid
from typing import Any

import httpx
import orjson
from PIL import Image, ImageDraw
from pypdf import PdfReader

from tangvat_shared.files import LocalFileStore
from tests.integration.conftest import TokenFactory, bearer
from tests.integration.custody.conftest import OTHER_WAREHOUSE, WAREHOUSE, SeedFactory, fetch, staff
from tests.support.kafka_reader import read_raw


def pad_png(seed: int) -> str:
    """A signature as the pad hands it over: a transparent PNG with strokes, as a data: URL."""
    image = Image.new("RGBA", (500, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 150), (120, 30 + seed), (240, 170), (480, 40)], fill=(10, 10, 90, 255),
                               width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def sha_of(data_url: str) -> str:
    return hashlib.sha256(base64.b64decode(data_url.split(",", 1)[1])).hexdigest()


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages)).split())


async def received(seed: SeedFactory, client: httpx.AsyncClient, token: TokenFactory, bins: list[str], n: int
                   ) -> Any:
    seeded = await seed(n)
    for i in range(n):
        r = await client.post("/scans/check-in", headers=staff(token), json={
            "label": seeded.label(i), "location_code": bins[0], "deliverer": "Nguyễn Văn Hùng, Đội QLTT số 1"})
        assert r.status_code == 200, r.text
    return seeded


async def test_one_signature_covers_a_whole_receipt_and_the_chain_names_the_signed_pdf(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str, custody_relay: Any, infra: Any, custody_files: LocalFileStore,
) -> None:
    seeded = await received(seed, custody_client, token, warehouses[WAREHOUSE], 3)
    path = f"/forms/receipt-minutes/{seeded.seizure_id}"
    me = staff(token, user="lan.tran")

    draft = await custody_client.get(f"{path}/pdf", params={"warehouse_id": WAREHOUSE}, headers=me)
    assert draft.status_code == 200 and draft.headers["content-type"] == "application/pdf"
    text = text_of(draft.content)
    assert "BIÊN BẢN GIAO NHẬN TANG VẬT" in text and "Nguyễn Văn Hùng, Đội QLTT số 1" in text
    assert [i["label_code"] for i in seeded.items if i["label_code"] not in text] == [], text

    giver, receiver = pad_png(0), pad_png(20)
    r = await custody_client.post(f"{path}/signatures", params={"warehouse_id": WAREHOUSE}, headers=me, json={
        "signatures": [{"party": "giver", "name": "Nguyễn Văn Hùng", "image": giver},
                       {"party": "receiver", "name": "Trần Thị Lan", "image": receiver}]})
    assert r.status_code == 201, r.text
    signed = r.json()
    assert signed["item_count"] == 3 and signed["form"] == "receipt-minutes"
    assert [s["sha256"] for s in signed["signatures"]] == [sha_of(giver), sha_of(receiver)]

    # Downloaded later: the very bytes the event names, the signatures drawn in their boxes.
    pdf = await custody_client.get(signed["download_url"], headers=me)
    assert pdf.status_code == 200
    assert hashlib.sha256(pdf.content).hexdigest() == signed["pdf_sha256"]
    assert sum(len(p.images) for p in PdfReader(io.BytesIO(pdf.content)).pages) == 2
    assert "Trần Thị Lan" in text_of(pdf.content) and f"SHA-256 {sha_of(giver)[:16]}" in text_of(pdf.content)
    assert await custody_files.get(sha_of(giver)) == base64.b64decode(giver.split(",", 1)[1])

    listed = await custody_client.get(f"{path}/signatures", headers=me)
    assert [f["pdf_sha256"] for f in listed.json()] == [signed["pdf_sha256"]]

    # On Kafka: the event with the hashes, who signed in which role, every item the signature covers.
    form_id = signed["form_id"].encode()
    found: list[dict[str, Any]] = []

    def until(records: list[Any]) -> bool:
        found[:] = [orjson.loads(x.value) for x in records if form_id in x.value]
        return bool(found)

    await read_raw(infra.kafka_bootstrap, "custody.events", until=until, timeout=120)
    event = found[0]
    assert event["type"] == "custody.form_signed" and event["subject"] == f"form/{signed['form_id']}"
    data = event["data"]
    assert data["pdf_sha256"] == signed["pdf_sha256"] and data["pdf_size_bytes"] == len(pdf.content)
    assert [(s["party"], s["sha256"]) for s in data["signatures"]] == [("giver", sha_of(giver)),
                                                                     ("receiver", sha_of(receiver))]
    assert data["signed_by"] == "lan.tran" and data["signer_role"] == "warehouse_staff"
    assert sorted(data["item_ids"]) == sorted(i["item_id"] for i in seeded.items)
    rows = await fetch(custody_dsn, "SELECT pdf_sha256 FROM signed_form WHERE form_id = $1",
                       uuid.UUID(signed["form_id"]))
    assert rows[0]["pdf_sha256"] == signed["pdf_sha256"]


async def test_a_wrong_role_another_warehouse_and_a_bad_pad_are_refused_in_the_error_shape(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await received(seed, custody_client, token, warehouses[WAREHOUSE], 1)
    path = f"/forms/receipt-minutes/{seeded.seizure_id}/signatures"
    one = {"signatures": [{"party": "giver", "name": "Nguyễn Văn Hùng", "image": pad_png(0)}]}
    params = {"warehouse_id": WAREHOUSE}

    board = bearer(token("board_member", user="board-1", warehouses=(WAREHOUSE,)))
    r = await custody_client.post(path, params=params, headers=board, json=one)
    assert r.status_code == 403 and r.json()["error"]["code"]

    stranger = staff(token, user="hn-staff", warehouses=(OTHER_WAREHOUSE,))
    r = await custody_client.post(path, params=params, headers=stranger, json=one)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_form_subject"
    r = await custody_client.get(f"/forms/receipt-minutes/{seeded.seizure_id}/pdf", params=params, headers=stranger)
    assert r.status_code == 404

    me = staff(token)
    blank = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    out = io.BytesIO()
    blank.save(out, "PNG")
    cases = [
        ({"party": "judge", "name": "X", "image": pad_png(0)}, "unknown_party"),
        ({"party": "giver", "name": "X", "image": "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()},
         "signature_blank"),
        ({"party": "giver", "name": "X", "image": base64.b64encode(b"GIF89a" + bytes(40)).decode()}, "signature_type"),
    ]
    for signature, code in cases:
        r = await custody_client.post(path, params=params, headers=me, json={"signatures": [signature]})
        assert 400 <= r.status_code < 500 and r.json()["error"]["code"] == code, r.text
    r = await custody_client.post(path, headers=me, json=one)
    assert r.status_code == 422 and r.json()["error"]["code"] == "warehouse_required"
    twice = {"signatures": one["signatures"] * 2}
    r = await custody_client.post(path, params=params, headers=me, json=twice)
    assert r.status_code == 422 and r.json()["error"]["code"] == "party_signed_twice"


async def test_the_warehouse_receipt_and_the_storage_card_print_from_custody_s_record(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await received(seed, custody_client, token, warehouses[WAREHOUSE], 2)
    me = staff(token)
    r = await custody_client.get(f"/forms/warehouse-receipt/{seeded.seizure_id}/pdf",
                                 params={"warehouse_id": WAREHOUSE}, headers=me)
    assert r.status_code == 200, r.text
    text = text_of(r.content)
    assert "PHIẾU NHẬP KHO" in text and "Thực nhập" in text and seeded.items[1]["label_code"] in text

    move = await custody_client.post("/scans/move", headers=me, json={
        "label": seeded.label(0), "location_code": warehouses[WAREHOUSE][1]})
    assert move.status_code == 200, move.text
    r = await custody_client.get(f"/forms/storage-card/{seeded.item_id(0)}/pdf", headers=me)
    assert r.status_code == 200, r.text
    text = text_of(r.content)
    assert "THẺ KHO" in text and "Nhập kho" in text and "Chuyển vị trí trong kho" in text
    assert warehouses[WAREHOUSE][1] in text

    r = await custody_client.get(f"/forms/receipt-minutes/{uuid.uuid4()}/pdf", params={"warehouse_id": WAREHOUSE},
                                 headers=me)
    assert r.status_code == 409 and r.json()["error"]["code"] == "form_has_no_items"
