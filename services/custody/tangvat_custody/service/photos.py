"""Photos taken at receipt: staged one by one (load the item -> the rules accept the bytes -> save), named by the
receipt scan whose event carries their SHA-256; their bytes in the file store (`custody.files`), the row keeping
the hash and what the pages list; read back scoped by the item's warehouse like every custody read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_custody import domain_photos as photos
from tangvat_custody import reads, store_photos
from tangvat_custody.service.common import Custody, body, command, load_item
from tangvat_custody.service.queries import get_item
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Decision, Outcome
from tangvat_shared.errors import NotFound


def unknown_photo(photo_id: uuid.UUID) -> NotFound:
    return NotFound(f"photo {photo_id} not found", code="unknown_photo")


async def add_photo(custody: Custody, ctx: CommandContext, item_id: uuid.UUID, content: bytes) -> Outcome:
    """Stage a photo of an item awaiting receipt; the receipt names it (`check_in(photo_ids=...)`). No event
    yet: the chain learns of the photo, with its hash, from the receipt that names it."""
    accepted = photos.accept_photo(content)  # before the database: a refused file never costs a transaction
    # Into the store before the row that names it: a row never names bytes the store lacks (a file whose command
    # then fails is only an unnamed file, harmless in a content-addressed store).
    await custody.files.put(content, accepted.media_type)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        item = await load_item(conn, ctx, item_id)
        photos.require_photographable(item, await store_photos.photo_count(conn, item_id))
        photo_id = uuid.uuid4()
        count = await store_photos.insert_photo(conn, photo_id, item_id, item["warehouse_id"], accepted.media_type,
                                         accepted.size_bytes, accepted.sha256, ctx.user, now)
        return Outcome.created(body("staged", photo_id=photo_id, item_id=item_id, sha256=accepted.sha256,
                                    media_type=accepted.media_type, size_bytes=accepted.size_bytes,
                                    photos=count), event_ids=False), []

    return await command(custody, ctx, work)


async def receipt_photos(conn: asyncpg.Connection, item_id: uuid.UUID, photo_ids: list[uuid.UUID], now: datetime
                         ) -> list[dict[str, Any]]:
    """Lock the photos a receipt names, check them (`domain_photos.receipt_photos`) and mark them received
    (the receipt's transaction commits both, or neither)."""
    if not photo_ids:
        return []
    refs = photos.receipt_photos(item_id, photo_ids, await store_photos.staged_photos(conn, photo_ids))
    await store_photos.mark_photos_received(conn, photo_ids, now)
    return refs


async def item_photos(custody: Custody, principal: Principal, item_id: uuid.UUID) -> list[dict[str, Any]]:
    await get_item(custody, principal, item_id)  # unknown, or kept outside the caller's warehouses: 404 alike
    async with custody.pool.acquire() as conn:
        return [dict(r) for r in await reads.item_photos(conn, item_id)]


async def photo_content(custody: Custody, principal: Principal, photo_id: uuid.UUID) -> tuple[str, bytes, str]:
    """A photo's format, bytes and SHA-256; another warehouse's photo is as unknown as one never taken."""
    async with custody.pool.acquire() as conn:
        row = await reads.photo(conn, photo_id)
    if row is None:
        raise unknown_photo(photo_id)
    principal.require_visible_warehouse(row["warehouse_id"], unknown_photo(photo_id))
    if row["content"] is not None:  # staged before the file store: moved into it on its first read
        await custody.files.put(bytes(row["content"]), row["media_type"])
        async with custody.pool.acquire() as conn:
            await store_photos.forget_photo_bytes(conn, row["sha256"])
    return row["media_type"], await custody.files.get(row["sha256"]), row["sha256"]

