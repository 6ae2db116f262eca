"""An item's history as intake and custody answer it: every event recorded about it, in the stream's order."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class HistoryEntry(BaseModel):
    event_id: uuid.UUID
    type: str
    sequence: int | None
    occurred_at: datetime
    scanned_at: datetime | None = None  # a scan's own instant, when a handheld sent it later (custody)
    actor_id: str
    actor_role: str
    data: dict[str, Any]


def history(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`HistoryEntry`s of recorded events (`event_id, event_type, stream_seq, occurred_at, body` rows)."""
    return [{"event_id": r["event_id"], "type": r["event_type"], "sequence": r["stream_seq"],
             "occurred_at": r["occurred_at"],
             "scanned_at": r["body"]["data"].get("scanned_at"), "actor_id": r["body"]["actorid"],
             "actor_role": r["body"]["actorrole"],
             "data": r["body"]["data"]} for r in rows]
