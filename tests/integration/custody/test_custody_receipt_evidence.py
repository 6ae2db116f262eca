"""Receipt evidence through the HTTP API: who delivered the goods, and photos taken at receipt (staged, then named
by the receipt whose event carries their SHA-256), with every bad upload refused in the error shape."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx

from tangvat_shared.files import LocalFileStore
from tests.integration.conftest import TokenFactory
from tests.integration.custody.conftest import OTHER_WAREHOUSE, WAREHOUSE, SeedFactory, fetch, staff

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(32)


async def _upload(client: httpx.AsyncClient, headers: dict[str, str], item_id: str, content: bytes,
                  name: str = "photo.jpg", content_type: str = "image/jpeg", field: str = "photo") -> httpx.Response:
    return await client.post(f"/items/{item_id}/photos", headers=headers,
                             files={field: (name, content, content_type)})


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


async def test_a_receipt_names_its_deliverer_and_photos_and_the_chain_carries_their_hashes(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    custody_dsn: str, custody_files: LocalFileStore,
) -> None:
    seeded = await seed(1)
    item_id = seeded.item_id(0)
    me = staff(token)
    staged = []
    for content, kind in ((JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp")):
        # What the client says the type is does not matter: the bytes decide.
        r = await _upload(custody_client, me, item_id, content, content_type="application/octet-stream")
        assert r.status_code == 201, r.text
        assert r.json()["media_type"] == kind and r.json()["sha256"] == hashlib.sha256(content).hexdigest()
        staged.append(r.json()["photo_id"])

    quantity = seeded.items[0]["quantity"]
    r = await custody_client.post("/scans/check-in", headers=me, json={
        "label": seeded.label(0), "location_code": warehouses[WAREHOUSE][0], "quantity_counted": quantity - 1,
        "seal_intact": False, "deliverer": "Đội QLTT số 1 — anh Nguyễn Văn An", "photo_ids": staged[:2]})
    assert r.status_code == 200, r.text
    assert sorted(r.json()["discrepancies"]) == ["quantity", "seal_broken"]

    rows = await fetch(custody_dsn, "SELECT body->'data' AS data FROM event WHERE subject = $1 AND event_type = $2",
                       f"item/{item_id}", "custody.item_received")
    data = rows[0]["data"]
    assert data["deliverer"] == "Đội QLTT số 1 — anh Nguyễn Văn An"
    assert [(p["photo_id"], p["sha256"], p["media_type"]) for p in data["photos"]] == [
        (staged[0], hashlib.sha256(JPEG).hexdigest(), "image/jpeg"),
        (staged[1], hashlib.sha256(PNG).hexdigest(), "image/png")]

    item = (await custody_client.get(f"/items/{item_id}", headers=me)).json()
    assert item["deliverer"] == "Đội QLTT số 1 — anh Nguyễn Văn An" and item["state"] == "in_storage"
    listed = (await custody_client.get(f"/items/{item_id}/photos", headers=me)).json()
    assert [(p["photo_id"], p["received_at"] is not None) for p in listed] == [
        (staged[0], True), (staged[1], True), (staged[2], False)]
    # The bytes served are those the chain vouches for.
    got = await custody_client.get(f"/photos/{staged[0]}", headers=me)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(got.content).hexdigest() == data["photos"][0]["sha256"]
    auditor = {"Authorization": f"Bearer {token('auditor', user='kiem-toan', warehouses=('*',), units=('*',))}"}
    assert (await custody_client.get(f"/photos/{staged[1]}", headers=auditor)).status_code == 200
    # The bytes live in the file store under the hash; the row keeps the hash, not the bytes.
    assert custody_files.path_of(hashlib.sha256(PNG).hexdigest()).read_bytes() == PNG
    rows = await fetch(custody_dsn, "SELECT count(*) AS n FROM item_photo WHERE item_id = $1 AND content IS NOT NULL",
                       uuid.UUID(item_id))
    assert rows[0]["n"] == 0

    # Another warehouse's staff see neither the item's photos nor a photo by its id.
    stranger = staff(token, "staff-hn", warehouses=(OTHER_WAREHOUSE,))
    for path in (f"/photos/{staged[0]}", f"/items/{item_id}/photos"):
        r = await custody_client.get(path, headers=stranger)
        assert r.status_code == 404, (path, r.text)
    # Once received, no more photos "at receipt".
    r = await _upload(custody_client, me, item_id, JPEG)
    assert r.status_code == 409 and _error(r)["code"] == "not_awaiting_receipt"


async def test_bad_uploads_are_refused_with_a_status_and_code_that_say_why(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, custody_dsn: str,
) -> None:
    seeded = await seed(1)
    item_id = seeded.item_id(0)
    me = staff(token)
    too_big = b"\xff\xd8\xff" + bytes(5 * 1024 * 1024)
    cases: list[tuple[httpx.Response, int, str]] = [
        (await _upload(custody_client, me, item_id, too_big), 413, "photo_too_large"),
        (await _upload(custody_client, me, item_id, b"GIF89a" + bytes(40), "a.gif", "image/gif"), 415, "photo_type"),
        (await _upload(custody_client, me, item_id, b"%PDF-1.7\n" + bytes(40), "a.jpg"), 415, "photo_type"),
        (await _upload(custody_client, me, item_id, b""), 422, "photo_empty"),
        (await _upload(custody_client, me, item_id, JPEG, field="picture"), 422, "photo_missing"),
        (await custody_client.post(f"/items/{item_id}/photos", headers={**me, "Content-Type": "image/jpeg"},
                                   content=JPEG), 415, "photo_type"),
        (await _upload(custody_client, staff(token, "staff-hn", warehouses=(OTHER_WAREHOUSE,)), item_id, JPEG),
         404, "unknown_item"),
        (await _upload(custody_client, me, str(uuid.uuid4()), JPEG), 404, "unknown_item"),
    ]
    for response, status, code in cases:
        assert (response.status_code, _error(response)["code"]) == (status, code), response.text
        assert _error(response)["message"]
    rows = await fetch(custody_dsn, "SELECT count(*) AS n FROM item_photo WHERE item_id = $1", uuid.UUID(item_id))
    assert rows[0]["n"] == 0

    # Ten photos an item; the eleventh is refused.
    for _ in range(10):
        assert (await _upload(custody_client, me, item_id, JPEG)).status_code == 201
    r = await _upload(custody_client, me, item_id, JPEG)
    assert r.status_code == 422 and _error(r)["code"] == "too_many_photos"


async def test_a_receipt_refuses_photos_not_staged_for_its_item_and_bad_fields_by_name(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
) -> None:
    seeded = await seed(2)
    me = staff(token)
    other = (await _upload(custody_client, me, seeded.item_id(1), JPEG)).json()["photo_id"]
    body = {"label": seeded.label(0), "location_code": warehouses[WAREHOUSE][0]}
    r = await custody_client.post("/scans/check-in", headers=me, json={**body, "photo_ids": [other]})
    assert r.status_code == 404 and _error(r)["code"] == "unknown_photo", r.text
    assert _error(r)["details"][0]["loc"] == ["body", "photo_ids", 0]
    r = await custody_client.post("/scans/check-in", headers=me, json={**body, "photo_ids": [str(uuid.uuid4())]})
    assert r.status_code == 404 and _error(r)["code"] == "unknown_photo"
    item = (await custody_client.get(f"/items/{seeded.item_id(0)}", headers=me)).json()
    assert item["state"] == "awaiting_receipt"  # nothing received on a refused receipt

    for field, value in (("deliverer", "x" * 201), ("deliverer", "a\x00b"), ("quantity_counted", -1),
                         ("photo_ids", [other, other])):
        r = await custody_client.post("/scans/check-in", headers=me, json={**body, field: value})
        assert r.status_code == 422, (field, r.text)
        assert any(field in d["loc"] for d in _error(r)["details"]) or field == "photo_ids", r.text


async def test_a_photo_whose_stored_file_is_gone_or_altered_is_never_served_as_it(
    seed: SeedFactory, custody_client: httpx.AsyncClient, token: TokenFactory, custody_files: LocalFileStore,
) -> None:
    seeded = await seed(1)
    me = staff(token)
    ids = []
    for n in (1, 2):
        content = JPEG + uuid.uuid4().bytes * n  # bytes of this test alone: other tests keep theirs
        r = await _upload(custody_client, me, seeded.item_id(0), content)
        assert r.status_code == 201, r.text
        ids.append((r.json()["photo_id"], r.json()["sha256"]))
    custody_files.path_of(ids[0][1]).unlink()
    r = await custody_client.get(f"/photos/{ids[0][0]}", headers=me)
    assert r.status_code == 404 and _error(r)["code"] == "file_missing", r.text
    custody_files.path_of(ids[1][1]).write_bytes(JPEG + b"retouched")
    r = await custody_client.get(f"/photos/{ids[1][0]}", headers=me)
    assert r.status_code == 409 and _error(r)["code"] == "file_altered", r.text
