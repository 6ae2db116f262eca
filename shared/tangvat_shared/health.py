"""What a service's `/readyz` and `/metrics` say about its consumer's dead letters.

The consumer runs in a process of its own; what it dead-lettered is in the service's database
(`dead_letter`, written in the consumer's transaction), so the API reads it from there.

- `/metrics` counts every dead letter by consumer and kind of reason (`tangvat_dead_letters_total`),
  and the unresolved dead letters of valid events (`tangvat_dead_letters_unresolved`).
- `/readyz` answers 200 `{"status": "degraded", ...}` while a valid event's dead letter is unresolved:
  the API still serves (a load balancer must not take the whole service out of rotation over one
  event), but its read model lacks an effect the log has, and an operator must see it. Poison alone
  (unparseable, unknown type, invalid) does not degrade it: dead-lettering poison is the right outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

# The kinds of reason a record is dead-lettered for (the `dead_letter.kind` column; the consumer sets them).
UNPARSEABLE, UNKNOWN_TYPE, INVALID, HANDLER_FAILED = "unparseable", "unknown_type", "invalid", "handler_failed"
POISON_KINDS = frozenset({UNPARSEABLE, UNKNOWN_TYPE, INVALID})

# What each kind of reason means, in words an operator reads.
REASON_TEXT = {
    UNPARSEABLE: "not a readable event (not JSON, or not a JSON object)",
    UNKNOWN_TYPE: "an event type or schema version this service does not know",
    INVALID: "an event that breaks its schema",
    HANDLER_FAILED: "a valid event this service failed to apply: its read model lacks the event's effect",
}
UNRECORDED = "unrecorded"  # the consumer of a dead letter recorded before consumers were named


@dataclass(frozen=True)
class DeadLetterCount:
    consumer: str
    kind: str
    total: int
    unresolved: int


async def dead_letter_counts(conn: asyncpg.Connection) -> list[DeadLetterCount]:
    rows = await conn.fetch(
        """SELECT coalesce(consumer, $1) AS consumer, kind, count(*) AS total,
                  count(*) FILTER (WHERE resolved_at IS NULL) AS unresolved
             FROM dead_letter GROUP BY 1, 2 ORDER BY 1, 2""", UNRECORDED)
    return [DeadLetterCount(r["consumer"], r["kind"], r["total"], r["unresolved"]) for r in rows]


async def valid_events_dead_lettered(conn: asyncpg.Connection) -> list[DeadLetterCount]:
    """The unresolved dead letters of valid events, per consumer (an indexed count: readiness runs often)."""
    rows = await conn.fetch(
        """SELECT coalesce(consumer, $1) AS consumer, count(*) AS unresolved FROM dead_letter
            WHERE kind = 'handler_failed' AND resolved_at IS NULL GROUP BY 1 ORDER BY 1""", UNRECORDED)
    return [DeadLetterCount(r["consumer"], HANDLER_FAILED, r["unresolved"], r["unresolved"]) for r in rows]


def readiness_report(degrading: list[DeadLetterCount]) -> dict[str, Any]:
    """The body of `/readyz` for a service whose database answers."""
    if not degrading:
        return {"status": "ready"}
    count = sum(d.unresolved for d in degrading)
    return {
        "status": "degraded",
        "message": f"{count} valid event{'s' if count != 1 else ''} dead-lettered and not yet resolved: "
                   "this service's read model lacks their effects",
        "dead_letters": [{"consumer": d.consumer, "reason": d.kind, "reason_text": REASON_TEXT[d.kind],
                          "unresolved": d.unresolved} for d in degrading],
    }


class _Families:
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        yield from self._families


def metrics_text(counts: list[DeadLetterCount]) -> bytes:
    """The dead-letter counters in Prometheus' text format."""
    total = CounterMetricFamily("tangvat_dead_letters", "Records this service's consumer dead-lettered "
                                "(from its dead_letter table), by consumer and kind of reason",
                                labels=["consumer", "reason"])
    unresolved = GaugeMetricFamily("tangvat_dead_letters_unresolved", "Dead letters of valid events not yet "
                                   "resolved by an operator (readiness reports degraded while above 0)",
                                   labels=["consumer"])
    for c in counts:
        total.add_metric([c.consumer, c.kind], c.total)
        if c.kind == HANDLER_FAILED:
            unresolved.add_metric([c.consumer], c.unresolved)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families([total, unresolved]))
    return generate_latest(registry)
