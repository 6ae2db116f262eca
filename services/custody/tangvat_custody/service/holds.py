"""Legal holds placed and lifted."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from tangvat_custody import domain_flows as flows
from tangvat_custody import store
from tangvat_custody.service.common import Custody, body, command, load_item
from tangvat_shared.command import CommandContext, Decision, Outcome


async def set_hold(custody: Custody, ctx: CommandContext, item_id: uuid.UUID, reason: str, place: bool) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        item = await load_item(conn, ctx, item_id)
        flows.require_seizing_unit(item, ctx.principal.may_act_for_unit)
        decided = flows.set_hold(item, reason, place=place)
        await store.save_items(conn, decided.decisions, now)
        return Outcome.done(body("on_hold" if place else "hold_lifted", item_id=item_id)), decided.drafts

    return await command(custody, ctx, work)
