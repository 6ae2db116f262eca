"""Receipt and moves: the scan station's hot path.

A scan reads the item without a lock, lets the domain decide, and writes what it decided only if the item is
still as read (its version, in a state the transition table allows the event in): one read and one write,
no lock held while deciding. If someone changed the item meanwhile, or the domain refused it as last committed,
the scan decides again on the locked row, whose rules then name the exact reason (409, 403, 404, 422)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_custody import domain, store, store_counts
from tangvat_custody.domain_scan_time import require_scanned_at, stamp
from tangvat_custody.service.common import (
    Custody,
    body,
    command,
    load_container,
    load_location,
    load_scanned,
)
from tangvat_custody.service.photos import receipt_photos
from tangvat_shared.command import CommandContext, Decision, Outcome
from tangvat_shared.errors import DomainError

Decide = Callable[[Mapping[str, Any]], Awaitable[domain.ItemDecision]]


async def _scan(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, label: str, event_type: str,
                now: datetime, decide: Decide) -> domain.ItemDecision:
    """Load the scanned item (unlocked), decide, save if unchanged since; else decide again on the locked row."""
    item = await load_scanned(conn, custody, ctx, label, lock=False)
    try:
        decision = await decide(item)
    except DomainError:
        pass  # refused as last committed: the locked row (after any command in flight) raises it, or wins after all
    else:
        if await store.save_item_if(conn, decision, now, version=item["version"], event_type=event_type):
            return decision
    decision = await decide(await load_scanned(conn, custody, ctx, label))
    await store.save_item(conn, decision, now)
    return decision


async def check_in(custody: Custody, ctx: CommandContext, label: str, location_code: str, *,
                   quantity_counted: int | None = None, condition: str | None = None, seal_intact: bool = True,
                   note: str | None = None, scanned_at: datetime | None = None, deliverer: str | None = None,
                   photo_ids: Sequence[uuid.UUID] = ()) -> Outcome:
    """Receive an item onto a shelf; what was not given (quantity, condition) is taken as the seizure record's.
    `scanned_at`: when a handheld scanned it (a queued scan), recorded beside the server's instant. The photos
    staged for it at receipt (`photo_ids`) are named, with their SHA-256, in its receipt event."""

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        require_scanned_at(scanned_at, now)
        location = await load_location(conn, custody, ctx, location_code)
        taken: list[dict[str, Any]] | None = None

        async def decide(item: Mapping[str, Any]) -> domain.ItemDecision:
            nonlocal taken
            counted = item["quantity"] if quantity_counted is None else quantity_counted
            decision = domain.check_in(item, location, quantity_counted=counted,
                                       condition=condition or item["condition"], seal_intact=seal_intact, note=note,
                                       now=now, deliverer=deliverer, photos=taken)
            if photo_ids and taken is None:  # the receipt is allowed: now lock and check its photos, once
                taken = await receipt_photos(conn, item["item_id"], list(photo_ids), now)
                return await decide(item)
            return decision

        decision = await _scan(conn, custody, ctx, label, "custody.item_received", now, decide)
        await store.save_discrepancies(conn, decision.discrepancies, ctx.user, now)
        answer = body("in_storage", item_id=decision.item_id, location_code=location["location_code"],
                      discrepancies=[d.data["kind"] for d in decision.discrepancies])
        return Outcome.done(answer), stamp(decision.drafts, scanned_at)

    return await command(custody, ctx, work)


async def move(custody: Custody, ctx: CommandContext, location_code: str, *, label: str | None = None,
               container_code: str | None = None, scanned_at: datetime | None = None) -> Outcome:
    """Move one item (by its label) or a container with everything in it; exactly one of the two is given."""

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        require_scanned_at(scanned_at, now)
        location = await load_location(conn, custody, ctx, location_code)
        warehouse_id = location["warehouse_id"]
        if label is not None:
            async def decide(item: Mapping[str, Any]) -> domain.ItemDecision:
                decision = domain.move(item, location)
                counts, scope = await _counts(conn, warehouse_id, [item["location_code"], location["location_code"]])
                domain.require_not_counted(warehouse_id, counts, scope)
                return decision

            decision = await _scan(conn, custody, ctx, label, "custody.item_moved", now, decide)
            return Outcome.done(body("moved", item_id=decision.item_id,
                                     location_code=location["location_code"])), stamp([decision.event], scanned_at)
        assert container_code is not None
        container = await load_container(conn, ctx, container_code)
        counts, scope = await _counts(conn, warehouse_id, [container["location_code"], location["location_code"]])
        packed = [dict(r) for r in await store.items_in_container(conn, container["container_id"])]
        decisions = domain.move_container(container, location, packed, counts, scope)
        await store.save_items(conn, decisions, now)
        await store.set_container_location(conn, container["container_id"], location["location_code"])
        answer = body("moved", container_id=container["container_id"], items=len(packed),
                      location_code=location["location_code"])
        return Outcome.done(answer), stamp([d.event for d in decisions], scanned_at)

    return await command(custody, ctx, work)


async def _counts(conn: asyncpg.Connection, warehouse_id: str, codes: Sequence[str | None]
                  ) -> tuple[list[dict[str, Any]], set[str]]:
    """The warehouse's open counts and, if there are any, the locations a move touches with every location
    above them: what the domain needs to decide count_in_progress."""
    counts = [dict(r) for r in await store_counts.open_counts(conn, warehouse_id)]
    scope = await store.location_ancestry(conn, [c for c in codes if c]) if counts else set()
    return counts, scope
