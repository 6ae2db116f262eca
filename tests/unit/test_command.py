"""The shared command kernel's pure parts: drafts checked against their registered event models."""

from __future__ import annotations

import pytest

from tangvat_shared.command import FULL_CHECK, Draft, MalformedEvent, Outcome, OutcomeKind, check_drafts


def warehouse(n: int, **data: object) -> Draft:
    return Draft("custody.warehouse_registered", f"warehouse/KHO-{n}", {"warehouse_id": f"KHO-{n}",
                                                                       "name": f"Kho {n}", **data})


def test_well_formed_drafts_pass() -> None:
    check_drafts([warehouse(n) for n in range(500)])


def test_an_unregistered_event_type_is_refused() -> None:
    with pytest.raises(MalformedEvent, match="not a registered event type"):
        check_drafts([Draft("custody.item_teleported", "item/x", {})])


def test_a_draft_its_model_refuses_is_refused() -> None:
    with pytest.raises(MalformedEvent, match="refused by its model"):
        check_drafts([warehouse(1, name="")])


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(MalformedEvent):
        check_drafts([warehouse(1, colour="red")])


def test_a_bulk_draft_missing_a_field_beyond_the_fully_checked_ones_is_refused() -> None:
    drafts = [warehouse(n) for n in range(FULL_CHECK + 200)]
    odd = FULL_CHECK + 7  # not on the sampling stride
    drafts[odd] = Draft(drafts[odd].type, drafts[odd].subject, {"warehouse_id": "KHO-X"})
    with pytest.raises(MalformedEvent, match=f"#{odd} has the fields"):
        check_drafts(drafts)


def test_outcomes_name_their_kind() -> None:
    assert Outcome.created({"a": 1}).kind is OutcomeKind.CREATED
    assert Outcome.done({}).kind is OutcomeKind.DONE
    assert Outcome.pending({}, event_ids=False).event_ids is False
