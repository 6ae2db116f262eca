"""The registry of event types: every registered schema, versions and upcasting."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from tangvat_shared.events.registry import (
    EventSpec,
    UnknownEventType,
    UnknownEventVersion,
    all_specs,
    spec_for,
)


class ItemWeighedV3(BaseModel):
    item_id: str
    grams: int
    scale: str


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {"item_id": data["item"], "grams": data["kg"] * 1000}


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "scale": "unknown"}


SPEC = EventSpec(type="test.item_weighed", version=3, model=ItemWeighedV3, upcasters={1: _v1_to_v2, 2: _v2_to_v3})


def test_old_versions_are_upcast_step_by_step_to_the_current_schema() -> None:
    data = SPEC.upcast(1, {"item": "i-1", "kg": 2})
    assert ItemWeighedV3.model_validate(data) == ItemWeighedV3(item_id="i-1", grams=2000, scale="unknown")
    assert SPEC.upcast(3, {"item_id": "i", "grams": 1, "scale": "s"}) == {"item_id": "i", "grams": 1, "scale": "s"}


@pytest.mark.parametrize("version", [0, 4])
def test_versions_outside_the_known_range_are_refused(version: int) -> None:
    with pytest.raises(UnknownEventVersion):
        SPEC.upcast(version, {})


def test_a_spec_without_every_upcaster_cannot_be_registered() -> None:
    from tangvat_shared.events.registry import register

    with pytest.raises(ValueError, match="no upcaster"):
        register(EventSpec(type="test.broken", version=2, model=ItemWeighedV3))


def test_unknown_types_are_refused() -> None:
    with pytest.raises(UnknownEventType):
        spec_for("intake.no_such_thing")


def test_every_registered_type_is_namespaced_by_its_service() -> None:
    types = [spec.type for spec in all_specs()]
    assert "intake.item_registered" in types
    assert len(types) == len(set(types))
    for event_type in types:
        assert event_type.split(".")[0] in {"intake", "custody", "disposal", "audit"}, event_type
