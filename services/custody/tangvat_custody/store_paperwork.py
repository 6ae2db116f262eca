"""The SQL of forms signed on the tablet: the signed form's row (its PDF and signatures are in the file store)."""

from __future__ import annotations

from typing import Any

import asyncpg


async def insert_signed_form(conn: asyncpg.Connection, row: dict[str, Any]) -> None:
    """The signed form as the domain decided it (its PDF and signatures are in the file store by SHA-256)."""
    await conn.execute(
        """INSERT INTO signed_form (form_id, form, subject_id, warehouse_id, item_ids, pdf_sha256, pdf_size_bytes,
                                    signatures, signed_by, signed_at)
           VALUES ($1, $2, $3, $4, $5::uuid[], $6, $7, $8, $9, $10)""",
        row["form_id"], row["form"], row["subject_id"], row["warehouse_id"], row["item_ids"], row["pdf_sha256"],
        row["pdf_size_bytes"], row["signatures"], row["signed_by"], row["signed_at"])
