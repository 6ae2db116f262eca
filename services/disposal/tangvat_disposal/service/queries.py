"""Disposal's queries: boards' batches, their items, one item's read model, the certificate's data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from tangvat_disposal import domain_execution, reads, store
from tangvat_disposal.service.common import Disposal, batch
from tangvat_shared.auth import Principal
from tangvat_shared.canonical import canonical_json, sha256_hex
from tangvat_shared.errors import NotFound
from tangvat_shared.units import sql_filter

BATCH_FIELDS = ("batch_id", "unit", "method", "reason", "emergency", "proposer", "status", "item_count",
                "total_value_vnd", "quorum", "rejections_to_reject", "deadline", "proposed_at", "decided_at",
                "ready_at", "executed_at", "cancelled_at", "cancel_reason", "execution")
BATCH_ITEM_FIELDS = ("item_id", "category", "description", "quantity", "value_vnd", "reservation", "reason",
                     "handed_over", "executed", "outcome", "drop_reason", "deferred", "dropped_by", "label_code",
                     "custody_state", "on_hold")
ITEM_FIELDS = ("item_id", "seizure_id", "seizing_unit", "category", "value_vnd", "perishable", "hazardous",
               "warehouse_id", "custody_state", "on_hold", "legal_status", "batch_id")


def events_sha256(bodies: list[dict[str, Any]]) -> str:
    """SHA-256 of the canonical JSON array of the batch's event envelopes (without chain fields), in order."""
    return sha256_hex(canonical_json(bodies))


async def get_batch(disposal: Disposal, principal: Principal, batch_id: uuid.UUID) -> dict[str, Any]:
    async with disposal.pool.acquire() as conn:
        return await _batch_view(conn, await batch(conn, principal, batch_id))


async def _batch_view(conn: asyncpg.Connection, row: dict[str, Any]) -> dict[str, Any]:
    batch_id = row["batch_id"]
    return {
        **{f: row[f] for f in BATCH_FIELDS},
        "votes": [{"member": v["member"], "decision": v["decision"], "reason": v["reason"], "cast_at": v["cast_at"]}
                  for v in await store.votes(conn, batch_id)],
        "reservation": await store.reservation_counts(conn, batch_id),
        "handed_over": await store.handed_over_count(conn, batch_id),
        "unavailable": [{"item_id": str(u["item_id"]), "reason": u["reason"]}
                        for u in await reads.unavailable(conn, batch_id)],
        "dropped": [{"item_id": str(d["item_id"]), "label_code": d["label_code"], "description": d["description"],
                     "reason": d["drop_reason"], "deferred": d["deferred"], "dropped_by": d["dropped_by"],
                     "dropped_at": d["dropped_at"]} for d in await reads.dropped(conn, batch_id)],
        "outcomes": await reads.outcome_counts(conn, batch_id),
        "witnesses": await reads.confirmed_witnesses(conn, batch_id),
        "events_sha256": events_sha256(await reads.batch_event_bodies(conn, batch_id)),
    }


async def list_batches(disposal: Disposal, principal: Principal, status: str | None, limit: int
                       ) -> list[dict[str, Any]]:
    async with disposal.pool.acquire() as conn:
        rows = await reads.list_batches(conn, sql_filter(principal.units), status, limit)
    return [{"batch_id": r["batch_id"], "unit": r["unit"], "method": r["method"], "status": r["status"],
             "item_count": r["item_count"], "proposed_at": r["proposed_at"]} for r in rows]


async def batch_items(disposal: Disposal, principal: Principal, batch_id: uuid.UUID, offset: int, limit: int
                      ) -> list[dict[str, Any]]:
    async with disposal.pool.acquire() as conn:
        await batch(conn, principal, batch_id)
        rows = await reads.batch_items(conn, batch_id, offset, limit)
    return [{k: r[k] for k in BATCH_ITEM_FIELDS} for r in rows]


async def get_item(disposal: Disposal, principal: Principal, item_id: uuid.UUID) -> dict[str, Any]:
    async with disposal.pool.acquire() as conn:
        row = await store.item(conn, item_id)
        unknown = NotFound(f"item {item_id} not known to disposal", code="unknown_item")
        if row is None:
            raise unknown
        principal.require_visible_unit(row["seizing_unit"], unknown)
        actors = await reads.custody_actors(conn, item_id)
    return {**{k: row[k] for k in ITEM_FIELDS}, "custody_actors": actors}


@dataclass(frozen=True)
class CertificateData:
    batch: dict[str, Any]
    items: list[dict[str, Any]]  # the executed ones; the batch's `dropped` lists those taken out


async def certificate_data(disposal: Disposal, principal: Principal, batch_id: uuid.UUID) -> CertificateData:
    async with disposal.pool.acquire() as conn:
        row = await batch(conn, principal, batch_id)
        domain_execution.check_certificate(row["method"], row["status"])
        view = await _batch_view(conn, row)
        items = [dict(r) for r in await reads.batch_items(conn, batch_id) if r["executed"]]
    return CertificateData(view, items)
