"""What every custody command shares: the service's resources, the command kernel, the loaders (a locked item,
a scanned label, a location, a container, as plain dicts) and the answer's shape."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tangvat_custody import SERVICE, domain, store, store_approvals
from tangvat_custody import domain_requests as requests
from tangvat_shared import workdays
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Draft, Outcome, Work, run_command
from tangvat_shared.envelope import Actor
from tangvat_shared.files import FileStore, LocalFileStore
from tangvat_shared.keys import generate_private_key
from tangvat_shared.labels import InvalidLabel, verify_label


@dataclass(frozen=True)
class Custody:
    """What every command needs: the database, intake's label key, and the configured limits; `location_key`
    signs location labels (custody's own key; unset, one of this process only, for tests that print none); `files`
keeps the photos' bytes by SHA-256 (the shared file store)."""

    pool: asyncpg.Pool
    label_key: Ed25519PublicKey
    two_person_threshold_vnd: int = 100_000_000
    perishable_limit_days: int = 30
    two_person_window_hours: float = 24.0
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> immutable location facts
    location_key: Ed25519PrivateKey = field(default_factory=generate_private_key)
    # The photos' bytes, signed forms and their signature images, by SHA-256 (`tangvat_shared.files`).
    files: FileStore = field(default_factory=lambda: LocalFileStore(Path(".run/files/custody")))
    # Working days and Vietnamese public holidays (configuration: TANGVAT_HOLIDAYS_FILE), for deadlines.
    calendar: workdays.Calendar = field(default_factory=workdays.load)


def actor_of(principal: Principal) -> Actor:
    return principal.actor


# --- the command kernel -------------------------------------------------------------------------


async def command(custody: Custody, ctx: CommandContext, work: Work) -> Outcome:
    """Run `work(conn, now) -> (Outcome, drafts)` through the shared kernel as custody."""
    return await run_command(custody.pool, ctx, SERVICE, work)


def body(status: str, **fields: Any) -> dict[str, Any]:
    """An answer's body: its status and fields, JSON-ready (the kernel adds the recorded `event_ids`)."""
    return {"status": status, **{k: domain.json_value(v) for k, v in fields.items()}}


async def save_discrepancies(conn: asyncpg.Connection, ctx: CommandContext, drafts: Sequence[Draft],
                             now: datetime) -> None:
    """The discrepancy rows of the `custody.discrepancy_recorded` drafts a command decided on (the
    warehouse's list of differences to resolve; the events themselves go to the chain)."""
    await store.save_discrepancies(conn, drafts, ctx.user, now)


async def pending(conn: asyncpg.Connection, ctx: CommandContext, kind: str, warehouse_id: str,
                  payload: dict[str, Any], value_vnd: int, now: datetime) -> Outcome:
    """A high-value command recorded as waiting for a second person: 202 with where to confirm it."""
    approval_id = uuid.uuid4()
    await store_approvals.insert_approval(conn, approval_id, kind, warehouse_id, payload, value_vnd, ctx.user, now)
    return Outcome.pending(body("pending_confirmation", approval_id=approval_id, value_vnd=value_vnd,
                                confirm_url=f"/approvals/{approval_id}/confirm"))


async def needs_second_person(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, warehouse_id: str,
                              value_vnd: int, now: datetime) -> bool:
    """Load what the caller moved alone here within the window (locked per person and warehouse) and ask the
    domain's two-person rule."""
    await store_approvals.lock_solo_moves(conn, ctx.user, warehouse_id)
    since = now - timedelta(hours=custody.two_person_window_hours)
    alone = await store_approvals.solo_moves_since(conn, ctx.user, warehouse_id, since)
    return requests.needs_second_person(value_vnd, alone, custody.two_person_threshold_vnd)


async def moved_alone(conn: asyncpg.Connection, ctx: CommandContext, warehouse_id: str, kind: str, value_vnd: int,
                      now: datetime) -> None:
    """Count a move made without a second person towards the caller's window."""
    await store_approvals.record_solo_move(conn, ctx.user, warehouse_id, kind, value_vnd, now)


# --- loaders: what a command reads, locked, as plain dicts ----------------------------------------


async def load_item(conn: asyncpg.Connection, ctx: CommandContext, item_id: uuid.UUID, *, lock: bool = True
                    ) -> dict[str, Any]:
    """The item (locked unless a scan's fast path reads it to decide first); `unknown_item` if custody does not
    know it or keeps it outside the caller's warehouses (the same answer: no oracle for where it is kept)."""
    row = await store.item(conn, item_id, for_update=lock)
    if row is None:
        raise domain.unknown_item(item_id)
    ctx.principal.require_visible_warehouse(row["warehouse_id"], domain.unknown_item(item_id))
    return dict(row)


async def load_items(conn: asyncpg.Connection, ctx: CommandContext, item_ids: Sequence[uuid.UUID]
                     ) -> dict[uuid.UUID, dict[str, Any]]:
    """The items of a batch (locked) that the caller may see: one kept outside its warehouses is missing from
    the answer like an id custody does not know, so the domain refuses both alike."""
    rows = await store.items(conn, item_ids, for_update=True)
    return {item_id: dict(row) for item_id, row in rows.items()
            if ctx.principal.may_act_in_warehouse(row["warehouse_id"])}


async def load_scanned(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, label: str, *,
                       lock: bool = True) -> dict[str, Any]:
    """The item a scanned label names (locked unless `lock` is False); a forged or altered label never reaches
    the database, and one of an item the caller may not see is answered as a label of an unknown item."""
    item_id, label_code = verify_label(custody.label_key, label)
    item = await load_item(conn, ctx, item_id, lock=lock)
    if item["label_code"] != label_code:
        raise InvalidLabel("the label's code is not this item's label")
    return item


async def load_location(conn: asyncpg.Connection, custody: Custody, ctx: CommandContext, code: str, *,
                        registry: bool = False) -> Mapping[str, Any]:
    """A location of the caller's warehouses (`registry`: of any, for an admin keeping the registry); another
    warehouse's is `unknown_location`, as a code nobody created."""
    # A location never changes warehouse or code once created: scans may trust a cached copy.
    location = custody.locations.get(code)
    if location is None:
        row = await store.location(conn, code)
        if row is None:
            raise domain.unknown_location(code)
        location = {"location_code": row["location_code"], "warehouse_id": row["warehouse_id"],
                    "kind": row["kind"]}
        if len(custody.locations) > 100_000:
            custody.locations.clear()
        custody.locations[code] = location
    ctx.principal.require_visible_warehouse(location["warehouse_id"], domain.unknown_location(code), registry=registry)
    return location


async def load_container(conn: asyncpg.Connection, ctx: CommandContext, code: str) -> dict[str, Any]:
    """A container of the caller's warehouses (locked); another warehouse's is `unknown_container`."""
    row = await store.container(conn, code, for_update=True)
    if row is None:
        raise domain.unknown_container(code)
    ctx.principal.require_visible_warehouse(row["warehouse_id"], domain.unknown_container(code))
    return dict(row)
