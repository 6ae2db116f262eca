"""All SQL of the disposal service (asyncpg): the read model, batches, votes, guarded transitions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_disposal.domain import LIVE_RESERVATIONS, Reservation
from tangvat_shared.transitions import TERMINAL
from tangvat_shared.units import UnitFilter

_LIVE = sorted(r.value for r in LIVE_RESERVATIONS)  # the reservations a drop or a release may end
_ITEM_COLUMNS = ("item_id", "seizure_id", "seizing_unit", "category", "description", "quantity", "unit",
                 "value_vnd", "perishable", "hazardous", "warehouse_id", "label_code", "registered_at")
_ITEM_SELECT = """SELECT i.*, c.custody_state, coalesce(c.on_hold, false) AS on_hold, s.status AS legal_status
                  FROM item i LEFT JOIN item_custody c USING (item_id)
                  LEFT JOIN seizure_legal_status s USING (seizure_id)"""

# --- read model ----------------------------------------------------------------------------------


async def insert_items(conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    await conn.execute(
        f"""INSERT INTO item ({", ".join(_ITEM_COLUMNS)})
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[],
                                 $7::text[], $8::bigint[], $9::bool[], $10::bool[], $11::text[], $12::text[],
                                 $13::timestamptz[])
            ON CONFLICT (item_id) DO NOTHING""",
        *[list(col) for col in zip(*rows, strict=True)],
    )


_CORRECTABLE = frozenset({"category", "description", "quantity", "unit", "value_vnd", "perishable", "hazardous",
                          "warehouse_id", "label_code"})


async def correct_item(conn: asyncpg.Connection, item_id: uuid.UUID, changes: dict[str, Any]) -> None:
    fields = {k: v for k, v in changes.items() if k in _CORRECTABLE}
    if not fields:
        return
    assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(fields, start=2))
    await conn.execute(f"UPDATE item SET {assignments} WHERE item_id = $1", item_id, *fields.values())


async def record_legal_status(conn: asyncpg.Connection, seizure_ids: list[uuid.UUID], statuses: list[str],
                              decisions: list[str], now: datetime) -> None:
    await conn.execute(
        """INSERT INTO seizure_legal_status (seizure_id, status, decision_number, recorded_at)
           SELECT s, st, d, $4::timestamptz FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(s, st, d)
           ON CONFLICT (seizure_id) DO UPDATE SET status = EXCLUDED.status,
               decision_number = EXCLUDED.decision_number, recorded_at = EXCLUDED.recorded_at""",
        seizure_ids, statuses, decisions, now,
    )


async def set_custody_state(conn: asyncpg.Connection, item_ids: list[uuid.UUID], state: str) -> None:
    await conn.execute(
        """INSERT INTO item_custody (item_id, custody_state) SELECT DISTINCT unnest($1::uuid[]), $2::text
           ON CONFLICT (item_id) DO UPDATE SET custody_state = EXCLUDED.custody_state""",
        item_ids, state,
    )


async def set_hold(conn: asyncpg.Connection, item_ids: list[uuid.UUID], on_hold: bool) -> None:
    await conn.execute(
        """INSERT INTO item_custody (item_id, on_hold) SELECT DISTINCT unnest($1::uuid[]), $2::boolean
           ON CONFLICT (item_id) DO UPDATE SET on_hold = EXCLUDED.on_hold""",
        item_ids, on_hold,
    )


async def add_custody_actors(conn: asyncpg.Connection, item_ids: list[uuid.UUID], user_ids: list[str]) -> None:
    await conn.execute(
        """INSERT INTO custody_actor (item_id, user_id) SELECT * FROM unnest($1::uuid[], $2::text[])
           ON CONFLICT DO NOTHING""",
        item_ids, user_ids,
    )


async def item(conn: asyncpg.Connection, item_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"{_ITEM_SELECT} WHERE i.item_id = $1", item_id)


# What eligibility looks at, per item: built as JSON by PostgreSQL and decoded by orjson in one call
# (turning 34,200 asyncpg Records into plain dicts one by one cost more than the query itself). The
# candidates are locked in item order, so that two overlapping proposals queue instead of deadlocking.
_BY_IDS = """WITH candidate AS (
                 SELECT i.item_id, i.seizing_unit, i.category, i.value_vnd, i.perishable, i.hazardous, i.batch_id,
                        i.label_code, i.description, c.custody_state, coalesce(c.on_hold, false) AS on_hold,
                        s.status AS legal_status
                 FROM item i LEFT JOIN item_custody c USING (item_id)
                 LEFT JOIN seizure_legal_status s USING (seizure_id)
                 WHERE i.item_id = ANY($1::uuid[])
                 ORDER BY i.item_id FOR UPDATE OF i)
             SELECT coalesce(json_agg(candidate ORDER BY item_id), '[]') FROM candidate"""
_BY_FILTER = """WITH candidate AS (
                    SELECT i.item_id, i.seizing_unit, i.category, i.value_vnd, i.perishable, i.hazardous, i.batch_id,
                           i.label_code, i.description,
                           c.custody_state, coalesce(c.on_hold, false) AS on_hold, s.status AS legal_status
                    FROM item i LEFT JOIN item_custody c USING (item_id)
                    LEFT JOIN seizure_legal_status s USING (seizure_id)
                    WHERE ($1::uuid IS NULL OR i.seizure_id = $1) AND ($2::text IS NULL OR i.category = $2)
                          AND ($3::text IS NULL OR i.warehouse_id = $3)
                          AND ($4::text IS NULL OR coalesce(s.status, 'none') = $4)
                          AND ($5::timestamptz IS NULL OR i.registered_at <= $5)
                          AND ($6::text[] IS NULL OR i.seizing_unit = ANY($6::text[])
                               OR i.seizing_unit LIKE ANY($7::text[]))
                          AND ($1::uuid IS NOT NULL OR c.custody_state IS NULL
                               OR c.custody_state <> ALL($8::text[]))
                    ORDER BY i.item_id FOR UPDATE OF i)
                SELECT coalesce(json_agg(candidate ORDER BY item_id), '[]') FROM candidate"""


async def items_for_proposal(conn: asyncpg.Connection, item_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The items asked for that the read model knows, as plain values (ids as text), locked."""
    items: list[dict[str, Any]] = await conn.fetchval(_BY_IDS, item_ids)
    return items


