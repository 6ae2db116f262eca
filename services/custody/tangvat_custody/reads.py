"""The custody service's read-only SQL: what the query routes show (the commands' SQL is in `store`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from tangvat_custody.store import ON_SHELF_STATES
from tangvat_shared.events.custody import LOCATION_EVENTS
from tangvat_shared.like import like_escaped
from tangvat_shared.transitions import TERMINAL, TRANSITIONS, ItemState, Place

_RETURNING = [t for t, transition in TRANSITIONS.items() if transition.place is Place.RETURNS]


async def items_at(conn: asyncpg.Connection, location_code: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM item WHERE location_code = $1 ORDER BY label_code", location_code
    )


async def items_at_time(conn: asyncpg.Connection, location_code: str, at: datetime) -> list[asyncpg.Record]:
    """Items whose last placing event at or before `at` put them at the location (from the stream).

    Placing events are the transition table's (`Place` other than KEEPS). A clearing event puts the item
    on no shelf whether or not it names `location_code`; a release older than the rule that names the
    shelf it returns to put it back where the placing event before it had it (its location, or for a
    handover the shelf it was taken from) — as the auditor's fold and `custody_at` say."""
    return await conn.fetch(
        """SELECT item_id, event_type, occurred_at FROM (
               SELECT DISTINCT ON (e.subject) (e.body -> 'data' ->> 'item_id')::uuid AS item_id, e.event_type,
                      e.occurred_at,
                      CASE WHEN e.event_type = ANY($4::text[]) AND NOT (e.body -> 'data' ? 'location_code') THEN
                           (SELECT coalesce(p.body -> 'data' ->> 'location_code',
                                            p.body -> 'data' ->> 'from_location_code')
                              FROM event p WHERE p.subject = e.subject AND p.id < e.id
                               AND p.event_type = ANY($3::text[]) ORDER BY p.id DESC LIMIT 1)
                           ELSE e.body -> 'data' ->> 'location_code' END AS location_code
                 FROM event e
                WHERE e.subject LIKE 'item/%' AND e.occurred_at <= $2 AND e.event_type = ANY($3::text[])
                ORDER BY e.subject, e.id DESC) last
            WHERE location_code = $1 ORDER BY item_id""",
        location_code, at, sorted(LOCATION_EVENTS), sorted(_RETURNING),
    )


async def item_events(conn: asyncpg.Connection, item_id: uuid.UUID, until: datetime | None = None
                      ) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT event_id, event_type, stream_seq, occurred_at, body FROM event
            WHERE subject = $1 AND ($2::timestamptz IS NULL OR occurred_at <= $2) ORDER BY id""",
        f"item/{item_id}", until,
    )


async def state_counts(conn: asyncpg.Connection, warehouse_id: str) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT state, count(*) AS n FROM item WHERE warehouse_id = $1 GROUP BY state", warehouse_id
    )
    return {r["state"]: r["n"] for r in rows}


async def on_hold_count(conn: asyncpg.Connection, warehouse_id: str) -> int:
    return int(await conn.fetchval(
        "SELECT count(*) FROM item WHERE warehouse_id = $1 AND on_hold", warehouse_id) or 0)


async def storage_age(conn: asyncpg.Connection, warehouse_id: str, now: datetime) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT bucket, count(*) AS n, min(received_at) AS oldest FROM (
               SELECT received_at, CASE
                   WHEN $2::timestamptz - received_at < interval '30 days' THEN '0-29d'
                   WHEN $2::timestamptz - received_at < interval '90 days' THEN '30-89d'
                   WHEN $2::timestamptz - received_at < interval '365 days' THEN '90-364d'
                   ELSE '365d+' END AS bucket
                 FROM item WHERE warehouse_id = $1 AND state = ANY($3::text[]) AND received_at IS NOT NULL) aged
           GROUP BY bucket ORDER BY min(received_at)""",
        warehouse_id, now, ON_SHELF_STATES,
    )


