"""Disposal commands and queries: one function per command, one transaction each."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tangvat_disposal import SERVICE, domain, store
from tangvat_disposal.domain import BatchStatus
from tangvat_disposal.schemas import REQUIRED_BY_METHOD, BoardIn, CancelIn, ExecutionIn, ProposalIn, VoteIn
from tangvat_shared import outbox
from tangvat_shared.auth import ALL, Principal, Role
from tangvat_shared.canonical import canonical_json, sha256_hex
from tangvat_shared.command import CommandContext
from tangvat_shared.envelope import Actor
from tangvat_shared.errors import Conflict, InvalidInput, NotFound, RuleViolation
from tangvat_shared.events.disposal import MAX_ITEMS_PER_EVENT, Method
from tangvat_shared.idempotency import StoredResponse, run_command

Result = tuple[int, dict[str, Any]]
MAX_LISTED = 1000  # refusals and exclusions listed in one answer; the count says how many in all


@dataclass(frozen=True)
class Disposal:
    pool: asyncpg.Pool
    max_items_per_batch: int = 100_000


@dataclass(frozen=True)
class Draft:
    type: str
    data: dict[str, Any]


async def _command(disposal: Disposal, ctx: CommandContext, work: Callable[[asyncpg.Connection], Awaitable[Result]]
                   ) -> StoredResponse:
    return await run_command(disposal.pool, ctx.user, ctx.idempotency_key, ctx.request_hash, work)


async def emit(conn: asyncpg.Connection, actor: Actor, subject: str, drafts: Sequence[Draft], now: datetime, *,
               correlation_id: uuid.UUID | None = None, causation_id: uuid.UUID | None = None) -> list[str]:
    return await outbox.emit(conn, source=SERVICE, actor=actor, now=now, correlation_id=correlation_id,
                             causation_id=causation_id, events=[(d.type, subject, d.data) for d in drafts])


def subject_of(batch_id: uuid.UUID) -> str:
    return f"batch/{batch_id}"


def chunked(event_type: str, batch_id: uuid.UUID, item_ids: Sequence[uuid.UUID], **fields: Any) -> list[Draft]:
    parts = domain.chunks(item_ids, MAX_ITEMS_PER_EVENT)
    return [Draft(event_type, {"batch_id": str(batch_id), **fields, "item_ids": [str(i) for i in part],
                               "chunk": n, "chunks": len(parts)})
            for n, part in enumerate(parts, start=1)]


def _out(batch_id: uuid.UUID, status: str, event_ids: list[str], **details: Any) -> dict[str, Any]:
    return {"batch_id": str(batch_id), "status": status, "event_ids": event_ids, "details": details}


def _now() -> datetime:
    return datetime.now(UTC)


async def _locked_batch(conn: asyncpg.Connection, ctx: CommandContext, batch_id: uuid.UUID) -> asyncpg.Record:
    row = await store.batch(conn, batch_id, for_update=True)
    if row is None:
        raise NotFound(f"batch {batch_id} not found", code="unknown_batch")
    ctx.principal.require_unit(row["unit"])
    return row


async def _move(conn: asyncpg.Connection, row: asyncpg.Record, target: BatchStatus, **fields: Any) -> asyncpg.Record:
    domain.guard(row["status"], target)
    moved = await store.transition(conn, row["batch_id"], target.value, domain.sources_of(target), **fields)
    if moved is None:  # the row lock makes this unreachable, the guarded UPDATE makes it safe anyway
        raise Conflict("the batch changed meanwhile", code="concurrent_change")
    return moved


async def ready_if_answered(conn: asyncpg.Connection, batch_id: uuid.UUID, actor: Actor, *,
                            correlation_id: uuid.UUID | None, causation_id: uuid.UUID | None = None) -> None:
    """A reserving batch with no item left pending is ready (custody answered them all, or the board
    dropped the last unanswered one)."""
    if await store.pending_count(conn, batch_id):
        return
    now = _now()
    moved = await store.transition(conn, batch_id, BatchStatus.READY.value, [BatchStatus.RESERVING.value],
                                   ready_at=now)
    if moved is None:
        return  # cancelled meanwhile, or already ready
    counts = await store.reservation_counts(conn, batch_id)
    await emit(conn, actor, subject_of(batch_id), [Draft("disposal.batch_ready", {
        "batch_id": str(batch_id), "reserved": counts.get("reserved", 0),
        "unavailable": counts.get("unavailable", 0)})], now, correlation_id=correlation_id,
        causation_id=causation_id)


# --- boards ------------------------------------------------------------------------------------------


async def configure_board(disposal: Disposal, ctx: CommandContext, unit: str, body: BoardIn) -> StoredResponse:
    ctx.principal.require_unit(unit)
    domain.check_board(body.members, body.quorum, body.rejections_to_reject)

    async def work(conn: asyncpg.Connection) -> Result:
        now = _now()
        await store.upsert_board(conn, unit, body.members, body.quorum, body.rejections_to_reject, ctx.user, now)
        ids = await emit(conn, ctx.actor, f"board/{unit}", [Draft("disposal.board_configured", {
            "unit": unit, **body.model_dump()})], now, correlation_id=ctx.correlation_id)
        return 200, {"unit": unit, **body.model_dump(), "event_ids": ids}

    return await _command(disposal, ctx, work)


async def get_board(disposal: Disposal, principal: Principal, unit: str) -> dict[str, Any]:
    principal.require_unit(unit)
    async with disposal.pool.acquire() as conn:
        row = await store.board(conn, unit)
    if row is None:
        raise NotFound(f"unit {unit} has no board", code="no_board")
    return {"unit": unit, "members": list(row["members"]), "quorum": row["quorum"],
            "rejections_to_reject": row["rejections_to_reject"]}


# --- proposals ---------------------------------------------------------------------------------------


async def propose(disposal: Disposal, ctx: CommandContext, body: ProposalIn) -> StoredResponse:
    ctx.principal.require_unit(body.unit)
    if body.deadline is not None and body.deadline <= _now():
        raise InvalidInput("the deadline is in the past", code="deadline_in_past")

    async def work(conn: asyncpg.Connection) -> Result:
        board = await store.board(conn, body.unit)
        if board is None:
            raise RuleViolation(f"unit {body.unit} has no board to decide", code="no_board")
        if body.item_ids is not None:
            wanted = list(dict.fromkeys(body.item_ids))
            rows = await store.items_for_proposal(conn, wanted)
        else:
            assert body.filter is not None
            f = body.filter
            rows = await store.items_matching(conn, f.seizure_id, f.category.value if f.category else None,
                                              f.warehouse_id)
            wanted = [r["item_id"] for r in rows]
            if not wanted:
                raise RuleViolation("no item matches the filter", code="no_items")
        if len(wanted) > disposal.max_items_per_batch:
            raise InvalidInput(f"a batch holds at most {disposal.max_items_per_batch} items", code="batch_too_large")
        items = {str(r["item_id"]): r for r in rows}
        refusals = domain.check_eligibility([str(i) for i in wanted], items, method=body.method,
                                            emergency=body.emergency, unit=body.unit)
        refused = {r.item_id for r in refusals}
        listed = [r.as_json() for r in refusals[:MAX_LISTED]]
        if refusals and not body.skip_ineligible:
            raise RuleViolation(f"{len(refused)} of {len(wanted)} items cannot be proposed", code="ineligible_items",
                                details={"refusals": listed, "refused_items": len(refused)})
        eligible = [i for i in wanted if str(i) not in refused]
        if not eligible:
            raise RuleViolation("no proposed item is eligible", code="ineligible_items",
                                details={"refusals": listed, "refused_items": len(refused)})
        batch_id, now = uuid.uuid4(), _now()
        total = sum(items[str(i)]["value_vnd"] for i in eligible)
        await store.insert_batch(
            conn, batch_id=batch_id, unit=body.unit, method=body.method.value, reason=body.reason,
            emergency=body.emergency, proposer=ctx.user, status=BatchStatus.PROPOSED.value,
            item_count=len(eligible), total_value_vnd=total, quorum=board["quorum"],
            rejections_to_reject=board["rejections_to_reject"], deadline=body.deadline, proposed_at=now)
        await store.insert_batch_items(conn, batch_id, eligible)
        if await store.claim_items(conn, batch_id, eligible) != len(eligible):
            raise Conflict("an item was claimed by another batch meanwhile", code="already_in_batch")
        header = Draft("disposal.batch_proposed", {
            "batch_id": str(batch_id), "unit": body.unit, "method": body.method.value, "reason": body.reason,
            "emergency": body.emergency, "emergency_reason": body.emergency_reason, "proposer": ctx.user,
            "item_count": len(eligible), "total_value_vnd": total,
            "deadline": body.deadline.isoformat() if body.deadline else None})
        ids = await emit(conn, ctx.actor, subject_of(batch_id),
                         [header, *chunked("disposal.items_proposed", batch_id, eligible)], now,
                         correlation_id=ctx.correlation_id)
        return 201, _out(batch_id, BatchStatus.PROPOSED.value, ids[:1], item_count=len(eligible),
                         total_value_vnd=total, excluded=listed, excluded_items=len(refused))

    return await _command(disposal, ctx, work)


# --- the board's votes ---------------------------------------------------------------------------------


async def vote(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID, body: VoteIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        row = await _locked_batch(conn, ctx, batch_id)
        if row["status"] != BatchStatus.PROPOSED:
            raise Conflict(f"the batch is {row['status']}: voting is closed", code="voting_closed")
        now = _now()
        if row["deadline"] is not None and now > row["deadline"]:
            raise RuleViolation("the voting deadline has passed", code="deadline_passed")
        board = await store.board(conn, row["unit"])
        domain.check_voter(ctx.user, proposer=row["proposer"], board_members=board["members"] if board else ())
        if not await store.insert_vote(conn, batch_id, ctx.user, body.decision.value, body.reason, now):
            raise Conflict("this member has already voted on the batch", code="already_voted")
        subject = subject_of(batch_id)
        drafts = [Draft("disposal.vote_cast", {"batch_id": str(batch_id), "member": ctx.user,
                                               "decision": body.decision.value, "reason": body.reason,
                                               "cast_at": now.isoformat()})]
        cast = await store.votes(conn, batch_id)
        approvals = [v["member"] for v in cast if v["decision"] == "approve"]
        rejections = [v["member"] for v in cast if v["decision"] == "reject"]
        decided = domain.outcome(len(approvals), len(rejections), quorum=row["quorum"],
                                 rejections_to_reject=row["rejections_to_reject"])
        status = row["status"]
        if decided is not None:
            decision = {"batch_id": str(batch_id), "approvals": approvals, "rejections": rejections,
                        "quorum": row["quorum"], "rejections_to_reject": row["rejections_to_reject"]}
            row = await _move(conn, row, decided, decided_at=now)
            if decided is BatchStatus.REJECTED:
                await store.release_items(conn, batch_id)
                drafts.append(Draft("disposal.batch_rejected", decision))
            else:
                drafts.append(Draft("disposal.batch_approved", decision))
                row = await _move(conn, row, BatchStatus.RESERVING)
                drafts += chunked("disposal.reservation_requested", batch_id,
                                  await store.batch_item_ids(conn, batch_id))
            status = row["status"]
        ids = await emit(conn, ctx.actor, subject, drafts, now, correlation_id=ctx.correlation_id)
        return 200, _out(batch_id, status, ids[:2], approvals=len(approvals), rejections=len(rejections))

    return await _command(disposal, ctx, work)


async def cancel(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID, body: CancelIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        row = await _locked_batch(conn, ctx, batch_id)
        now = _now()
        await _move(conn, row, BatchStatus.CANCELLED, cancelled_at=now, cancel_reason=body.reason)
        await store.release_items(conn, batch_id)
        # Custody releases whatever it reserved for the batch; a batch never reserved costs it nothing.
        ids = await emit(conn, ctx.actor, subject_of(batch_id), [Draft("disposal.batch_cancelled", {
            "batch_id": str(batch_id), "reason": body.reason})], now, correlation_id=ctx.correlation_id)
        return 200, _out(batch_id, BatchStatus.CANCELLED.value, ids)

    return await _command(disposal, ctx, work)


# --- execution -------------------------------------------------------------------------------------------


async def execute(disposal: Disposal, ctx: CommandContext, batch_id: uuid.UUID, body: ExecutionIn) -> StoredResponse:
    async def work(conn: asyncpg.Connection) -> Result:
        row = await _locked_batch(conn, ctx, batch_id)
        domain.guard(row["status"], BatchStatus.EXECUTED)
        method = Method(row["method"])
        missing = [f for f in REQUIRED_BY_METHOD[method] if getattr(body, f) is None]
        if missing:
            raise InvalidInput(f"a {method.value} needs {', '.join(missing)}", code="missing_fields",
                               details=[{"loc": ["body", f], "message": "required for this method"} for f in missing])
        reserved = await store.batch_item_ids(conn, batch_id, "reserved")
        if not reserved:
            raise RuleViolation("custody reserved none of the batch's items", code="nothing_reserved")
        waiting = await store.not_handed_over(conn, batch_id, reserved)
        if waiting:
            # Custody's staff release the goods (two people above the value threshold) before anything
            # is destroyed, sold or given away.
            raise Conflict(f"{len(waiting)} reserved item(s) have not been handed over by custody yet",
                           code="not_handed_over", details={"item_ids": [str(i) for i in waiting[:MAX_LISTED]],
                                                            "not_handed_over": len(waiting)})
        if body.confirmed_item_ids is not None:
            confirmed, expected = set(body.confirmed_item_ids), set(reserved)
            if confirmed != expected:
                raise RuleViolation("the scanned items are not the reserved items", code="confirmation_mismatch",
                                    details={"not_scanned": sorted(str(i) for i in expected - confirmed)[:MAX_LISTED],
                                             "not_reserved": sorted(str(i) for i in confirmed - expected)[:MAX_LISTED]})
        witness_ids = [w.user_id for w in body.witnesses]
        if method is Method.DESTROY:
            if not body.evidence:
                raise RuleViolation("a destruction needs evidence (photos, video) by SHA-256", code="evidence_required")
            domain.check_witnesses(witness_ids, in_chain=await store.chain_hits(conn, reserved, witness_ids),
                                   previous_pair=await store.previous_witnesses(conn, row["unit"]))
        now = _now()
        record = {"batch_id": str(batch_id), "method": method.value, "item_count": len(reserved),
                  **body.model_dump(mode="json", exclude={"confirmed_item_ids"})}
        await _move(conn, row, BatchStatus.EXECUTED, executed_at=now, execution=record,
                    witness_pair=witness_ids if method is Method.DESTROY else None)
        await store.mark_executed(conn, batch_id, reserved)
        outcome = "released" if method is Method.RETURN else "disposed"
        described = f"{method.value}/{body.destruction_method.value}" if body.destruction_method else method.value
        drafts = [Draft("disposal.batch_executed", record),
                  *chunked("disposal.items_executed", batch_id, reserved, method=described, outcome=outcome)]
        ids = await emit(conn, ctx.actor, subject_of(batch_id), drafts, now, correlation_id=ctx.correlation_id)
        return 200, _out(batch_id, BatchStatus.EXECUTED.value, ids[:1], executed_items=len(reserved))

    return await _command(disposal, ctx, work)


# --- queries ---------------------------------------------------------------------------------------------


def events_sha256(bodies: list[dict[str, Any]]) -> str:
    """SHA-256 of the canonical JSON array of the batch's event envelopes (without chain fields), in order."""
    return sha256_hex(canonical_json(bodies))


