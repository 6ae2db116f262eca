"""Pure disposal rules: eligibility per category and legal status, the board, witnesses, the batch machine."""

from __future__ import annotations

from typing import Any

import pytest

from tangvat_disposal import domain, domain_execution
from tangvat_disposal.domain import BatchStatus, Rule
from tangvat_shared.errors import Conflict, RuleViolation
from tangvat_shared.events.disposal import Method


def item(**overrides: Any) -> dict[str, Any]:
    base = {"seizing_unit": "QLTT-BN", "custody_state": "in_storage", "on_hold": False, "batch_id": None,
            "category": "counterfeit", "legal_status": "confiscated", "perishable": False, "hazardous": False}
    return {**base, **overrides}


def rules(candidate: dict[str, Any] | None, method: Method = Method.DESTROY, *, emergency: bool = False) -> set[Rule]:
    return {r.rule for r in domain.refusals_for("i-1", candidate, method=method, emergency=emergency,
                                                unit="QLTT-BN")}


@pytest.mark.parametrize("category", ["counterfeit", "ip_infringing", "prohibited"])
@pytest.mark.parametrize("method", [Method.AUCTION, Method.TRANSFER, Method.RETURN])
def test_counterfeit_ip_infringing_and_prohibited_goods_may_only_be_destroyed(category: str, method: Method) -> None:
    assert Rule.METHOD_NOT_ALLOWED_FOR_CATEGORY in rules(item(category=category), method)
    assert rules(item(category=category), Method.DESTROY) == set()


@pytest.mark.parametrize("method", [Method.AUCTION, Method.TRANSFER])
def test_confiscated_smuggled_goods_may_be_auctioned_or_transferred(method: Method) -> None:
    assert rules(item(category="smuggled"), method) == set()


def test_items_of_a_release_ordered_seizure_are_only_returned() -> None:
    released = item(category="smuggled", legal_status="release_ordered")
    assert rules(released, Method.RETURN) == set()
    assert Rule.RELEASE_ORDERED_MUST_RETURN in rules(released, Method.AUCTION)
    assert Rule.RETURN_NEEDS_RELEASE_ORDER in rules(item(category="smuggled"), Method.RETURN)


def test_without_a_confiscation_decision_only_perishable_or_hazardous_goods_take_the_emergency_path() -> None:
    undecided = item(legal_status=None)
    assert rules(undecided) == {Rule.NO_CONFISCATION_DECISION}
    assert rules(undecided, emergency=True) == {Rule.EMERGENCY_NOT_PERISHABLE_OR_HAZARDOUS}
    assert rules(item(legal_status=None, perishable=True), emergency=True) == set()
    assert rules(item(legal_status=None, hazardous=True), emergency=True) == set()


def test_every_refusal_names_the_rule_and_the_item() -> None:
    assert rules(None) == {Rule.UNKNOWN_ITEM}
    broken = item(custody_state="checked_out", on_hold=True, batch_id="b")
    assert rules(broken) == {Rule.NOT_IN_STORAGE, Rule.ON_LEGAL_HOLD, Rule.ALREADY_IN_BATCH}
    refusals = domain.check_eligibility(["a", "b"], {"a": item()}, method=Method.DESTROY, emergency=False,
                                        unit="QLTT-BN")
    assert [r.as_json() | {"detail": ""} for r in refusals] == [{"item_id": "b", "rule": "unknown_item", "detail": ""}]


def test_another_units_item_is_unknown_to_the_board_and_says_nothing_of_where_it_is() -> None:
    elsewhere = item(custody_state="checked_out", on_hold=True, seizing_unit="QLTT-HN")
    [refusal] = domain.refusals_for("i-1", elsewhere, method=Method.DESTROY, emergency=False, unit="QLTT-BN")
    assert refusal == domain.refusals_for("i-1", None, method=Method.DESTROY, emergency=False, unit="QLTT-BN")[0]
    assert refusal.rule is Rule.UNKNOWN_ITEM and "QLTT-HN" not in refusal.detail
    # A filter over another unit's seizure matches nothing of it (no ids listed).
    rows = [{"item_id": "a", "seizing_unit": "QLTT-BN"}, {"item_id": "b", "seizing_unit": "QLTT-HN"}]
    assert [r["item_id"] for r in domain.of_unit(rows, "QLTT-BN")] == ["a"]


