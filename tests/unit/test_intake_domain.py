"""Intake's pure rules: what a registration produces and what it refuses."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tangvat_intake import domain
from tangvat_intake.schemas import ItemCorrectionIn, LegalStatusIn, SeizureRegistration
from tangvat_shared.envelope import Actor, Envelope
from tangvat_shared.errors import Conflict, InvalidInput, RuleViolation
from tangvat_shared.events.intake import ItemRegistered, LegalStatus, SeizureRegistered

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
ACTOR = Actor(user_id="officer-1", role="intake_officer")


def registration(n_items: int = 3, **overrides: Any) -> SeizureRegistration:
    body: dict[str, Any] = {
        "record_number": "BB-0725/2022",
        "seizing_unit": "QLTT-BN",
        "agency": "qltt",
        "officers": ["Nguyễn Văn A"],
        "seized_at": "2022-07-25T09:00:00+07:00",
        "province": "Bắc Ninh",
        "address": "KCN Quế Võ",
        "legal_basis": "Nghị định 98/2020/NĐ-CP",
        "violation_categories": ["counterfeit", "smuggled"],
        "items": [
            {"category": "counterfeit", "description": f"Túi xách #{i}", "brand": "LV", "quantity": 10,
             "unit": "cái", "value_vnd": 100_000 * (i + 1), "label_code": f"BN-{i:06d}", "warehouse_id": "KHO-BN-01"}
            for i in range(n_items)
        ],
    }
    body.update(overrides)
    return SeizureRegistration.model_validate(body)


def _rows(plan: domain.PlannedRegistration, chunk: int = domain.CHUNK) -> tuple[list[Any], list[Any]]:
    items: list[Any] = []
    events: list[Any] = [plan.seizure_event()]
    for item_rows, event_rows in plan.chunks(chunk):
        items += item_rows
        events += event_rows
    return items, events


def test_a_registration_yields_one_event_per_item_plus_the_seizure() -> None:
    ids = (uuid.UUID(int=i) for i in itertools.count(1))
    plan = domain.plan_registration(registration(3), actor=ACTOR, now=NOW, correlation_id=None,
                                    new_id=lambda: next(ids))
    items, events = _rows(plan)
    assert len(items) == 3
    assert [e[1] for e in events] == ["intake.seizure_registered"] + ["intake.item_registered"] * 3
    assert plan.total_value_vnd == 100_000 + 200_000 + 300_000


def test_chunks_cover_every_item_once_in_line_order() -> None:
    plan = domain.plan_registration(registration(7), actor=ACTOR, now=NOW, correlation_id=None)
    items, events = _rows(plan, chunk=3)
    assert [row[2] for row in items] == [1, 2, 3, 4, 5, 6, 7]
    assert len({row[0] for row in items}) == 7
    assert [e[-1]["data"]["item_id"] for e in events[1:]] == [row[0] for row in items]


def test_planned_events_match_their_published_schemas() -> None:
    plan = domain.plan_registration(registration(2), actor=ACTOR, now=NOW, correlation_id=uuid.uuid4())
    seizure_body, *item_bodies = [e[-1] for e in _rows(plan)[1]]
    SeizureRegistered.model_validate(Envelope.model_validate(seizure_body).data)
    for body in item_bodies:
        envelope = Envelope.model_validate(body)
        item = ItemRegistered.model_validate(envelope.data)
        assert envelope.subject == f"item/{item.item_id}"
        assert item.seizure_id == plan.seizure_id
        assert uuid.UUID(envelope.data["item_id"]).version == 4


def test_duplicate_label_codes_are_reported_row_by_row() -> None:
    reg = registration(4)
    items = [reg.items[0], reg.items[1], reg.items[0].model_copy(), reg.items[1].model_copy()]
    with pytest.raises(InvalidInput) as caught:
        domain.check_registration(reg.model_copy(update={"items": items}), NOW)
    assert [(d["row"], d["field"]) for d in caught.value.details] == [(3, "label_code"), (4, "label_code")]


def test_a_seizure_in_the_future_is_refused() -> None:
    future = (NOW + timedelta(hours=2)).isoformat()
    with pytest.raises(InvalidInput):
        domain.check_registration(registration(1, seized_at=future), NOW)


@pytest.mark.parametrize(
    ("field", "value"),
    [("value_vnd", 1.5), ("value_vnd", float("nan")), ("value_vnd", "100"), ("value_vnd", -1),
     ("quantity", 0), ("label_code", "has space"), ("description", "nul\x00byte"), ("category", "stolen")],
)
def test_bad_item_fields_are_refused_by_the_schema(field: str, value: Any) -> None:
    body = registration(1).model_dump(mode="json")
    body["items"][0][field] = value
    with pytest.raises(ValueError, match=field):
        SeizureRegistration.model_validate(body)


def test_more_than_100000_items_are_refused() -> None:
    body = registration(1).model_dump(mode="json")
    body["items"] = body["items"] * 100_001
    with pytest.raises(ValueError, match="at most 100000"):
        SeizureRegistration.model_validate(body)


def test_a_correction_records_only_what_changes() -> None:
    current = {"description": "Túi", "quantity": 10, "brand": "LV", "value_vnd": 5}
    changes = domain.corrections(current, ItemCorrectionIn(quantity=12, brand="LV", reason="recount"),
                                 domain.ITEM_NULLABLE)
    assert [(c.field, c.old, c.new) for c in changes] == [("quantity", 10, 12)]


def test_a_correction_that_changes_nothing_is_refused() -> None:
    with pytest.raises(RuleViolation):
        domain.corrections({"quantity": 10}, ItemCorrectionIn(quantity=10, reason="recount"), domain.ITEM_NULLABLE)


def test_a_required_field_cannot_be_emptied_by_a_correction() -> None:
    with pytest.raises(RuleViolation):
        domain.corrections({"description": "x"}, ItemCorrectionIn(description=None, reason="oops"),
                           domain.ITEM_NULLABLE)


def test_a_seizure_gets_one_legal_outcome() -> None:
    decision = LegalStatusIn(status=LegalStatus.CONFISCATED, decision_number="QĐ-1", decided_on="2022-09-01",
                             issued_by="Chi cục QLTT Bắc Ninh")
    assert domain.decide_legal_status(None, decision).data["status"] == "confiscated"
    with pytest.raises(Conflict):
        domain.decide_legal_status(LegalStatus.CONFISCATED, decision)
