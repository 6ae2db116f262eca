"""Photos and documents at intake, through the HTTP API: uploaded before the registration that names them (a hash
with no file behind it is refused), added to a seizure or an item later (intake.attachment_added), read back
checked against the hash, in the unit's scope; refused uploads say why."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import demo_data as factories
import httpx
import pytest

from tangvat_shared.files import LocalFileStore
from tests.integration.conftest import TokenFactory, bearer
from tests.support.kafka_reader import events_only, read_topic

PDF = b"%PDF-1.4\n% bien ban tam giu\n" + bytes(200)


def _jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + uuid.uuid4().bytes * 40  # bytes of this test alone


async def _upload(client: httpx.AsyncClient, headers: dict[str, str], content: bytes, unit: str = "QLTT-BN",
                  name: str = "anh.jpg") -> httpx.Response:
    return await client.post("/attachments", headers=headers, data={"seizing_unit": unit},
                             files={"file": (name, content, "application/octet-stream")})


def _error(r: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = r.json()["error"]
    return error


async def test_a_registration_names_only_uploaded_files_and_each_is_read_back_by_its_hash(
    intake_client: httpx.AsyncClient, token: TokenFactory, intake_files: LocalFileStore, infra: Any,
    intake_relay: Any,
) -> None:
    me = bearer(token())
    photo = _jpeg()
    body = factories.seizure(2)
    body["attachments"] = [{"sha256": hashlib.sha256(PDF).hexdigest(), "name": "bien-ban.pdf"}]
    body["items"][0]["photos"] = [hashlib.sha256(photo).hexdigest()]
    # Nothing uploaded yet: the hashes name no file, and the registration says which.
    r = await intake_client.post("/seizures", json=body, headers=me)
    assert r.status_code == 422 and _error(r)["code"] == "attachment_not_uploaded", r.text
    assert [d["loc"] for d in _error(r)["details"]] == [["body", "attachments", 0, "sha256"],
                                                        ["body", "items", 0, "photos", 0]]
    for content, kind in ((PDF, "application/pdf"), (photo, "image/jpeg")):
        r = await _upload(intake_client, me, content)
        assert r.status_code == 201, r.text
        assert r.json() == {"sha256": hashlib.sha256(content).hexdigest(), "media_type": kind,
                            "size_bytes": len(content)}
    r = await intake_client.post("/seizures", json=body, headers=me)
    assert r.status_code == 201, r.text
    seizure_id = r.json()["seizure_id"]

    # Added later: a photo of the whole seizure and one of its second item, each recorded by an event.
    items = (await intake_client.get(f"/seizures/{seizure_id}/items", headers=me)).json()["items"]
    later, of_item = _jpeg(), _jpeg()
    r = await intake_client.post(f"/seizures/{seizure_id}/attachments", headers=me, data={"name": "hien-truong"},
                                 files={"file": ("x.jpg", later, "image/jpeg")})
    assert r.status_code == 201 and r.json()["status"] == "attached", r.text
    r = await intake_client.post(f"/seizures/{seizure_id}/attachments", headers=me,
                                 data={"item_id": items[1]["item_id"]},
                                 files={"file": ("hop.jpg", of_item, "image/jpeg")})
    assert r.status_code == 201 and r.json()["item_id"] == items[1]["item_id"], r.text
    again = await intake_client.post(f"/seizures/{seizure_id}/attachments", headers=me,
                                     files={"file": ("x.jpg", later, "image/jpeg")})
    assert again.status_code == 200 and again.json()["status"] == "already_attached"

    listed = (await intake_client.get(f"/seizures/{seizure_id}/attachments", headers=me)).json()
    assert [(a["name"], a["media_type"]) for a in listed] == [
        ("bien-ban.pdf", "application/pdf"), ("anh", "image/jpeg"), ("hien-truong", "image/jpeg"),
        ("hop.jpg", "image/jpeg")]
    for entry, content in zip(listed, (PDF, photo, later, of_item), strict=True):
        got = await intake_client.get(entry["url"], headers=me)
        assert got.status_code == 200 and got.content == content and got.headers["content-type"] == entry["media_type"]
    item_photos = (await intake_client.get(f"/items/{items[1]['item_id']}/attachments", headers=me)).json()
    assert [a["sha256"] for a in item_photos] == [hashlib.sha256(of_item).hexdigest()]
    staff = bearer(token("warehouse_staff", user="kho-1", warehouses=("KHO-BN-01",)))
    got = await intake_client.get(item_photos[0]["url"], headers=staff)  # the item page's readers: its warehouse
    assert got.status_code == 200 and got.content == of_item

    def mine(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in events_only(records)
                if e["type"] == "intake.attachment_added" and e["data"]["seizure_id"] == seizure_id]

    records = await read_topic(infra.kafka_bootstrap, "intake.events", until=lambda rs: len(mine(rs)) >= 2)
    assert sorted((e["data"]["name"], e["data"]["sha256"]) for e in mine(records)) == sorted(
        [("hien-truong", hashlib.sha256(later).hexdigest()), ("hop.jpg", hashlib.sha256(of_item).hexdigest())])

    # Another unit's officer sees none of it; a file the seizure does not name is unknown even when stored.
    stranger = bearer(token(user="officer-hn", units=("QLTT-HN",)))
    for path in (f"/seizures/{seizure_id}/attachments", listed[0]["url"]):
        assert (await intake_client.get(path, headers=stranger)).status_code == 404
    r = await intake_client.post(f"/seizures/{seizure_id}/attachments", headers=stranger,
                                 files={"file": ("x.jpg", _jpeg(), "image/jpeg")})
    assert r.status_code == 404
    other = await _upload(intake_client, me, _jpeg())
    r = await intake_client.get(f"/seizures/{seizure_id}/attachments/{other.json()['sha256']}", headers=me)
    assert r.status_code == 404 and _error(r)["code"] == "unknown_attachment"
    # A stored file altered or gone is never served as the one its event names.
    intake_files.path_of(hashlib.sha256(later).hexdigest()).write_bytes(later + b"!")
    r = await intake_client.get(listed[2]["url"], headers=me)
    assert r.status_code == 409 and _error(r)["code"] == "file_altered"


@pytest.mark.parametrize(("content", "status", "code"), [
    (b"", 422, "file_empty"), (b"GIF89a" + bytes(40), 415, "file_type"),
    (b"\xff\xd8\xff" + bytes(5 * 1024 * 1024), 413, "file_too_large")])
async def test_refused_uploads_say_why_and_keep_nothing(
    intake_client: httpx.AsyncClient, token: TokenFactory, content: bytes, status: int, code: str,
    intake_files: LocalFileStore,
) -> None:
    r = await _upload(intake_client, bearer(token()), content)
    assert r.status_code == status and _error(r)["code"] == code, r.text
    assert not await intake_files.exists(hashlib.sha256(content).hexdigest())


async def test_an_upload_for_another_unit_or_without_a_unit_is_refused(
    intake_client: httpx.AsyncClient, token: TokenFactory,
) -> None:
    me = bearer(token())
    assert (await _upload(intake_client, me, _jpeg(), unit="QLTT-HN")).status_code == 403
    r = await intake_client.post("/attachments", headers=me, files={"file": ("a.jpg", _jpeg(), "image/jpeg")})
    assert r.status_code == 422 and _error(r)["details"][0]["loc"] == ["body", "seizing_unit"]
    staff = bearer(token("warehouse_staff", user="kho-1"))
    assert (await _upload(intake_client, staff, _jpeg())).status_code == 403
