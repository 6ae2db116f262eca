"""Signed location labels: custody signs each location's code; a scan names a location only by such a label (or
by a code picked from a list), and a sheet of them prints as PDF or ZPL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tangvat_custody import domain, reads, store
from tangvat_custody.service.common import Custody
from tangvat_shared.auth import Principal
from tangvat_shared.errors import InvalidInput, NotFound
from tangvat_shared.label_print import PrintedLabel
from tangvat_shared.labels import sign_location_label, verify_location_label

# What a printed label says a location is: labels are read on the floor, in Vietnamese.
KIND_WORDS = {"zone": "Khu", "shelf": "Kệ", "bin": "Ô"}


def label_of(custody: Custody, location_code: str) -> str:
    return sign_location_label(custody.location_key, location_code)


def scanned_location(custody: Custody, location_code: str | None, location_label: str | None) -> str | None:
    """The location a scan command names: the code of a genuine location label (a manufacturer's EAN, an item's
    label, unsigned or altered text is `invalid_location_label`), or a code picked from a list as given."""
    if location_label is not None:
        if location_code is not None:
            raise InvalidInput("give location_code or location_label, not both")
        return verify_location_label(custody.location_key.public_key(), location_label)
    return location_code


def required_location(custody: Custody, location_code: str | None, location_label: str | None) -> str:
    """`scanned_location` where the request model requires one of the two."""
    code = scanned_location(custody, location_code, location_label)
    if code is None:
        raise InvalidInput("give location_label (scanned) or location_code (picked)")
    return code


def _with_label(custody: Custody, row: Any) -> dict[str, Any]:
    return {**dict(row), "label": label_of(custody, row["location_code"])}


async def location_by_label(custody: Custody, principal: Principal, label: str) -> dict[str, Any]:
    """The location a scanned location label names (with its label); one kept outside the caller's warehouses is
    `unknown_location`, like a code nobody created (an admin keeping the registry sees every warehouse's)."""
    code = verify_location_label(custody.location_key.public_key(), label)
    async with custody.pool.acquire() as conn:
        row = await store.location(conn, code)
    if row is None:
        raise domain.unknown_location(code)
    principal.require_visible_warehouse(row["warehouse_id"], domain.unknown_location(code), registry=True)
    return _with_label(custody, row)


async def labelled_locations(custody: Custody, principal: Principal, warehouse_id: str) -> list[dict[str, Any]]:
    """A warehouse's locations, each with its signed label."""
    principal.require_registry_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        return [_with_label(custody, r) for r in await reads.locations(conn, warehouse_id)]


async def location_labels(custody: Custody, principal: Principal, warehouse_id: str,
                          codes: Sequence[str]) -> tuple[str, list[PrintedLabel]]:
    """The title and labels of a sheet of a warehouse's locations (the codes given, in their order; none: all of
    them); a code not of this warehouse is `unknown_location`."""
    principal.require_registry_warehouse(warehouse_id)
    async with custody.pool.acquire() as conn:
        warehouse = await store.warehouse(conn, warehouse_id)
        if warehouse is None:
            raise NotFound(f"warehouse {warehouse_id} not found", code="unknown_warehouse")
        rows = {r["location_code"]: r for r in await reads.locations(conn, warehouse_id)}
    chosen = list(dict.fromkeys(codes)) or list(rows)
    for code in chosen:
        if code not in rows:
            raise domain.unknown_location(code)
    labels = []
    for code in chosen:
        row = rows[code]
        kind = KIND_WORDS.get(row["kind"], row["kind"])
        lines = (f"{kind}: {row['name']}" if row["name"] else kind,
                 f"Kho: {warehouse['name']}", warehouse_id)
        labels.append(PrintedLabel(label_of(custody, code), code, lines))
    return f"Nhãn vị trí — {warehouse['name']}", labels


async def warehouses(custody: Custody, principal: Principal) -> list[dict[str, Any]]:
    """The warehouses the caller may see: an admin keeping the registry every one, anyone else those of its
    token."""
    async with custody.pool.acquire() as conn:
        rows = await reads.warehouses(conn)
    return [dict(r) for r in rows if principal.manages_registry or principal.may_act_in_warehouse(r["warehouse_id"])]
