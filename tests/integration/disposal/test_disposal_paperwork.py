"""The destruction minutes (biên bản tiêu hủy) of an executed batch, signed on the tablet through disposal's HTTP API
on real PostgreSQL and Kafka: one signing covers every item destroyed; the event on Kafka names the signed PDF's and
the signatures' SHA-256; the PDF downloaded later is those very bytes; custody's staff and another unit's board are
refused."""

from __future__ import annotations

import base64
import hashlib
import io
import unicodedata
from typing import Any

import orjson
from PIL import Image, ImageDraw
from pypdf import PdfReader

from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (these callers sign in at Keycloak)
from tests.support.kafka_reader import read_raw
from tests.support.tokens import TokenFactory
from tests.support.world import (
    MEMBERS,
    SeizureFactory,
    World,
    approve,
    destruction,
    hand_over,
    member,
    propose,
    staff,
    wait_status,
    witnessed,
)


def pad(seed: int = 0) -> str:
    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 120), (100, 20 + seed), (220, 130), (390, 30)], fill=(10, 20, 90, 255), width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


async def test_the_destruction_minutes_are_signed_once_for_the_whole_batch_and_the_chain_names_the_pdf(
    world: World, seizure: SeizureFactory, token: TokenFactory,
) -> None:
    seized = await seizure([("counterfeit", 3)])
    r = await propose(world, token, filter={"seizure_id": seized.seizure_id, "category": "counterfeit"})
    assert r.status_code == 201, r.text
    batch_id = r.json()["batch_id"]
    await approve(world, token, batch_id, MEMBERS[1:4])
    await wait_status(world, token, batch_id, "ready")
    await hand_over(world, token, batch_id)
    await witnessed(world, token, batch_id)
    path = f"/batches/{batch_id}/forms/destruction-minutes"
    r = await world.disposal.post(f"{path}/signatures", headers=member(token), json={"signatures": [
        {"party": "chair", "name": "Phạm Văn Bình", "image": pad()}]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_an_executed_destruction", r.text
    r = await world.disposal.post(f"/batches/{batch_id}/execution", headers=member(token),
                                  json=destruction(confirmed_item_ids=seized.all_ids))
    assert r.status_code == 200, r.text
    await wait_status(world, token, batch_id, "executed", lambda b: b["outcomes"] == {"disposed": 3})

    draft = await world.disposal.get(f"{path}/pdf", headers=member(token))
    assert draft.status_code == 200, draft.text
    text = " ".join(unicodedata.normalize("NFC", "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(draft.content)).pages)).split())
    assert "BIÊN BẢN TIÊU HỦY TANG VẬT, PHƯƠNG TIỆN VI PHẠM HÀNH CHÍNH" in text and "Hình thức tiêu hủy: nghiền" in text
    assert "Bãi rác Đồng Ngo, Bắc Ninh" in text and text.count("NGƯỜI CHỨNG KIẾN") == 2

    chair, witness = pad(0), pad(30)
    r = await world.disposal.post(f"{path}/signatures", headers=member(token), json={"signatures": [
        {"party": "chair", "name": "Phạm Văn Bình", "image": chair},
        {"party": "witness-1", "name": "Hoàng Thị Cúc", "image": witness}]})
    assert r.status_code == 201, r.text
    signed = r.json()
    assert signed["item_count"] == 3
    pdf = await world.disposal.get(signed["download_url"], headers=member(token))
    assert pdf.status_code == 200 and hashlib.sha256(pdf.content).hexdigest() == signed["pdf_sha256"]
    assert sum(len(p.images) for p in PdfReader(io.BytesIO(pdf.content)).pages) == 2
    listed = await world.disposal.get(f"{path}/signatures", headers=member(token))
    assert [f["pdf_sha256"] for f in listed.json()] == [signed["pdf_sha256"]]

    marker = signed["form_id"].encode()
    found: list[dict[str, Any]] = []

    def until(records: list[Any]) -> bool:
        found[:] = [orjson.loads(x.value) for x in records if marker in x.value]
        return bool(found)

    await read_raw(world.bootstrap, world.topics.disposal, until=until, timeout=120)
    data = found[0]["data"]
    assert found[0]["type"] == "disposal.form_signed" and data["subject_id"] == batch_id
    assert data["pdf_sha256"] == signed["pdf_sha256"] and sorted(data["item_ids"]) == sorted(seized.all_ids)
    sha = hashlib.sha256(base64.b64decode(chair.split(",", 1)[1])).hexdigest()
    assert (data["signatures"][0]["party"], data["signatures"][0]["sha256"]) == ("chair", sha)
    assert data["signer_role"] == "board_member"

    # Custody's staff sign no destruction minutes; another unit's board does not see the batch.
    one = {"signatures": [{"party": "chair", "name": "X", "image": chair}]}
    r = await world.disposal.post(f"{path}/signatures", headers=staff(token), json=one)
    assert r.status_code == 403, r.text
    r = await world.disposal.post(f"{path}/signatures", headers=member(token, user="board-hn", units=("QLTT-HN",)),
                                  json=one)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_batch", r.text
    r = await world.disposal.get(signed["download_url"], headers=member(token, user="board-hn", units=("QLTT-HN",)))
    assert r.status_code == 404
