"""The board's votes: each member once, until the unit's quorum approves (and reserves) or K reject."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from tangvat_disposal import SERVICE, domain, store
from tangvat_disposal.domain import BatchStatus
from tangvat_disposal.schemas import VoteIn
from tangvat_disposal.service.common import Disposal, answer_body, batch, move, record_named
from tangvat_shared.auth import canonical_user_id
from tangvat_shared.command import CommandContext, Decision, Outcome, run_command
from tangvat_shared.errors import Conflict


async def vote(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID, body: VoteIn) -> Outcome:
    async def work(conn: asyncpg.Connection, now: datetime) -> Decision:
        current = await batch(conn, ctx.principal, batch_id, for_update=True)
        cast: list[domain.Vote] = []
        members: tuple[str, ...] = ()
        if current["status"] == BatchStatus.PROPOSED:  # else the domain refuses before it looks at the votes
            unit_board = await store.board(conn, current["unit"])
            members = tuple(unit_board["members"]) if unit_board else ()
            cast = [domain.Vote(v["member"], v["decision"], v["reason"], v["cast_at"])
                    for v in await store.votes(conn, batch_id)]
        # The voter is the session's person, kept by canonical id (the body names nobody).
        new = domain.Vote(canonical_user_id(ctx.user), body.decision.value, body.reason, now)
        tally, drafts = domain.vote(current, cast, new, board_members=members)
        if not await store.insert_vote(conn, batch_id, new.member, new.decision, new.reason, now):
            raise Conflict("this member has already voted on the batch", code="already_voted")
        for target in tally.moves:
            await move(conn, batch_id, target, **({"decided_at": now} if target is tally.moves[0] else {}))
        if BatchStatus.REJECTED in tally.moves:
            await store.release_items(conn, batch_id)
        # The answer names the vote and the decision it completed, not the reservation requests.
        named = await record_named(conn, ctx, now, drafts)
        chunks = (domain.reservation_requests(batch_id, await store.batch_item_ids(conn, batch_id))
                  if BatchStatus.RESERVING in tally.moves else [])
        return Outcome.done(answer_body(batch_id, tally.status.value, named, approvals=len(tally.approvals),
                                        rejections=len(tally.rejections)), event_ids=False), chunks

    return await run_command(disposal.pool, ctx, SERVICE, work)