async def _readable_batch(conn: asyncpg.Connection, principal: Principal, batch_id: uuid.UUID) -> asyncpg.Record:
    row = await store.batch(conn, batch_id)
    if row is None:
        raise NotFound(f"batch {batch_id} not found", code="unknown_batch")
    principal.require_unit(row["unit"])
    return row


async def get_batch(disposal: Disposal, principal: Principal, batch_id: uuid.UUID) -> dict[str, Any]:
    async with disposal.pool.acquire() as conn:
        row = await _readable_batch(conn, principal, batch_id)
        return await _batch_view(conn, row)


async def _batch_view(conn: asyncpg.Connection, row: asyncpg.Record) -> dict[str, Any]:
    batch_id = row["batch_id"]
    fields = ("batch_id", "unit", "method", "reason", "emergency", "proposer", "status", "item_count",
              "total_value_vnd", "quorum", "rejections_to_reject", "deadline", "proposed_at", "decided_at",
              "ready_at", "executed_at", "cancelled_at", "cancel_reason", "execution")
    return {
        **{f: row[f] for f in fields},
        "votes": [{"member": v["member"], "decision": v["decision"], "reason": v["reason"], "cast_at": v["cast_at"]}
                  for v in await store.votes(conn, batch_id)],
        "reservation": await store.reservation_counts(conn, batch_id),
        "handed_over": await store.handed_over_count(conn, batch_id),
        "unavailable": [{"item_id": str(u["item_id"]), "reason": u["reason"]}
                        for u in await store.unavailable(conn, batch_id)],
        "dropped": [{"item_id": str(d["item_id"]), "label_code": d["label_code"], "description": d["description"],
                     "reason": d["drop_reason"], "deferred": d["deferred"], "dropped_by": d["dropped_by"],
                     "dropped_at": d["dropped_at"]} for d in await store.dropped(conn, batch_id)],
        "outcomes": await store.outcome_counts(conn, batch_id),
        "events_sha256": events_sha256(await store.batch_event_bodies(conn, batch_id)),
    }


