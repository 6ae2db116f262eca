"""Intake's pure rules: what a registration produces and what it refuses."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tangvat_intake import domain
from tangvat_intake.schemas import ItemCorrectionIn, LegalStatusIn, SeizureRegistration
from tangvat_shared.command import Draft
from tangvat_shared.errors import Conflict, InvalidInput, RuleViolation
from tangvat_shared.events.intake import (
    ItemCorrected,
    ItemRegistered,
    LegalStatus,
    LegalStatusRecorded,
    SeizureCorrected,
    SeizureRegistered,
)

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


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


def decide(reg: SeizureRegistration, *, now: datetime = NOW, record_number_taken: bool = False,
           labels_taken: frozenset[str] = frozenset(), **kwargs: Any) -> domain.Registration:
    return domain.register(reg.model_dump(mode="json", exclude={"items"}), reg.seized_at, reg.items, now=now,
                           record_number_taken=record_number_taken, labels_taken=labels_taken, **kwargs)


def _drafts(decided: domain.Registration) -> list[Draft]:
    return list(decided.drafts())


def test_a_registration_yields_one_event_per_item_plus_the_seizure() -> None:
    ids = (uuid.UUID(int=i) for i in itertools.count(1))
    decided = decide(registration(3), new_id=lambda: next(ids))
    drafts = _drafts(decided)
    assert decided.item_count == 3
    assert [d.type for d in drafts] == ["intake.seizure_registered"] + ["intake.item_registered"] * 3
    assert decided.total_value_vnd == 100_000 + 200_000 + 300_000
    assert drafts[0].subject == f"seizure/{decided.seizure_id}" and decided.seizure_id == uuid.UUID(int=1)


def test_item_ids_cover_every_item_once_in_line_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(domain, "CHUNK", 3)  # the drafts are produced a chunk at a time
    decided = decide(registration(7))
    ids = decided.item_ids(0, 3) + decided.item_ids(3, 6) + decided.item_ids(6, 9)
    assert len(set(ids)) == 7
    drafts = _drafts(decided)[1:]
    assert [d.data["item_id"] for d in drafts] == ids
    assert [d.data["label_code"] for d in drafts] == [f"BN-{i:06d}" for i in range(7)]


def test_decided_events_match_their_published_schemas() -> None:
    decided = decide(registration(2))
    seizure, *items = _drafts(decided)
    SeizureRegistered.model_validate(seizure.data)
    for draft in items:
        item = ItemRegistered.model_validate(draft.data)
        assert draft.subject == f"item/{item.item_id}"
        assert item.seizure_id == decided.seizure_id
        assert uuid.UUID(draft.data["item_id"]).version == 4


def test_duplicate_label_codes_are_reported_row_by_row() -> None:
    reg = registration(4)
    items = [reg.items[0], reg.items[1], reg.items[0].model_copy(), reg.items[1].model_copy()]
    with pytest.raises(InvalidInput) as caught:
        domain.check_registration(reg.seized_at, items, NOW)
    assert caught.value.code == "invalid_input"
    assert [(d["row"], d["field"]) for d in caught.value.details] == [(3, "label_code"), (4, "label_code")]


def test_a_seizure_in_the_future_is_refused() -> None:
    future = (NOW + timedelta(hours=2)).isoformat()
    with pytest.raises(InvalidInput) as caught:
        decide(registration(1, seized_at=future))
    assert caught.value.code == "invalid_input"
    assert [d["field"] for d in caught.value.details] == ["seized_at"]


def test_a_total_beyond_2_53_vnd_is_refused() -> None:
    reg = registration(2)
    big = [i.model_copy(update={"value_vnd": 2**52 + 1}) for i in reg.items]
    with pytest.raises(InvalidInput) as caught:
        decide(reg.model_copy(update={"items": big}))
    assert caught.value.code == "invalid_input"
    assert caught.value.details[0]["field"] == "value_vnd"


def test_a_record_number_registered_twice_is_refused_duplicate_record_number() -> None:
    with pytest.raises(Conflict) as caught:
        decide(registration(1), record_number_taken=True)
    assert caught.value.code == "duplicate_record_number"
    assert "BB-0725/2022" in caught.value.message


def test_labels_already_in_use_are_refused_duplicate_label_row_by_row() -> None:
    with pytest.raises(Conflict) as caught:
        decide(registration(4), labels_taken=frozenset({"BN-000001", "BN-000003"}))
    assert caught.value.code == "duplicate_label"
    assert [(d["row"], d["field"]) for d in caught.value.details] == [(2, "label_code"), (4, "label_code")]


def test_invalid_rows_are_reported_before_taken_record_numbers_and_labels() -> None:
    future = (NOW + timedelta(hours=2)).isoformat()
    with pytest.raises(InvalidInput):
        decide(registration(1, seized_at=future), record_number_taken=True, labels_taken=frozenset({"BN-000000"}))


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


def _asked(correction: ItemCorrectionIn) -> dict[str, Any]:
    return correction.model_dump(exclude={"reason"}, exclude_unset=True, mode="json")


def test_a_correction_records_only_what_changes() -> None:
    current = {"description": "Túi", "quantity": 10, "brand": "LV", "value_vnd": 5}
    changes = domain.corrections(current, _asked(ItemCorrectionIn(quantity=12, brand="LV", reason="recount")),
                                 domain.ITEM_NULLABLE)
    assert [(c.field, c.old, c.new) for c in changes] == [("quantity", 10, 12)]


def test_a_correction_that_changes_nothing_is_refused_empty_correction() -> None:
    with pytest.raises(RuleViolation) as caught:
        domain.corrections({"quantity": 10}, _asked(ItemCorrectionIn(quantity=10, reason="recount")),
                           domain.ITEM_NULLABLE)
    assert caught.value.code == "empty_correction"


def test_a_required_field_cannot_be_emptied_by_a_correction_required_field() -> None:
    with pytest.raises(RuleViolation) as caught:
        domain.corrections({"description": "x"}, _asked(ItemCorrectionIn(description=None, reason="oops")),
                           domain.ITEM_NULLABLE)
    assert caught.value.code == "required_field"


def test_an_item_correction_decides_its_values_and_its_event() -> None:
    item_id, seizure_id = uuid.uuid4(), uuid.uuid4()
    item = {"item_id": item_id, "seizure_id": seizure_id, "quantity": 10, "value_vnd": 5, "brand": "LV"}
    decided = domain.correct_item(item, {"quantity": 12, "value_vnd": 7}, "recount")
    assert decided.values == {"quantity": 12, "value_vnd": 7}
    assert decided.draft.type == "intake.item_corrected" and decided.draft.subject == f"item/{item_id}"
    ItemCorrected.model_validate(decided.draft.data)
    assert domain.corrected_total(100, item["value_vnd"], 7) == 102


def test_a_seizure_correction_decides_its_values_and_its_event() -> None:
    seizure_id = uuid.uuid4()
    decided = domain.correct_seizure({"seizure_id": seizure_id, "notes": "x", "province": "Bắc Ninh"},
                                     {"notes": None}, "withdrawn")
    assert decided.values == {"notes": None}
    assert decided.draft.subject == f"seizure/{seizure_id}"
    SeizureCorrected.model_validate(decided.draft.data)


def test_a_seizure_gets_one_legal_outcome_legal_status_recorded() -> None:
    decision = LegalStatusIn(status=LegalStatus.CONFISCATED, decision_number="QĐ-1", decided_on="2022-09-01",
                             issued_by="Chi cục QLTT Bắc Ninh").model_dump(mode="json")
    seizure_id = uuid.uuid4()
    draft = domain.decide_legal_status(seizure_id, None, decision)
    assert draft.data["status"] == "confiscated"
    assert draft.subject == f"seizure/{seizure_id}" and draft.data["seizure_id"] == str(seizure_id)
    LegalStatusRecorded.model_validate(draft.data)
    with pytest.raises(Conflict) as caught:
        domain.decide_legal_status(seizure_id, LegalStatus.CONFISCATED, decision)
    assert caught.value.code == "legal_status_recorded"
