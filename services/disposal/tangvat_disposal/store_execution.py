"""SQL of a batch's execution record beside the batch (asyncpg): its witnesses, the forms signed for it and its
evidence files (their bytes in the file store by SHA-256)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

# --- witnesses ---------------------------------------------------------------------------------------


async def insert_witness(conn: asyncpg.Connection, batch_id: uuid.UUID, witness: dict[str, Any], at: datetime
                         ) -> bool:
    """False when this witness had already confirmed (two confirmations at once: the key decides)."""
    status = await conn.execute(
        """INSERT INTO batch_witness (batch_id, user_id, name, organisation, confirmed_at)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING""",
        batch_id, witness["user_id"], witness["name"], witness["organisation"], at,
    )
    return bool(status == "INSERT 0 1")


async def delete_witness(conn: asyncpg.Connection, batch_id: uuid.UUID, user_id: str) -> bool:
    """False when the witness was not (or no longer) there: two withdrawals at once, the key decides."""
    status = await conn.execute("DELETE FROM batch_witness WHERE batch_id = $1 AND user_id = $2", batch_id, user_id)
    return bool(status == "DELETE 1")


async def witnesses(conn: asyncpg.Connection, batch_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch("""SELECT user_id, name, organisation FROM batch_witness WHERE batch_id = $1
                               ORDER BY confirmed_at, user_id""", batch_id)
    return [dict(r) for r in rows]


async def previous_witnesses(conn: asyncpg.Connection, unit: str) -> list[str] | None:
    return await conn.fetchval(
        """SELECT witness_pair FROM batch WHERE unit = $1 AND method = 'destroy' AND status = 'executed'
           ORDER BY executed_at DESC LIMIT 1""",
        unit,
    )


# --- forms signed on the tablet ----------------------------------------------------------------------


async def insert_signed_form(conn: asyncpg.Connection, row: dict[str, Any]) -> None:
    """Destruction minutes signed on the tablet (the PDF and signatures are in the file store by SHA-256)."""
    await conn.execute(
        """INSERT INTO signed_form (form_id, form, batch_id, unit, item_ids, pdf_sha256, pdf_size_bytes, signatures,
                                    signed_by, signed_at) VALUES ($1, $2, $3, $4, $5::uuid[], $6, $7, $8, $9, $10)""",
        row["form_id"], row["form"], row["batch_id"], row["unit"], row["item_ids"], row["pdf_sha256"],
        row["pdf_size_bytes"], row["signatures"], row["signed_by"], row["signed_at"])


# --- evidence files of an execution (their bytes in the file store) ------------------------------------------


async def insert_evidence(conn: asyncpg.Connection, batch_id: uuid.UUID, sha256: str, name: str, media_type: str,
                          size_bytes: int, by: str, now: datetime) -> None:
    await conn.execute(
        """INSERT INTO batch_evidence (batch_id, sha256, name, media_type, size_bytes, uploaded_by, uploaded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (batch_id, sha256) DO NOTHING""",
        batch_id, sha256, name, media_type, size_bytes, by, now)


async def evidence(conn: asyncpg.Connection, batch_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT sha256, name, media_type, size_bytes, uploaded_by, uploaded_at FROM batch_evidence
            WHERE batch_id = $1 ORDER BY uploaded_at, sha256""", batch_id)