async def items_matching(conn: asyncpg.Connection, f: ItemMatch) -> list[dict[str, Any]]:
    """The items a proposal's filter takes, in item order, as plain values (ids as text), locked in that order:
    without a seizure only the unit's items (`f.units`) still in custody."""
    items: list[dict[str, Any]] = await conn.fetchval(
        _BY_FILTER, f.seizure_id, f.category, f.warehouse_id, f.legal_status, f.registered_before,
        None if f.units is None else f.units.exact, None if f.units is None else f.units.below,
        sorted(s.value for s in TERMINAL))
    return items


@dataclass(frozen=True)
class ItemMatch:
    """A proposal's filter as SQL parameters (None: any)."""

    units: UnitFilter | None
    seizure_id: uuid.UUID | None = None
    category: str | None = None
    warehouse_id: str | None = None
    legal_status: str | None = None
    registered_before: datetime | None = None


async def claim_items(conn: asyncpg.Connection, batch_id: uuid.UUID, item_ids: Sequence[uuid.UUID | str]) -> int:
    result = await conn.execute(
        "UPDATE item SET batch_id = $1 WHERE item_id = ANY($2::uuid[]) AND batch_id IS NULL", batch_id, item_ids
    )
    return int(result.split()[-1])


async def release_items(conn: asyncpg.Connection, batch_id: uuid.UUID,
                        item_ids: list[uuid.UUID] | None = None) -> None:
    await conn.execute(
        "UPDATE item SET batch_id = NULL WHERE batch_id = $1 AND ($2::uuid[] IS NULL OR item_id = ANY($2::uuid[]))",
        batch_id, item_ids,
    )


# --- boards ----------------------------------------------------------------------------------------