async def perishables_past(conn: asyncpg.Connection, warehouse_id: str, cutoff: datetime,
                           limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT * FROM item WHERE warehouse_id = $1 AND perishable AND state = ANY($4::text[])
              AND coalesce(received_at, registered_at) < $2
            ORDER BY coalesce(received_at, registered_at) LIMIT $3""",
        warehouse_id, cutoff, limit, [*ON_SHELF_STATES, ItemState.AWAITING_RECEIPT.value],
    )


async def overdue(conn: asyncpg.Connection, warehouse_id: str, now: datetime, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        # The state spelled into the statement (from the enum), so the partial index item_overdue serves it.
        f"""SELECT * FROM item WHERE state = '{ItemState.CHECKED_OUT.value}' AND due_at < $2 AND warehouse_id = $1
            ORDER BY due_at LIMIT $3""",
        warehouse_id, now, limit,
    )


def _like(text: str) -> str:
    """`text` as a LIKE pattern matching it anywhere: its own `%`, `_` and `\\` match only themselves."""
    return f"%{like_escaped(text)}%"


# The folded label code and description (migration 0008: search_fold, its trigram index item_search) contain the
# folded pattern: "bac ninh" finds "Bắc Ninh". The expression is the index's, spelled the same, so the index serves it.
_MATCHES = "search_fold(label_code || ' ' || description) LIKE search_fold({q}) ESCAPE '\\'"


async def items_in_state(conn: asyncpg.Connection, warehouse_id: str, state: str | None, after: str,
                         limit: int, q: str | None = None) -> list[asyncpg.Record]:
    """A page of the warehouse's items by label code; `q` keeps those whose printed label code or description
    contains it (any case, with or without diacritics: `_MATCHES`). Scoped by the warehouse in the statement, so a
    search never answers beyond the one warehouse the caller named."""
    if q:  # a statement of its own, so that even its generic plan uses the trigram index
        return await conn.fetch(
            f"""SELECT * FROM item WHERE {_MATCHES.format(q="$5")} AND warehouse_id = $1
                  AND ($2::text IS NULL OR state = $2) AND label_code > $3 ORDER BY label_code LIMIT $4""",
            warehouse_id, state, after, limit, _like(q))
    return await conn.fetch(
        """SELECT * FROM item WHERE warehouse_id = $1 AND ($2::text IS NULL OR state = $2) AND label_code > $3
            ORDER BY label_code LIMIT $4""",
        warehouse_id, state, after, limit,
    )


async def search_items(conn: asyncpg.Connection, warehouses: Sequence[str] | None, q: str, after: str,
                       limit: int) -> list[asyncpg.Record]:
    """A page, by label code, of the items matching `q` in the given warehouses (`None`: in every warehouse, for
    a caller whose scope is `*`). The warehouses are the caller's scope, filtered in the statement."""
    if warehouses is None:
        return await conn.fetch(
            f"""SELECT * FROM item WHERE {_MATCHES.format(q="$1")} AND label_code > $2
                ORDER BY label_code LIMIT $3""", _like(q), after, limit)
    return await conn.fetch(
        f"""SELECT * FROM item WHERE {_MATCHES.format(q="$1")} AND label_code > $2 AND warehouse_id = ANY($4::text[])
            ORDER BY label_code LIMIT $3""", _like(q), after, limit, list(warehouses))


async def container_items(conn: asyncpg.Connection, container_id: uuid.UUID) -> list[asyncpg.Record]:
    """What a container holds now (index `item_by_container`), unlocked, by label code."""
    return await conn.fetch("SELECT * FROM item WHERE container_id = $1 ORDER BY label_code", container_id)


async def open_counts(conn: asyncpg.Connection, warehouse_id: str) -> list[asyncpg.Record]:
    """The warehouse's counts not yet closed (index `stock_count_open`), with how far each has come."""
    return await conn.fetch(
        """SELECT c.count_id, c.warehouse_id, c.location_code, c.blind, c.opened_by, c.opened_at,
                  c.closed_by, c.closed_at,
                  (SELECT count(*) FROM count_scan s WHERE s.count_id = c.count_id) AS scanned,
                  (SELECT count(*) FROM count_expected e WHERE e.count_id = c.count_id) AS expected
             FROM stock_count c WHERE c.warehouse_id = $1 AND c.closed_at IS NULL ORDER BY c.opened_at""",
        warehouse_id,
    )


async def items_named(conn: asyncpg.Connection, warehouse_id: str, item_ids: list[uuid.UUID]
                      ) -> list[asyncpg.Record]:
    """The items of the warehouse among `item_ids` (what a pending request names), unlocked."""
    return await conn.fetch(
        """SELECT item_id, label_code, description, value_vnd, state FROM item
            WHERE item_id = ANY($2::uuid[]) AND warehouse_id = $1 ORDER BY label_code""",
        warehouse_id, item_ids,
    )


async def batch_items_in(conn: asyncpg.Connection, warehouse_id: str, batch_id: uuid.UUID, states: list[str]
                         ) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT item_id, label_code, description, value_vnd, state FROM item
            WHERE batch_id = $2 AND warehouse_id = $1 AND state = ANY($3::text[]) ORDER BY label_code""",
        warehouse_id, batch_id, states,
    )


async def discrepancies(conn: asyncpg.Connection, warehouse_id: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        # The item's printed code and description beside each: what a person looks for on the shelf.
        """SELECT d.*, i.label_code, i.description FROM discrepancy d LEFT JOIN item i ON i.item_id = d.item_id
            WHERE d.warehouse_id = $1 ORDER BY d.id DESC LIMIT $2""", warehouse_id, limit
    )


async def locations(conn: asyncpg.Connection, warehouse_id: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM location WHERE warehouse_id = $1 ORDER BY location_code", warehouse_id)


# --- inventory counts in progress (the scan station's progress and its confirmation before closing) ------------

async def count_not_scanned(conn: asyncpg.Connection, count_id: uuid.UUID) -> list[asyncpg.Record]:
    """The items a count expects and has not scanned yet, as they are now: what closing it would mark missing."""
    return await conn.fetch(
        """SELECT e.item_id, i.label_code, i.description, e.location_code, i.state, i.batch_id
             FROM count_expected e JOIN item i ON i.item_id = e.item_id
            WHERE e.count_id = $1
              AND NOT EXISTS (SELECT 1 FROM count_scan s WHERE s.count_id = e.count_id AND s.item_id = e.item_id)
            ORDER BY i.label_code""",
        count_id,
    )


async def count_unexpected(conn: asyncpg.Connection, count_id: uuid.UUID) -> int:
    """How many items a count has scanned that it did not expect."""
    return int(await conn.fetchval(
        """SELECT count(*) FROM count_scan s WHERE s.count_id = $1
              AND NOT EXISTS (SELECT 1 FROM count_expected e
                               WHERE e.count_id = s.count_id AND e.item_id = s.item_id)""",
        count_id) or 0)


async def item_photos(conn: asyncpg.Connection, item_id: uuid.UUID) -> list[asyncpg.Record]:
    """An item's photos, oldest first, without their bytes."""
    return await conn.fetch(
        """SELECT photo_id, item_id, warehouse_id, media_type, size_bytes, sha256, uploaded_by, uploaded_at,
                  received_at FROM item_photo WHERE item_id = $1 ORDER BY uploaded_at, photo_id""", item_id)


async def photo(conn: asyncpg.Connection, photo_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM item_photo WHERE photo_id = $1", photo_id)


async def warehouses(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT warehouse_id, name, created_at FROM warehouse ORDER BY warehouse_id")


# --- paperwork: what the forms list -----------------------------------------------------------------

async def received_items(conn: asyncpg.Connection, seizure_id: uuid.UUID, warehouse_id: str) -> list[asyncpg.Record]:
    """The items of a seizure received into a warehouse (a receipt's forms list them), by label code."""
    return await conn.fetch(
        """SELECT * FROM item WHERE seizure_id = $1 AND warehouse_id = $2 AND received_at IS NOT NULL
            ORDER BY label_code""", seizure_id, warehouse_id)


async def transfer_goods(conn: asyncpg.Connection, transfer_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT i.*, t.received_at AS transfer_received_at FROM transfer_item t JOIN item i USING (item_id)
            WHERE t.transfer_id = $1 ORDER BY i.label_code""", transfer_id)


async def handed_over_items(conn: asyncpg.Connection, handover_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM item WHERE handover_id = $1 ORDER BY label_code", handover_id)


async def last_event_of(conn: asyncpg.Connection, item_id: uuid.UUID, event_type: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT body FROM event WHERE subject = $1 AND event_type = $2 ORDER BY id DESC LIMIT 1",
        f"item/{item_id}", event_type)


async def warehouse(conn: asyncpg.Connection, warehouse_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM warehouse WHERE warehouse_id = $1", warehouse_id)


async def signed_form(conn: asyncpg.Connection, form_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM signed_form WHERE form_id = $1", form_id)


async def signed_forms(conn: asyncpg.Connection, form: str, subject_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM signed_form WHERE form = $1 AND subject_id = $2 ORDER BY signed_at DESC", form, subject_id)


async def received_events(conn: asyncpg.Connection, item_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    """Each item's receipt event (what was counted), for the warehouse receipt."""
    return await conn.fetch(
        """SELECT DISTINCT ON (subject) subject, body FROM event
            WHERE subject = ANY($1::text[]) AND event_type = 'custody.item_received' ORDER BY subject, id DESC""",
        [f"item/{i}" for i in item_ids])


# --- returns to owners -------------------------------------------------------------------------------

_RETURN_ITEM = """json_build_object('item_id', i.item_id, 'label_code', i.label_code, 'description', i.description,
                                    'quantity', i.quantity, 'unit', i.unit, 'value_vnd', i.value_vnd, 'state', i.state,
                                    'on_hold', i.on_hold, 'location_code', i.location_code)"""


async def return_tasks(conn: asyncpg.Connection, warehouses: list[str] | None, warehouse_id: str | None
                       ) -> list[asyncpg.Record]:
    """Release-ordered seizures with goods still in custody in the given warehouses (None: every one), each with
    those items, oldest order first."""
    return await conn.fetch(
        f"""SELECT s.seizure_id, s.decision, i.warehouse_id,
                   json_agg({_RETURN_ITEM} ORDER BY i.label_code) AS items
            FROM seizure_legal_status s JOIN item i USING (seizure_id)
            WHERE s.status = 'release_ordered' AND i.state <> ALL($1::text[])
              AND ($2::text[] IS NULL OR i.warehouse_id = ANY($2::text[])) AND ($3::text IS NULL OR i.warehouse_id = $3)
            GROUP BY s.seizure_id, s.decision, i.warehouse_id
            ORDER BY s.decision->>'decided_on', s.seizure_id LIMIT 500""",
        sorted(s.value for s in TERMINAL), warehouses, warehouse_id,
    )


async def owner_return(conn: asyncpg.Connection, return_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"""SELECT r.*, (SELECT json_agg({_RETURN_ITEM} ORDER BY i.label_code) FROM item i
                         WHERE i.item_id = ANY(r.item_ids)) AS items,
                   (SELECT json_agg(json_build_object('label_code', i.label_code, 'description', i.description,
                                                      'unit', i.unit, 'quantity', i.quantity,
                                                      'condition', i.condition, 'value_vnd', i.value_vnd)
                                    ORDER BY i.label_code)
                    FROM item i WHERE i.item_id = ANY(r.item_ids)) AS goods,
                   (SELECT s.decision FROM seizure_legal_status s WHERE s.seizure_id = r.seizure_id) AS decision,
                   (SELECT w.name FROM warehouse w WHERE w.warehouse_id = r.warehouse_id) AS warehouse_name
            FROM owner_return r WHERE r.return_id = $1""", return_id)
    return None if row is None else dict(row)