def test_unknown_item_a_departments_board_decides_for_its_teams_items_a_teams_board_not_for_its_department() -> None:
    def refused(seized_by: str, board_unit: str) -> set[Rule]:
        return {r.rule for r in domain.refusals_for("i-1", item(seizing_unit=seized_by), method=Method.DESTROY,
                                                    emergency=False, unit=board_unit)}

    assert refused("QLTT-BN-D01", "QLTT-BN") == set()
    assert refused("QLTT-BN-D01", "QLTT") == set()
    for seized_by, board_unit in [("QLTT-BN", "QLTT-BN-D01"), ("QLTT-BN-D02", "QLTT-BN-D01"),
                                  ("QLTT-BNH", "QLTT-BN"), ("QLTT", "QLTT-BN")]:
        assert refused(seized_by, board_unit) == {Rule.UNKNOWN_ITEM}, (seized_by, board_unit)
    rows = [{"item_id": "a", "seizing_unit": "QLTT-BN"}, {"item_id": "b", "seizing_unit": "QLTT-BN-D01"},
            {"item_id": "c", "seizing_unit": "QLTT-BNH"}]
    assert [r["item_id"] for r in domain.of_unit(rows, "QLTT-BN")] == ["a", "b"]
    assert [r["item_id"] for r in domain.of_unit(rows, "QLTT-BN-D01")] == ["b"]


def test_board_members_and_voters_are_compared_as_people_not_spellings() -> None:
    with pytest.raises(RuleViolation) as twice:
        domain.check_board(["board-2", "Board-2 "], 1, 1)
    assert twice.value.code == "duplicate_member"
    with pytest.raises(RuleViolation) as own:
        domain.check_voter("chair", proposer="Chair ", board_members=["chair", "b"])
    assert own.value.code == "proposer_cannot_vote"
    domain.check_voter("b", proposer="a", board_members=["a", " B"])


def test_quorum_approves_and_k_rejections_reject() -> None:
    assert domain.outcome(1, 0, quorum=2, rejections_to_reject=2) is None
    assert domain.outcome(2, 1, quorum=2, rejections_to_reject=2) is BatchStatus.APPROVED
    assert domain.outcome(1, 2, quorum=3, rejections_to_reject=2) is BatchStatus.REJECTED


def test_the_proposer_never_votes_and_only_board_members_vote() -> None:
    with pytest.raises(RuleViolation) as proposer:
        domain.check_voter("a", proposer="a", board_members=["a", "b"])
    assert proposer.value.code == "proposer_cannot_vote"
    with pytest.raises(RuleViolation) as outsider:
        domain.check_voter("z", proposer="a", board_members=["a", "b"])
    assert outsider.value.code == "not_a_board_member"
    domain.check_voter("b", proposer="a", board_members=["a", "b"])


def test_a_board_cannot_require_more_votes_than_it_has_members() -> None:
    with pytest.raises(RuleViolation):
        domain.check_board(["a", "b"], 3, 1)
    with pytest.raises(RuleViolation):
        domain.check_board(["a", "a"], 1, 1)


