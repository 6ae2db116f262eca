"""Signed location labels through custody's API: looked up by scan, taken by scan commands instead of a code,
printed as PDF and ZPL; an EAN, an item label, a forged label or another warehouse's location is refused."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
from pypdf import PdfReader

from tangvat_shared.keys import generate_private_key, load_private_key
from tangvat_shared.labels import sign_location_label
from tests.integration.conftest import TokenFactory, bearer
from tests.integration.custody.conftest import OTHER_WAREHOUSE, WAREHOUSE, SeedFactory, staff

EAN = "8934563138165"


def _label(keys_dir: Path, code: str) -> str:
    return sign_location_label(load_private_key((keys_dir / "custody.pem").read_bytes()), code)


async def test_a_scanned_location_label_names_its_location_in_the_callers_warehouse(
    custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]], keys_dir: Path,
) -> None:
    code = warehouses[WAREHOUSE][0]
    found = await custody_client.get("/labels/location-lookup", params={"label": _label(keys_dir, code)},
                                     headers=staff(token))
    assert found.status_code == 200, found.text
    assert found.json()["location_code"] == code and found.json()["warehouse_id"] == WAREHOUSE
    assert found.json()["kind"] == "bin" and found.json()["label"] == _label(keys_dir, code)

    elsewhere = await custody_client.get("/labels/location-lookup", headers=staff(token), params={
        "label": _label(keys_dir, warehouses[OTHER_WAREHOUSE][0])})
    nobody = await custody_client.get("/labels/location-lookup", headers=staff(token), params={
        "label": _label(keys_dir, "KHO-NONE.X")})
    # Another warehouse's genuine label reads like a label of a location nobody created.
    assert elsewhere.status_code == nobody.status_code == 404
    assert elsewhere.json()["error"]["code"] == nobody.json()["error"]["code"] == "unknown_location"


async def test_an_ean_an_item_label_or_a_forged_location_label_is_refused_by_name(
    custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]], seed: SeedFactory,
) -> None:
    seeded = await seed(1)
    forged = sign_location_label(generate_private_key(), warehouses[WAREHOUSE][0])
    for scanned, says in [(EAN, "not a Tangvat location label"), (seeded.label(0), "item's label"),
                          (forged, "forged or altered")]:
        refused = await custody_client.get("/labels/location-lookup", params={"label": scanned},
                                           headers=staff(token))
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "invalid_location_label"
        assert says in refused.json()["error"]["message"]


async def test_a_receipt_scan_takes_the_signed_label_and_refuses_an_ean_without_writing(
    custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]], seed: SeedFactory,
    keys_dir: Path,
) -> None:
    seeded = await seed(2)
    bin_ = warehouses[WAREHOUSE][1]
    ean = await custody_client.post("/scans/check-in", headers=staff(token), json={
        "label": seeded.label(0), "location_label": EAN})
    assert ean.status_code == 422 and ean.json()["error"]["code"] == "invalid_location_label", ean.text
    item = await custody_client.get(f"/items/{seeded.item_id(0)}", headers=staff(token))
    assert item.json()["state"] == "awaiting_receipt" and item.json()["location_code"] is None

    both = await custody_client.post("/scans/check-in", headers=staff(token), json={
        "label": seeded.label(0), "location_label": _label(keys_dir, bin_), "location_code": bin_})
    neither = await custody_client.post("/scans/check-in", headers=staff(token), json={"label": seeded.label(0)})
    assert both.status_code == neither.status_code == 422

    received = await custody_client.post("/scans/check-in", headers=staff(token), json={
        "label": seeded.label(0), "location_label": _label(keys_dir, bin_)})
    assert received.status_code == 200, received.text
    assert received.json()["location_code"] == bin_

    # A move to a shelf picked from the list still takes the code.
    other_bin = warehouses[WAREHOUSE][2]
    moved = await custody_client.post("/scans/move", headers=staff(token), json={
        "label": seeded.label(0), "location_code": other_bin})
    assert moved.status_code == 200 and moved.json()["location_code"] == other_bin, moved.text
    back = await custody_client.post("/scans/move", headers=staff(token), json={
        "label": seeded.label(0), "location_label": _label(keys_dir, bin_)})
    assert back.status_code == 200 and back.json()["location_code"] == bin_, back.text


async def test_location_labels_print_as_a_pdf_sheet_and_as_zpl_with_their_words(
    custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]], keys_dir: Path,
) -> None:
    codes = warehouses[WAREHOUSE][:2]
    query = [("code", c) for c in codes]
    pdf = await custody_client.get(f"/warehouses/{WAREHOUSE}/location-labels.pdf", params=query,
                                   headers=staff(token))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", pdf.text
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for code in codes:
        assert code in text
    assert f"Kho: Kho {WAREHOUSE}" in text and "Ô" in text

    zpl = await custody_client.get(f"/warehouses/{WAREHOUSE}/location-labels.zpl", params=query,
                                   headers=staff(token))
    assert zpl.status_code == 200, zpl.text
    formats = re.findall(r"\^XA.*?\^XZ", zpl.text, flags=re.S)
    assert len(formats) == 2
    for code, form in zip(codes, formats, strict=True):
        assert f"^BQN,2,4^FDMA,{_label(keys_dir, code)}^FS" in form
        assert f"^FD{code}^FS" in form


async def test_printing_another_warehouses_labels_or_an_unknown_code_is_refused(
    custody_client: httpx.AsyncClient, token: TokenFactory, warehouses: dict[str, list[str]],
    local_token: TokenFactory,
) -> None:
    outside = await custody_client.get(f"/warehouses/{OTHER_WAREHOUSE}/location-labels.pdf", headers=staff(token))
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "warehouse_scope"
    foreign_code = await custody_client.get(f"/warehouses/{WAREHOUSE}/location-labels.zpl", headers=staff(token),
                                            params={"code": warehouses[OTHER_WAREHOUSE][0]})
    assert foreign_code.status_code == 404 and foreign_code.json()["error"]["code"] == "unknown_location"
    bad = await custody_client.get(f"/warehouses/{WAREHOUSE}/location-labels.zpl", headers=staff(token),
                                   params={"code": "A^XZ"})
    assert bad.status_code == 422
    auditor = await custody_client.get(f"/warehouses/{WAREHOUSE}/location-labels.pdf",
                                       headers=bearer(local_token("auditor", warehouses=(WAREHOUSE,))))
    assert auditor.status_code == 403

    seen = await custody_client.get("/warehouses", headers=staff(token))
    assert [w["warehouse_id"] for w in seen.json()] == [WAREHOUSE]
    admin = await custody_client.get("/warehouses", headers=bearer(local_token("admin", user="admin-1")))
    assert {WAREHOUSE, OTHER_WAREHOUSE} <= {w["warehouse_id"] for w in admin.json()}
