"""The reprint rule: each reprint numbered after the last, its reason recorded, "other" only with a note."""

from __future__ import annotations

import uuid

import pytest

from tangvat_intake.domain import reprint_label
from tangvat_shared.errors import RuleViolation
from tangvat_shared.events.intake import LabelFormat, LabelReprinted, ReprintReason

ITEM = {"item_id": uuid.uuid4(), "seizure_id": uuid.uuid4(), "label_code": "UX1343-0001"}


def test_a_reprint_is_numbered_after_the_last_and_its_event_names_why_and_how() -> None:
    decided = reprint_label(ITEM, ReprintReason.DAMAGED, None, LabelFormat.ZPL, reprints_so_far=2)
    assert decided.reprint_no == 3
    assert decided.draft.type == "intake.label_reprinted" and decided.draft.subject == f"item/{ITEM['item_id']}"
    event = LabelReprinted.model_validate(decided.draft.data)
    assert (event.reason, event.format, event.reprint_no, event.label_code) == (
        ReprintReason.DAMAGED, LabelFormat.ZPL, 3, "UX1343-0001")


@pytest.mark.parametrize("note", [None, "", "   "])
def test_another_reason_must_say_what_it_is(note: str | None) -> None:
    with pytest.raises(RuleViolation) as refused:
        reprint_label(ITEM, ReprintReason.OTHER, note, LabelFormat.PDF, reprints_so_far=0)
    assert refused.value.code == "reprint_note_required"
    assert reprint_label(ITEM, ReprintReason.OTHER, "nhãn bị bong keo", LabelFormat.PDF, 0).reprint_no == 1
