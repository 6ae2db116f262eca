"""A queued scan's own instant: accepted within the skew and the week, carried on the scanned item's events only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tangvat_custody.domain_scan_time import MAX_AGE, MAX_AHEAD, require_scanned_at, stamp
from tangvat_shared.draft import Draft
from tangvat_shared.errors import RuleViolation
from tangvat_shared.events.custody import ItemMoved, ItemReceived

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize("scanned_at", [None, NOW, NOW - timedelta(hours=5), NOW + MAX_AHEAD,
                                        NOW - MAX_AGE, NOW - timedelta(days=6, hours=23)])
def test_a_scan_instant_within_the_skew_and_the_week_is_accepted(scanned_at: datetime | None) -> None:
    require_scanned_at(scanned_at, NOW)


def test_a_scan_instant_ahead_of_the_servers_clock_beyond_the_skew_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        require_scanned_at(NOW + MAX_AHEAD + timedelta(seconds=1), NOW)
    assert refused.value.code == "scanned_at_in_future"


def test_a_scan_older_than_a_week_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        require_scanned_at(NOW - MAX_AGE - timedelta(seconds=1), NOW)
    assert refused.value.code == "scanned_at_too_old"


def test_a_scan_instant_in_another_offset_is_compared_as_the_same_moment() -> None:
    require_scanned_at(datetime(2026, 12, 2, 10, 4, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), NOW)  # 03:04 UTC
    with pytest.raises(RuleViolation):
        require_scanned_at(datetime(2026, 12, 2, 10, 6, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), NOW)  # 6 min ahead


def test_the_instant_goes_on_the_scanned_items_event_and_not_on_a_discrepancy() -> None:
    moved = Draft("custody.item_moved", "item/1", {"item_id": "1"})
    discrepancy = Draft("custody.discrepancy_recorded", "item/1", {"kind": "quantity"})
    at = NOW - timedelta(minutes=20)
    stamped = stamp([moved, discrepancy], at)
    assert stamped[0].data == {"item_id": "1", "scanned_at": "2026-12-02T02:40:00Z"}
    assert stamped[1] is discrepancy
    assert stamp([moved], None) == [moved] and "scanned_at" not in moved.data


def test_the_event_models_take_the_instant_and_keep_events_without_it_valid() -> None:
    base = {"item_id": "6f1c0f6e-4a83-4f8e-9c1d-0d7a2b7b8a11", "warehouse_id": "KHO-1", "from_location_code": "A",
            "location_code": "B"}
    assert ItemMoved.model_validate(base).scanned_at is None
    assert ItemMoved.model_validate({**base, "scanned_at": NOW.isoformat()}).scanned_at == NOW
    assert "scanned_at" in ItemReceived.model_fields
