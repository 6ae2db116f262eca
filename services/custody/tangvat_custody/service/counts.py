"""Inventory counts: open, scan, close with the report."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from tangvat_custody import domain, store
from tangvat_custody.schemas import (
    CountIn,
    CountScanIn,
)
from tangvat_custody.service.common import (
    Custody,
    Result,
    _command,
    _emit,
    _location,
    _now,
    _out,
)
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Draft
from tangvat_shared.errors import Conflict, NotFound, RuleViolation
from tangvat_shared.events.custody import DiscrepancyKind
from tangvat_shared.idempotency import StoredResponse
from tangvat_shared.labels import InvalidLabel, verify_label

# --- inventory counts -----------------------------------------------------------------------------


async def open_count(custody: Custody, ctx: CommandContext, body: CountIn) -> StoredResponse:
    ctx.principal.require_warehouse(body.warehouse_id)

    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        if await store.warehouse(conn, body.warehouse_id) is None:
            raise NotFound(f"warehouse {body.warehouse_id} not found", code="unknown_warehouse")
        if body.location_code is not None:
            location = await _location(conn, custody, ctx, body.location_code)
            if location["warehouse_id"] != body.warehouse_id:
                raise RuleViolation("the location is in another warehouse", code="wrong_warehouse")
        count_id = uuid.uuid4()
        expected = await store.open_count(conn, count_id, body.warehouse_id, body.location_code, body.blind,
                                          ctx.user, now)
        draft = Draft("custody.count_opened", f"count/{count_id}", {
            "count_id": str(count_id), "warehouse_id": body.warehouse_id, "location_code": body.location_code,
            "blind": body.blind, "expected": expected})
        fields: dict[str, Any] = {"count_id": count_id, "blind": body.blind}
        if not body.blind:
            fields["expected"] = expected
        return 201, _out("open", await _emit(conn, ctx, [draft], now), **fields)

    return await _command(custody, ctx, work)


async def _open_count(conn: asyncpg.Connection, ctx: CommandContext, count_id: uuid.UUID, lock: bool
                      ) -> asyncpg.Record:
    count = await store.stock_count(conn, count_id, for_update=lock)
    if count is None:
        raise NotFound(f"count {count_id} not found")
    ctx.principal.require_warehouse(count["warehouse_id"])
    if count["closed_at"] is not None:
        raise Conflict("the count is closed", code="count_closed")
    return count


async def scan_count(custody: Custody, ctx: CommandContext, count_id: uuid.UUID, body: CountScanIn
                     ) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        count = await _open_count(conn, ctx, count_id, lock=False)
        item_id, label_code = verify_label(custody.label_key, body.label)
        item = await store.item(conn, item_id)
        if item is not None and item["label_code"] != label_code:
            raise InvalidLabel("the label's code is not this item's label")
        where = body.location_code or count["location_code"]
        new = await store.record_count_scan(conn, count_id, item_id, where, ctx.user, _now())
        fields: dict[str, Any] = {"count_id": count_id, "item_id": item_id, "first_scan": new}
        if not count["blind"]:  # blind counts never tell the counter what was expected
            fields["expected"] = await store.is_expected(conn, count_id, item_id)
        return 200, _out("scanned", [], **fields)

    return await _command(custody, ctx, work)


async def get_count(custody: Custody, principal: Principal, count_id: uuid.UUID) -> dict[str, Any]:
    async with custody.pool.acquire() as conn:
        count = await store.stock_count(conn, count_id)
        if count is None:
            raise NotFound(f"count {count_id} not found")
        principal.require_warehouse(count["warehouse_id"])
        scans = await store.count_scans(conn, count_id)
        out: dict[str, Any] = {k: count[k] for k in ("count_id", "warehouse_id", "location_code", "blind",
                                                      "opened_by", "opened_at", "closed_by", "closed_at")}
        out["scanned"] = len(scans)
        if count["closed_at"] is not None:
            out["report"] = count["report"]
        elif not count["blind"]:
            expected = await store.count_expected(conn, count_id)
            out["expected_item_ids"] = sorted(str(i) for i in expected)
    return out


async def close_count(custody: Custody, ctx: CommandContext, count_id: uuid.UUID) -> StoredResponse:
    """The report; items expected but not found are flagged missing, missing items found come back."""

    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        count = await _open_count(conn, ctx, count_id, lock=True)
        expected = await store.count_expected(conn, count_id)
        scans = await store.count_scans(conn, count_id)
        report = domain.count_report(expected, scans)
        drafts: list[Draft] = []
        flagged, left = [], []
        missing_ids = [uuid.UUID(i) for i in report["missing"]]
        for item in (await store.items(conn, missing_ids, for_update=True)).values():
            try:
                drafts.append(domain.item_event(item, "custody.item_missing", warehouse_id=item["warehouse_id"],
                                                context="count", reference_id=count_id,
                                                last_location_code=item["location_code"])[1])
            except Conflict:  # it left the shelves during the count (checked out, dispatched)
                left.append(str(item["item_id"]))
                continue
            flagged.append(item["item_id"])
        await store.project(conn, "custody.item_missing", flagged, now, batch_id=None)
        found_again = []
        unexpected_ids = [uuid.UUID(i) for i in report["unexpected"]]
        for item in (await store.items(conn, unexpected_ids, for_update=True)).values():
            where = scans[item["item_id"]]
            if item["state"] == "missing" and item["warehouse_id"] == count["warehouse_id"] and where:
                drafts.append(domain.item_event(item, "custody.item_found", warehouse_id=item["warehouse_id"],
                                                reference_id=count_id, location_code=where)[1])
                await store.project(conn, "custody.item_found", [item["item_id"]], now, location_code=where)
                found_again.append(str(item["item_id"]))
            elif item["state"] not in ("disposed", "released"):
                drafts.append(domain.discrepancy(item, DiscrepancyKind.UNEXPECTED, item["location_code"], where,
                                                 "count", count_id))
        report.update(flagged_missing=[str(i) for i in flagged], left_during_count=left, found_again=found_again)
        await store.close_count(conn, count_id, ctx.user, now, report)
        drafts.append(Draft("custody.count_closed", f"count/{count_id}", {
            "count_id": str(count_id), "warehouse_id": count["warehouse_id"],
            "location_code": count["location_code"], "expected": report["expected"],
            "found": len(report["found"]), "unexpected": len(report["unexpected"]),
            "missing": len(report["missing"])}))
        ids = await _emit(conn, ctx, drafts, now)
        return 200, _out("closed", ids, count_id=count_id, report=report)

    return await _command(custody, ctx, work)
