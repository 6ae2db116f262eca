"""Item label reprints through intake's API: each one recorded (who, why, which format) in the item's history,
the label printed with its words beside the QR code as PDF or ZPL; bad input and other scopes refused."""

from __future__ import annotations

import io
import re
from typing import Any

import asyncpg
import demo_data as factories
import httpx
from pypdf import PdfReader

from tests.integration.conftest import TokenFactory, bearer


def _staff(token: TokenFactory, warehouse: str = "KHO-BN-01") -> dict[str, str]:
    return bearer(token("warehouse_staff", user="kho-staff-1", warehouses=(warehouse,)))


async def _registered(client: httpx.AsyncClient, token: TokenFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    body = factories.seizure(2)
    body["items"][0]["description"] = "Túi xách giả nhãn hiệu Louis Vuitton"
    response = await client.post("/seizures", json=body, headers=bearer(token()))
    assert response.status_code == 201, response.text
    page = await client.get(f"/seizures/{response.json()['seizure_id']}/items", headers=bearer(token()))
    return body, page.json()["items"][0]


async def test_a_reprint_is_recorded_in_the_items_history_and_prints_its_words(
    intake_client: httpx.AsyncClient, token: TokenFactory, intake_dsn: str,
) -> None:
    body, item = await _registered(intake_client, token)
    url = f"/items/{item['item_id']}/label-reprints"
    first = await intake_client.post(url, json={"reason": "damaged", "format": "pdf"}, headers=_staff(token))
    assert first.status_code == 201, first.text
    assert first.json()["reprint_no"] == 1 and len(first.json()["event_ids"]) == 1

    pdf = await intake_client.get(first.json()["label_url"], headers=_staff(token))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", pdf.text
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for words in (item["label_code"], "Túi xách giả nhãn", f"BB {body['record_number']}", "Kho: KHO-BN-01",
                  "In lại lần 1"):
        assert words in text, (words, text)

    second = await intake_client.post(url, json={"reason": "other", "note": "nhãn bị bong keo", "format": "zpl"},
                                      headers=bearer(token()))
    assert second.status_code == 201 and second.json()["reprint_no"] == 2, second.text
    zpl = await intake_client.get(second.json()["label_url"], headers=bearer(token()))
    assert zpl.status_code == 200 and zpl.headers["content-type"] == "application/zpl"
    (form,) = re.findall(r"\^XA.*?\^XZ", zpl.text, flags=re.S)
    fields = [chunk.partition("^FD")[2] for chunk in form.split("^FS")[:-1]]
    assert fields[0] == f"MA,{item['label_payload']}"
    assert fields[1] == item["label_code"] and fields[2].startswith("Tui xach gia")
    assert fields[3].startswith("BB ") and fields[5].startswith("In lai lan 2")

    history = await intake_client.get(f"/items/{item['item_id']}/history", headers=_staff(token))
    assert history.status_code == 200, history.text
    reprinted = [e for e in history.json() if e["type"] == "intake.label_reprinted"]
    assert [(e["actor_id"], e["actor_role"], e["data"]["reason"], e["data"]["format"], e["data"]["reprint_no"])
            for e in reprinted] == [("kho-staff-1", "warehouse_staff", "damaged", "pdf", 1),
                                    ("officer-1", "intake_officer", "other", "zpl", 2)]
    assert reprinted[1]["data"]["note"] == "nhãn bị bong keo"
    listed = await intake_client.get(url, headers=bearer(token("auditor", units=("QLTT-BN",))))
    assert [(r["reprint_no"], r["reprinted_by"]) for r in listed.json()] == [(1, "kho-staff-1"), (2, "officer-1")]

    conn = await asyncpg.connect(intake_dsn)
    try:
        rows = await conn.fetch("SELECT reason, format FROM label_reprint WHERE item_id = $1 ORDER BY reprint_no",
                                item["item_id"])
    finally:
        await conn.close()
    assert [tuple(r) for r in rows] == [("damaged", "pdf"), ("other", "zpl")]


async def test_a_reprint_needs_a_reason_and_a_format_and_the_items_scope(
    intake_client: httpx.AsyncClient, token: TokenFactory,
) -> None:
    _, item = await _registered(intake_client, token)
    url = f"/items/{item['item_id']}/label-reprints"
    for bad in ({"reason": "torn", "format": "pdf"}, {"format": "pdf"}, {"reason": "lost", "format": "svg"},
                {"reason": "lost"}, {"reason": "lost", "format": "pdf", "extra": 1}):
        refused = await intake_client.post(url, json=bad, headers=_staff(token))
        assert refused.status_code == 422, (bad, refused.text)
    no_note = await intake_client.post(url, json={"reason": "other", "format": "pdf"}, headers=_staff(token))
    assert no_note.status_code == 422 and no_note.json()["error"]["code"] == "reprint_note_required"

    elsewhere = await intake_client.post(url, json={"reason": "lost", "format": "pdf"},
                                         headers=_staff(token, "KHO-HN-02"))
    other_unit = await intake_client.post(url, json={"reason": "lost", "format": "pdf"},
                                          headers=bearer(token(units=("QLTT-HN",))))
    assert elsewhere.status_code == other_unit.status_code == 404
    auditor = await intake_client.post(url, json={"reason": "lost", "format": "pdf"},
                                       headers=bearer(token("auditor")))
    assert auditor.status_code == 403
    unknown = await intake_client.get(f"{url}/00000000-0000-4000-8000-000000000000/label", headers=_staff(token))
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_reprint"
    history = await intake_client.get(f"/items/{item['item_id']}/history", headers=_staff(token, "KHO-HN-02"))
    assert history.status_code == 404
    # Nothing refused was recorded.
    assert (await intake_client.get(url, headers=_staff(token))).json() == []
