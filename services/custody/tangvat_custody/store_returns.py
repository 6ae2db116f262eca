"""Custody's SQL for returns to owners on a release order: the seizure's order as custody keeps it, the hand-back."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg


async def legal_status(conn: asyncpg.Connection, seizure_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT status, decision FROM seizure_legal_status WHERE seizure_id = $1", seizure_id)
    return None if row is None else dict(row)


async def insert_owner_return(conn: asyncpg.Connection, row: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO owner_return (return_id, seizure_id, warehouse_id, decision_number, owner_name, id_type,
                                     id_number, signature_sha256, item_ids, due_on, late, returned_by, returned_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
        row["return_id"], row["seizure_id"], row["warehouse_id"], row["decision_number"], row["owner_name"],
        row["id_type"], row["id_number"], row["signature_sha256"], row["item_ids"], row["due_on"], row["late"],
        row["returned_by"], row["returned_at"],
    )
