"""`make demo`'s warehouse floor: the Bắc Ninh warehouse registered, a small tree of locations in it (zones →
shelves → bins) and their signed labels printed, so that staff can scan a shelf's label on the first day."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

# (role, user, units, warehouses) -> a bearer token, as for the unit hierarchy.
TokenFor = Callable[[str, str, list[str], list[str]], str]
WAREHOUSE, WAREHOUSE_NAME = "KHO-BN-01", "Kho tang vật Bắc Ninh"
# (code, kind, parent, name): two zones, a shelf in each, bins on the shelves.
TREE = [(f"{WAREHOUSE}.A", "zone", None, "Khu A — hàng giả"), (f"{WAREHOUSE}.A1", "shelf", f"{WAREHOUSE}.A", "Kệ A1"),
        *((f"{WAREHOUSE}.A-{n}", "bin", f"{WAREHOUSE}.A1", f"Ô A-{n}") for n in (1, 2, 3)),
        (f"{WAREHOUSE}.D", "zone", None, "Khu D — chờ tiêu hủy"),
        (f"{WAREHOUSE}.D1", "shelf", f"{WAREHOUSE}.D", "Kệ D1"),
        (f"{WAREHOUSE}.D-1", "bin", f"{WAREHOUSE}.D1", "Ô D-1")]


def set_up_floor(custody_url: str, token_for: TokenFor, state: Path) -> dict[str, Any]:
    """Register the warehouse and its tree (again on every run: what exists already is kept), print its labels."""
    admin = {"Authorization": f"Bearer {token_for('admin', 'demo-admin', ['*'], ['*'])}"}
    staff = {"Authorization": f"Bearer {token_for('warehouse_staff', 'staff-bn', ['QLTT-BN'], [WAREHOUSE])}"}
    with httpx.Client(base_url=custody_url, timeout=60) as client:
        made = client.post("/warehouses", json={"warehouse_id": WAREHOUSE, "name": WAREHOUSE_NAME}, headers=admin)
        _created_or_there(made)
        for code, kind, parent, name in TREE:
            _created_or_there(client.post(f"/warehouses/{WAREHOUSE}/locations", headers=staff,
                                          json={"location_code": code, "kind": kind, "parent_code": parent,
                                                "name": name}))
        labelled = client.get(f"/warehouses/{WAREHOUSE}/location-labels", headers=staff)
        labelled.raise_for_status()
        bins = [row["location_code"] for row in labelled.json() if row["kind"] == "bin"]
        sheet = client.get(f"/warehouses/{WAREHOUSE}/location-labels.pdf", params={"code": bins}, headers=staff)
        sheet.raise_for_status()
    path = state / f"location-labels-{WAREHOUSE}.pdf"
    path.write_bytes(sheet.content)
    return {"warehouse": WAREHOUSE, "locations": len(labelled.json()), "location_label_sheet": str(path),
            "bin_labels": {row["location_code"]: row["label"] for row in labelled.json() if row["kind"] == "bin"}}


def _created_or_there(response: httpx.Response) -> None:
    if response.status_code not in (200, 201, 409):
        response.raise_for_status()
        raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:200]}")