async def board(conn: asyncpg.Connection, unit: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM board WHERE unit = $1", unit)


async def upsert_board(conn: asyncpg.Connection, unit: str, members: list[str], quorum: int, rejections: int,
                       user: str, now: datetime) -> None:
    await conn.execute(
        """INSERT INTO board (unit, members, quorum, rejections_to_reject, configured_by, configured_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (unit) DO UPDATE SET members = EXCLUDED.members, quorum = EXCLUDED.quorum,
               rejections_to_reject = EXCLUDED.rejections_to_reject, configured_by = EXCLUDED.configured_by,
               configured_at = EXCLUDED.configured_at""",
        unit, members, quorum, rejections, user, now,
    )


# --- batches ---------------------------------------------------------------------------------------


async def insert_batch(conn: asyncpg.Connection, **fields: Any) -> None:
    names = list(fields)
    placeholders = ", ".join(f"${n}" for n in range(1, len(names) + 1))
    await conn.execute(f"INSERT INTO batch ({', '.join(names)}) VALUES ({placeholders})", *fields.values())


async def insert_batch_items(conn: asyncpg.Connection, batch_id: uuid.UUID, item_ids: Sequence[uuid.UUID | str]
                             ) -> None:
    await conn.copy_records_to_table("batch_item", records=[(batch_id, i) for i in item_ids],
                                     columns=("batch_id", "item_id"))


async def batch(conn: asyncpg.Connection, batch_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record | None:
    # The row lock serialises every command on one batch: concurrent votes count one after another.
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM batch WHERE batch_id = $1{lock}", batch_id)


async def transition(conn: asyncpg.Connection, batch_id: uuid.UUID, target: str, sources: list[str],
                     **fields: Any) -> bool:
    """Guarded UPDATE to the state the domain decided: moves the batch only from one of `sources`;
    False means someone else moved it."""
    assignments = "".join(f", {name} = ${n}" for n, name in enumerate(fields, start=4))
    status = await conn.execute(
        f"UPDATE batch SET status = $2{assignments} WHERE batch_id = $1 AND status = ANY($3::text[])",
        batch_id, target, sources, *fields.values(),
    )
    return status.split()[-1] == "1"


async def batch_item_ids(conn: asyncpg.Connection, batch_id: uuid.UUID, reservation: str | None = None
                         ) -> list[uuid.UUID]:
    rows = await conn.fetch(
        """SELECT item_id FROM batch_item WHERE batch_id = $1 AND ($2::text IS NULL OR reservation = $2)
           ORDER BY item_id""",
        batch_id, reservation,
    )
    return [r["item_id"] for r in rows]


async def reservation_counts(conn: asyncpg.Connection, batch_id: uuid.UUID) -> dict[str, int]:
    rows = await conn.fetch("SELECT reservation, count(*) AS n FROM batch_item WHERE batch_id = $1 GROUP BY 1",
                            batch_id)
    return {r["reservation"]: r["n"] for r in rows}


async def batch_item(conn: asyncpg.Connection, batch_id: uuid.UUID, item_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM batch_item WHERE batch_id = $1 AND item_id = $2 FOR UPDATE",
                               batch_id, item_id)


async def drop_item(conn: asyncpg.Connection, batch_id: uuid.UUID, item_id: uuid.UUID, reason: str, deferred: bool,
                    by: str, now: datetime) -> bool:
    """Guarded: only an item still pending or reserved for the batch (a live reservation) is dropped."""
    status = await conn.execute(
        """UPDATE batch_item SET reservation = $7::text, drop_reason = $3::text, deferred = $4::boolean,
                  dropped_by = $5::text, dropped_at = $6::timestamptz
           WHERE batch_id = $1 AND item_id = $2 AND reservation = ANY($8::text[])""",
        batch_id, item_id, reason, deferred, by, now, Reservation.DROPPED.value, _LIVE,
    )
    return status.split()[-1] == "1"


def _keyed(batch_ids: Sequence[uuid.UUID], item_ids: Sequence[uuid.UUID], *values: Sequence[Any]
           ) -> dict[tuple[Any, ...], list[uuid.UUID]]:
    """Item ids grouped by (batch, values...): one keyed UPDATE per group below.

    Each is `batch_id = $1 AND item_id = ANY($2)`, an index scan of the primary key whatever the
    statistics say. The join with unnest() these replace was planned on statistics taken before the
    batch's flags flipped all at once (every row `executed`, `handed_over`, no longer `pending`):
    PostgreSQL expected one matching row and kept a nested loop re-scanning unnest() for each of the
    batch's 34,200 rows (auto_explain: 26-29 s per call of record_outcomes in bench-disposal)."""
    groups: dict[tuple[Any, ...], list[uuid.UUID]] = {}
    for batch_id, item_id, *rest in zip(batch_ids, item_ids, *values, strict=True):
        groups.setdefault((batch_id, *rest), []).append(item_id)
    return groups


async def record_reservations(conn: asyncpg.Connection, batch_ids: list[uuid.UUID], item_ids: list[uuid.UUID],
                              answers: list[str], reasons: list[str | None]) -> list[asyncpg.Record]:
    """Custody's answers; only still-pending rows change, so a redelivered answer is a no-op."""
    settled: list[asyncpg.Record] = []
    for (batch_id, answer, reason), items in _keyed(batch_ids, item_ids, answers, reasons).items():
        settled += await conn.fetch(
            """UPDATE batch_item SET reservation = $3::text, reason = $4::text
               WHERE batch_id = $1 AND item_id = ANY($2::uuid[]) AND reservation = 'pending'
               RETURNING batch_id, item_id, reservation""",
            batch_id, items, answer, reason,
        )
    return settled


async def record_released(conn: asyncpg.Connection, batch_ids: list[uuid.UUID], item_ids: list[uuid.UUID]) -> None:
    for (batch_id,), items in _keyed(batch_ids, item_ids).items():
        await conn.execute(
            """UPDATE batch_item SET reservation = $3::text
               WHERE batch_id = $1 AND item_id = ANY($2::uuid[]) AND reservation = ANY($4::text[])""",
            batch_id, items, Reservation.RELEASED.value, _LIVE,
        )


async def record_handed_over(conn: asyncpg.Connection, batch_ids: list[uuid.UUID], item_ids: list[uuid.UUID]
                             ) -> None:
    for (batch_id,), items in _keyed(batch_ids, item_ids).items():
        await conn.execute("UPDATE batch_item SET handed_over = true WHERE batch_id = $1 AND item_id = ANY($2::uuid[])",
                           batch_id, items)


async def not_handed_over(conn: asyncpg.Connection, batch_id: uuid.UUID, item_ids: list[uuid.UUID]
                          ) -> list[uuid.UUID]:
    rows = await conn.fetch(
        """SELECT item_id FROM batch_item WHERE batch_id = $1 AND item_id = ANY($2::uuid[]) AND NOT handed_over
           ORDER BY item_id""",
        batch_id, item_ids,
    )
    return [r["item_id"] for r in rows]


async def handed_over_count(conn: asyncpg.Connection, batch_id: uuid.UUID) -> int:
    return int(await conn.fetchval(
        "SELECT count(*) FROM batch_item WHERE batch_id = $1 AND handed_over AND reservation = 'reserved'",
        batch_id) or 0)


async def record_outcomes(conn: asyncpg.Connection, batch_ids: list[uuid.UUID], item_ids: list[uuid.UUID],
                          outcomes: list[str]) -> None:
    for (batch_id, outcome), items in _keyed(batch_ids, item_ids, outcomes).items():
        await conn.execute(
            "UPDATE batch_item SET outcome = $3::text WHERE batch_id = $1 AND item_id = ANY($2::uuid[]) AND executed",
            batch_id, items, outcome,
        )


async def pending_count(conn: asyncpg.Connection, batch_id: uuid.UUID) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM batch_item WHERE batch_id = $1 AND reservation = 'pending'", batch_id
    )


async def mark_executed(conn: asyncpg.Connection, batch_id: uuid.UUID, item_ids: list[uuid.UUID]) -> None:
    await conn.execute("UPDATE batch_item SET executed = true WHERE batch_id = $1 AND item_id = ANY($2::uuid[])",
                       batch_id, item_ids)


async def chain_hits(conn: asyncpg.Connection, item_ids: list[uuid.UUID], user_ids: list[str]) -> dict[str, str]:
    """For each of `user_ids` (canonical) in the chain of custody of any of `item_ids`: one such item. The
    chain is compared canonically too: an id recorded as `"Staff-1 "` is `staff-1`."""
    rows = await conn.fetch(
        """SELECT lower(btrim(user_id)) AS user_id, min(item_id::text) AS item_id FROM custody_actor
           WHERE lower(btrim(user_id)) = ANY($2::text[]) AND item_id = ANY($1::uuid[])
           GROUP BY lower(btrim(user_id))""",
        item_ids, user_ids,
    )
    return {r["user_id"]: r["item_id"] for r in rows}


# --- votes -----------------------------------------------------------------------------------------


async def insert_vote(conn: asyncpg.Connection, batch_id: uuid.UUID, member: str, decision: str, reason: str,
                      now: datetime) -> bool:
    row = await conn.fetchrow(
        """INSERT INTO vote (batch_id, member, decision, reason, cast_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (batch_id, member) DO NOTHING RETURNING member""",
        batch_id, member, decision, reason, now,
    )
    return row is not None


async def votes(conn: asyncpg.Connection, batch_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM vote WHERE batch_id = $1 ORDER BY cast_at, member", batch_id)