def test_witnesses_are_two_outsiders_and_never_the_previous_pair_again() -> None:
    with pytest.raises(RuleViolation) as few:
        domain_execution.check_witnesses(["w1", "w1"], in_chain={}, previous_pair=None)
    assert few.value.code == "too_few_witnesses"
    with pytest.raises(RuleViolation) as handler:
        domain_execution.check_witnesses(["w1", "staff-1"], in_chain={"staff-1": "item-9"}, previous_pair=None)
    assert handler.value.code == "witness_in_chain_of_custody"
    with pytest.raises(RuleViolation) as same:
        domain_execution.check_witnesses(["w2", "w1", "w3"], in_chain={}, previous_pair=["w1", "w2"])
    assert same.value.code == "same_witness_pair"
    domain_execution.check_witnesses(["w1", "w3"], in_chain={}, previous_pair=["w1", "w2"])


def test_the_batch_state_machine_rejects_illegal_transitions() -> None:
    domain.guard("proposed", BatchStatus.APPROVED)
    domain.guard("ready", BatchStatus.EXECUTED)
    for current, target in [("proposed", BatchStatus.EXECUTED), ("executed", BatchStatus.CANCELLED),
                            ("rejected", BatchStatus.APPROVED), ("reserving", BatchStatus.EXECUTED)]:
        with pytest.raises(Conflict) as illegal:
            domain.guard(current, target)
        assert illegal.value.code == "illegal_transition"
    assert set(domain.sources_of(BatchStatus.CANCELLED)) == {"proposed", "approved", "reserving", "ready"}


# --- dropping one item from an approved batch ------------------------------------------------------


@pytest.mark.parametrize("status", ["approved", "reserving", "ready"])
@pytest.mark.parametrize("reservation", ["pending", "reserved"])
def test_an_item_still_held_for_an_approved_batch_may_be_dropped_before_execution(status: str,
                                                                                 reservation: str) -> None:
    domain.check_drop(status, reservation, live_items=2)  # no refusal


@pytest.mark.parametrize(("status", "code"), [("proposed", "not_yet_approved"), ("rejected", "batch_rejected"),
                                              ("cancelled", "batch_cancelled"), ("executed", "batch_executed")])
def test_no_item_is_dropped_before_the_decision_or_after_the_batch_ended(status: str, code: str) -> None:
    with pytest.raises(Conflict) as refused:
        domain.check_drop(status, "reserved", live_items=3)
    assert refused.value.code == code
    assert refused.value.message and " " in refused.value.message  # said in words


def test_an_item_outside_the_batch_is_a_rule_violation_and_a_second_drop_a_conflict() -> None:
    with pytest.raises(RuleViolation) as outside:
        domain.check_drop("ready", None, live_items=3)
    assert outside.value.code == "item_not_in_batch"
    with pytest.raises(Conflict) as twice:
        domain.check_drop("ready", "dropped", live_items=3)
    assert twice.value.code == "already_dropped"


@pytest.mark.parametrize("reservation", ["unavailable", "released"])
def test_an_item_custody_no_longer_holds_for_the_batch_is_not_dropped(reservation: str) -> None:
    with pytest.raises(Conflict) as refused:
        domain.check_drop("ready", reservation, live_items=3)
    assert refused.value.code == "item_not_held_for_batch"
    assert refused.value.details == {"reservation": reservation}


def test_the_last_live_item_of_a_batch_is_not_dropped_the_batch_is_cancelled_instead() -> None:
    with pytest.raises(RuleViolation) as refused:
        domain.check_drop("reserving", "pending", live_items=1)
    assert refused.value.code == "last_item_of_batch"
    domain.check_drop("reserving", "pending", live_items=2)


def test_a_drop_is_allowed_exactly_in_the_states_between_the_decision_and_execution() -> None:
    # Whatever statuses the machine gains later, each is either droppable or refused with a code.
    for status in BatchStatus:
        if status in domain.DROPPABLE:
            domain.check_drop(status.value, "reserved", live_items=2)
        else:
            with pytest.raises(Conflict):
                domain.check_drop(status.value, "reserved", live_items=2)
    assert {BatchStatus.APPROVED, BatchStatus.RESERVING, BatchStatus.READY} == domain.DROPPABLE