async def list_batches(disposal: Disposal, principal: Principal, status: str | None, limit: int
                       ) -> list[dict[str, Any]]:
    units = None if (Role.ADMIN in principal.roles or ALL in principal.units) else sorted(principal.units)
    async with disposal.pool.acquire() as conn:
        rows = await store.list_batches(conn, units, status, limit)
    return [{"batch_id": r["batch_id"], "unit": r["unit"], "method": r["method"], "status": r["status"],
             "item_count": r["item_count"], "proposed_at": r["proposed_at"]} for r in rows]


async def batch_items(disposal: Disposal, principal: Principal, batch_id: uuid.UUID, offset: int, limit: int
                      ) -> list[dict[str, Any]]:
    async with disposal.pool.acquire() as conn:
        await _readable_batch(conn, principal, batch_id)
        rows = await store.batch_items(conn, batch_id, offset, limit)
    return [{k: r[k] for k in ("item_id", "category", "description", "quantity", "value_vnd", "reservation",
                               "reason", "handed_over", "executed", "outcome", "drop_reason", "deferred",
                               "dropped_by")} for r in rows]


async def get_item(disposal: Disposal, principal: Principal, item_id: uuid.UUID) -> dict[str, Any]:
    async with disposal.pool.acquire() as conn:
        row = await store.item(conn, item_id)
        if row is None:
            raise NotFound(f"item {item_id} not known to disposal", code="unknown_item")
        principal.require_unit(row["seizing_unit"])
        actors = await store.custody_actors(conn, item_id)
    keys = ("item_id", "seizure_id", "seizing_unit", "category", "value_vnd", "perishable", "hazardous",
            "warehouse_id", "custody_state", "on_hold", "legal_status", "batch_id")
    return {**{k: row[k] for k in keys}, "custody_actors": actors}


@dataclass(frozen=True)
class CertificateData:
    batch: dict[str, Any]
    items: list[asyncpg.Record]  # the executed ones; the batch's `dropped` lists those taken out


async def certificate_data(disposal: Disposal, principal: Principal, batch_id: uuid.UUID) -> CertificateData:
    async with disposal.pool.acquire() as conn:
        row = await _readable_batch(conn, principal, batch_id)
        if row["method"] != Method.DESTROY or row["status"] != BatchStatus.EXECUTED:
            raise Conflict("a destruction certificate exists only for an executed destruction",
                           code="not_an_executed_destruction")
        view = await _batch_view(conn, row)
        items = [r for r in await store.batch_items(conn, batch_id) if r["executed"]]
    return CertificateData(view, items)
