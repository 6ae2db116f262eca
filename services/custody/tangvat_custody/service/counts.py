"""Inventory counts: open, scan, close with the report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_custody import domain, reads, store, store_counts
from tangvat_custody.domain_scan_time import require_scanned_at
from tangvat_custody.service.common import Custody, body, command, load_location, load_scanned
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Decision, Draft, Outcome
from tangvat_shared.errors import Conflict, NotFound

# --- inventory counts -----------------------------------------------------------------------------


async def open_count(custody: Custody, ctx: CommandContext, warehouse_id: str, location_code: str | None,
                     blind: bool) -> Outcome:
    ctx.principal.require_warehouse(warehouse_id)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        if await store.warehouse(conn, warehouse_id) is None:
            raise NotFound(f"warehouse {warehouse_id} not found", code="unknown_warehouse")
        location = None
        if location_code is not None:
            location = await load_location(conn, custody, ctx, location_code)
        domain.require_location_in(warehouse_id, location)
        count_id = uuid.uuid4()
        expected = await store_counts.open_count(conn, count_id, warehouse_id, location_code,
                                          blind, ctx.user, now)
        draft = Draft("custody.count_opened", f"count/{count_id}", {
            "count_id": str(count_id), "warehouse_id": warehouse_id,
            "location_code": location_code, "blind": blind, "expected": expected})
        fields: dict[str, Any] = {"count_id": count_id, "blind": blind}
        if not blind:  # blind counts never tell the counter what is expected
            fields["expected"] = expected
        return Outcome.created(body("open", **fields)), [draft]

    return await command(custody, ctx, work)


async def _open_count(conn: asyncpg.Connection, ctx: CommandContext, count_id: uuid.UUID, lock: bool
                      ) -> dict[str, Any]:
    row = await store_counts.stock_count(conn, count_id, for_update=lock)
    if row is None:
        raise domain.unknown_count(count_id)
    ctx.principal.require_visible_warehouse(row["warehouse_id"], domain.unknown_count(count_id))
    if row["closed_at"] is not None:
        raise Conflict("the count is closed", code="count_closed")
    return dict(row)


async def scan_count(custody: Custody, ctx: CommandContext, count_id: uuid.UUID, label: str,
                     location_code: str | None, scanned_at: datetime | None = None) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        require_scanned_at(scanned_at, now)
        count = await _open_count(conn, ctx, count_id, lock=False)
        # A label of an item custody does not know, or keeps outside the caller's warehouses or this count's
        # warehouse: the same unknown_item, and nothing recorded.
        item = await load_scanned(conn, custody, ctx, label, lock=False)
        item_id = item["item_id"]
        domain.require_countable(count, item_id, item)
        where = location_code or count["location_code"]
        new = await store_counts.record_count_scan(conn, count_id, item_id, where, ctx.user, now, scanned_at)
        fields: dict[str, Any] = {"count_id": count_id, "item_id": item_id, "first_scan": new}
        if not count["blind"]:  # blind counts never tell the counter what was expected
            fields["expected"] = await store_counts.is_expected(conn, count_id, item_id)
        return Outcome.done(body("scanned", **fields)), []

    return await command(custody, ctx, work)


async def get_count(custody: Custody, principal: Principal, count_id: uuid.UUID) -> dict[str, Any]:
    async with custody.pool.acquire() as conn:
        count = await store_counts.stock_count(conn, count_id)
        if count is None:
            raise domain.unknown_count(count_id)
        principal.require_visible_warehouse(count["warehouse_id"], domain.unknown_count(count_id))
        scans = await store_counts.count_scans(conn, count_id)
        out: dict[str, Any] = {k: count[k] for k in ("count_id", "warehouse_id", "location_code", "blind",
                                                      "opened_by", "opened_at", "closed_by", "closed_at")}
        out["scanned"] = len(scans)
        if count["closed_at"] is not None:
            out["report"] = count["report"]
        elif not count["blind"]:
            expected = await store_counts.count_expected(conn, count_id)
            out["expected_item_ids"] = sorted(str(i) for i in expected)
            # What closing now would mark missing (a station confirms it first), and what turned up unexpected.
            out["not_scanned"] = [dict(r) for r in await reads.count_not_scanned(conn, count_id)]
            out["unexpected"] = await reads.count_unexpected(conn, count_id)
    return out



async def close_count(custody: Custody, ctx: CommandContext, count_id: uuid.UUID) -> Outcome:
    """The report; items expected but not found are flagged missing, missing items found come back."""

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        count = await _open_count(conn, ctx, count_id, lock=True)
        expected = await store_counts.count_expected(conn, count_id)
        scans = await store_counts.count_scans(conn, count_id)
        # The items the classification looks at, locked: expected but not scanned, scanned but not expected.
        asked = [i for i in expected if i not in scans] + [i for i in scans if i not in expected]
        items = {i: dict(r) for i, r in (await store.items(conn, asked, for_update=True)).items()}
        closure = domain.close_count(count, expected, scans, items)
        await store.save_items(conn, closure.decisions, now)
        await store.save_discrepancies(conn, closure.discrepancies, ctx.user, now)
        await store_counts.close_count(conn, count_id, ctx.user, now, closure.report)
        return Outcome.done(body("closed", count_id=count_id, report=closure.report)), closure.drafts

    return await command(custody, ctx, work)
