"""When a handheld scanned: a scan queued offline reaches custody later and says the instant it was scanned.

Custody records that instant beside its own (the event's `occurred_at`), within bounds it can defend: not ahead
of the server's clock beyond a small skew (a handheld's clock runs a little fast, never a day), and not older
than a week (a queue that old is a lost device found again: its scans are re-done, not back-dated)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from tangvat_shared.draft import Draft
from tangvat_shared.errors import RuleViolation

MAX_AHEAD = timedelta(minutes=5)
MAX_AGE = timedelta(days=7)
# The events a scan decides about the scanned item; the others it may decide (a discrepancy) carry no instant.
SCANNED_EVENTS = frozenset({"custody.item_received", "custody.item_moved", "custody.item_checked_out",
                            "custody.item_returned"})


def require_scanned_at(scanned_at: datetime | None, now: datetime) -> None:
    """A scan's own instant is neither in the future (beyond the skew) nor older than MAX_AGE."""
    if scanned_at is None:
        return
    if scanned_at > now + MAX_AHEAD:
        raise RuleViolation(f"scanned_at {scanned_at.isoformat()} is later than the server's clock "
                            f"({now.isoformat()}) by more than {int(MAX_AHEAD.total_seconds())} s: check the "
                            "device's clock", code="scanned_at_in_future")
    if scanned_at < now - MAX_AGE:
        raise RuleViolation(f"scanned_at {scanned_at.isoformat()} is more than {MAX_AGE.days} days old: scan "
                            "the item again", code="scanned_at_too_old")


def stamp(drafts: Iterable[Draft], scanned_at: datetime | None) -> list[Draft]:
    """The drafts with the scan's instant on the scanned item's events (unchanged without one: events of a scan
    sent at once keep the shape they always had)."""
    if scanned_at is None:
        return list(drafts)
    at = scanned_at.astimezone(UTC).isoformat().replace("+00:00", "Z")  # RFC 3339 in UTC, as events' instants
    return [Draft(d.type, d.subject, {**d.data, "scanned_at": at}) if d.type in SCANNED_EVENTS else d
            for d in drafts]
