"""Photos and documents at intake: a file uploaded for a unit before the registration that names it, or added to
a registered seizure (or one of its items) by its own command (load -> decide -> save -> answer, the event
`intake.attachment_added`); their bytes in intake's file store, read back in the seizure's unit scope."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_intake import SERVICE, reprints, store
from tangvat_intake import domain_attachments as rules
from tangvat_intake.service import Intake, _item, _seizure
from tangvat_shared.auth import Principal
from tangvat_shared.command import CommandContext, Decision, Outcome, run_command
from tangvat_shared.content import Accepted, accept
from tangvat_shared.errors import InvalidInput, NotFound
from tangvat_shared.uploads import Upload


async def upload(intake: Intake, principal: Principal, unit: str | None, content: bytes) -> dict[str, Any]:
    """Keep a file a registration of `unit` is about to name (no event: the registration names it)."""
    if not unit:
        raise InvalidInput("name the seizing unit the file is for", details=[{"loc": ["body", "seizing_unit"]}])
    principal.require_unit(unit)
    accepted = accept(content)
    await intake.files.put(content, accepted.media_type)
    return {"sha256": accepted.sha256, "media_type": accepted.media_type, "size_bytes": accepted.size_bytes}


async def add(intake: Intake, ctx: CommandContext, seizure_id: uuid.UUID, sent: Upload) -> Outcome:
    """Add a photo or document to a seizure (or to one of its items, `item_id`)."""
    accepted: Accepted = accept(sent.content)
    name = rules.attachment_name(sent.fields.get("name"), sent.filename, accepted.media_type)
    item_id = rules.item_id_of(sent.fields.get("item_id"))
    # Into the store before the event that names it (a file whose command fails is only an unnamed file).
    await intake.files.put(sent.content, accepted.media_type)

    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        seizure = await _seizure(conn, ctx.principal, seizure_id, for_update=True)
        item = await _item(conn, ctx.principal, item_id) if item_id is not None else None
        draft = rules.add_attachment(seizure, item, accepted.sha256, name, accepted.media_type, accepted.size_bytes)
        body = {"sha256": accepted.sha256, "name": name, "media_type": accepted.media_type,
                "size_bytes": accepted.size_bytes, "item_id": str(item_id) if item_id else None}
        if not await store.insert_attachment(conn, seizure_id, item_id, accepted.sha256, name, accepted.media_type,
                                             accepted.size_bytes, ctx.user, now):
            return Outcome.done({**body, "status": "already_attached"}, event_ids=False), []
        return Outcome.created({**body, "status": "attached"}), [draft]

    return await run_command(intake.pool, ctx, SERVICE, work)


async def visible(intake: Intake, principal: Principal, seizure_id: uuid.UUID) -> None:
    """The seizure exists for the caller (its unit's): else 404, whatever was sent."""
    async with intake.pool.acquire() as conn:
        await _seizure(conn, principal, seizure_id)


async def _described(intake: Intake, entries: list[dict[str, Any]], url: str) -> list[dict[str, Any]]:
    out = []
    for entry in entries:
        stat = await intake.files.stat(entry["sha256"])
        out.append({"sha256": entry["sha256"], "name": entry["name"], "item_id": entry.get("item_id"),
                    "media_type": entry.get("media_type") or (stat.media_type if stat else None),
                    "size_bytes": entry.get("size_bytes") or (stat.size_bytes if stat else None),
                    "added_by": entry.get("added_by"), "added_at": entry.get("added_at"),
                    "url": f"{url}/{entry['sha256']}"})
    return out


async def listed(intake: Intake, principal: Principal, seizure_id: uuid.UUID) -> list[dict[str, Any]]:
    """A seizure's photos and documents: its registration's, its items' registered photos, those added since."""
    async with intake.pool.acquire() as conn:
        seizure = await _seizure(conn, principal, seizure_id)
        added = [dict(r) for r in await store.attachments(conn, seizure_id)]
        photos = await store.item_photo_hashes(conn, seizure_id)
    registered = [{"sha256": a["sha256"], "name": a["name"]} for a in seizure.get("attachments") or []]
    registered += [{"sha256": p, "name": "anh"} for p in photos if p not in {a["sha256"] for a in added}]
    return await _described(intake, registered + added, f"/seizures/{seizure_id}/attachments")


async def _item_files(conn: asyncpg.Connection, principal: Principal, item_id: uuid.UUID) -> list[dict[str, Any]]:
    item = await reprints.item_for_reading(conn, principal, item_id)  # its unit's readers, its warehouse's staff
    added = [dict(r) for r in await store.attachments(conn, item["seizure_id"], item_id)]
    return [{"sha256": p, "name": f"#{item['line_no']}", "item_id": item_id} for p in item["photos"]] + added


async def item_listed(intake: Intake, principal: Principal, item_id: uuid.UUID) -> list[dict[str, Any]]:
    """An item's photos: those it was registered with and those added for it since."""
    async with intake.pool.acquire() as conn:
        entries = await _item_files(conn, principal, item_id)
    return await _described(intake, entries, f"/items/{item_id}/attachments")


async def _read(intake: Intake, named: set[str], sha256: str, unknown: NotFound) -> tuple[bytes, str]:
    if sha256 not in named:
        raise unknown
    stat = await intake.files.stat(sha256)
    return await intake.files.get(sha256), stat.media_type if stat else "application/octet-stream"


async def content(intake: Intake, principal: Principal, seizure_id: uuid.UUID, sha256: str) -> tuple[bytes, str]:
    """A file of a seizure, checked against its hash; a file the seizure does not name is as unknown as none."""
    async with intake.pool.acquire() as conn:
        seizure = await _seizure(conn, principal, seizure_id)
        named = rules.files_of(seizure, await store.item_photo_hashes(conn, seizure_id),
                               await store.attachments(conn, seizure_id))
    return await _read(intake, named, sha256,
                       NotFound(f"seizure {seizure_id} has no file {sha256}", code="unknown_attachment"))


async def item_content(intake: Intake, principal: Principal, item_id: uuid.UUID, sha256: str) -> tuple[bytes, str]:
    async with intake.pool.acquire() as conn:
        named = {e["sha256"] for e in await _item_files(conn, principal, item_id)}
    return await _read(intake, named, sha256,
                       NotFound(f"item {item_id} has no file {sha256}", code="unknown_attachment"))
