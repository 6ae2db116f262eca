"""Evidence files of an execution: uploaded for a batch (its unit's board members) before the execution names
them by SHA-256, kept in disposal's file store; an execution naming a file nobody uploaded is refused, so every
hash in `disposal.batch_executed` points to a real file. Read back in the batch's unit scope."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tangvat_disposal import store_execution
from tangvat_disposal.schemas import EvidenceIn
from tangvat_disposal.service.common import Disposal, batch
from tangvat_shared.auth import Principal
from tangvat_shared.content import accept
from tangvat_shared.errors import NotFound, RuleViolation
from tangvat_shared.uploads import Upload


def _name(given: str | None, filename: str | None, media_type: str) -> str:
    name = (given or filename or "").strip()
    return (name or ("anh" if media_type.startswith("image/") else "tai-lieu"))[:200]


async def upload(disposal: Disposal, principal: Principal, batch_id: uuid.UUID, sent: Upload) -> dict[str, Any]:
    accepted = accept(sent.content)
    name = _name(sent.fields.get("name"), sent.filename, accepted.media_type)
    async with disposal.pool.acquire() as conn:
        await batch(conn, principal, batch_id)  # another unit's batch: 404, nothing kept
        await disposal.files.put(sent.content, accepted.media_type)
        await store_execution.insert_evidence(conn, batch_id, accepted.sha256, name, accepted.media_type,
                                              accepted.size_bytes, principal.actor.user_id, datetime.now(UTC))
    return {"sha256": accepted.sha256, "name": name, "media_type": accepted.media_type,
            "size_bytes": accepted.size_bytes, "url": f"/batches/{batch_id}/evidence/{accepted.sha256}"}


async def require_uploaded(disposal: Disposal, evidence: Sequence[EvidenceIn]) -> None:
    missing = [{"loc": ["body", "evidence", n, "sha256"], "sha256": e.sha256} for n, e in enumerate(evidence)
               if not await disposal.files.exists(e.sha256)]
    if missing:
        raise RuleViolation("upload each evidence file first (POST /batches/{id}/evidence): these are not in the "
                            "store", code="evidence_not_uploaded", details=missing)


async def listed(disposal: Disposal, principal: Principal, batch_id: uuid.UUID) -> list[dict[str, Any]]:
    """The batch's evidence: what its execution names (when recorded), and what was uploaded for it."""
    async with disposal.pool.acquire() as conn:
        current = await batch(conn, principal, batch_id)
        uploaded = {r["sha256"]: dict(r) for r in await store_execution.evidence(conn, batch_id)}
    named = (current.get("execution") or {}).get("evidence") or []
    out: list[dict[str, Any]] = []
    for entry in [*named, *(u for s, u in uploaded.items() if s not in {n["sha256"] for n in named})]:
        sha256 = entry["sha256"]
        stat = await disposal.files.stat(sha256)
        out.append({"sha256": sha256, "name": entry.get("name") or uploaded.get(sha256, {}).get("name"),
                    "kind": entry.get("kind"), "named_by_execution": entry in named,
                    "media_type": stat.media_type if stat else None, "size_bytes": stat.size_bytes if stat else None,
                    "url": f"/batches/{batch_id}/evidence/{sha256}"})
    return out


async def content(disposal: Disposal, principal: Principal, batch_id: uuid.UUID, sha256: str) -> tuple[bytes, str]:
    if sha256 not in {e["sha256"] for e in await listed(disposal, principal, batch_id)}:
        raise NotFound(f"batch {batch_id} has no evidence {sha256}", code="unknown_evidence")
    stat = await disposal.files.stat(sha256)
    return await disposal.files.get(sha256), stat.media_type if stat else "application/octet-stream"
