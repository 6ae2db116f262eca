"""The timeline projection: every item event of every stream becomes one `item_step` row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import asyncpg

from tangvat_shared.consumer import Event, Handler
from tangvat_shared.events.registry import all_specs

SOURCES = ("intake", "custody", "disposal")


async def record_steps(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    rows = []
    for event in events:
        data = event.data.model_dump(mode="json")
        item_ids = [data["item_id"]] if "item_id" in data else list(data.get("item_ids", []))
        envelope = event.envelope
        for item_id in item_ids:
            rows.append((envelope.id, item_id, envelope.source, envelope.sequence, envelope.type, envelope.time,
                         envelope.actorid, envelope.actorrole, data))
    await conn.executemany(
        """INSERT INTO item_step (event_id, item_id, stream, sequence, event_type, occurred_at, actor_id, actor_role,
                                  data)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        rows,
    )


def handlers() -> Mapping[str, Handler]:
    """Every registered type of the streams the auditor follows that names an item."""
    out: dict[str, Handler] = {}
    for spec in all_specs():
        if spec.type.split(".")[0] in SOURCES and ({"item_id", "item_ids"} & set(spec.model.model_fields)):
            out[spec.type] = record_steps
    return out
