"""Disposal's command decisions as pure functions: each rule the commands refuse by, named by its error code,
and the events each decision names (proposal, vote, cancel, drop, ready, execution, certificate)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tangvat_disposal import domain, domain_execution
from tangvat_disposal.domain import BatchStatus, Proposal
from tangvat_shared.command import check_drafts
from tangvat_shared.errors import Conflict, DomainError, InvalidInput, RuleViolation
from tangvat_shared.events.disposal import MAX_ITEMS_PER_EVENT, Method

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BOARD = domain.Board(("chair", "m2", "m3", "m4"), quorum=2, rejections_to_reject=2)
UNIT = "QLTT-BN"


def item(value: int = 1000, **overrides: Any) -> dict[str, Any]:
    base = {"seizing_unit": UNIT, "custody_state": "in_storage", "on_hold": False, "batch_id": None,
            "category": "counterfeit", "legal_status": "confiscated", "perishable": False, "hazardous": False,
            "value_vnd": value}
    return {**base, **overrides}


def code_of(error: pytest.ExceptionInfo[DomainError]) -> str:
    return error.value.code


def propose(ids: list[uuid.UUID], items: dict[str, dict[str, Any]], *, board: domain.Board | None = BOARD,
            max_items: int = 100, **proposal: Any) -> tuple[domain.ProposedBatch, list[Any]]:
    return domain.propose(Proposal(unit=UNIT, method=Method.DESTROY, reason="hàng giả", **proposal),
                          batch_id=uuid.uuid4(), proposer="chair", board=board, wanted=[str(i) for i in ids],
                          items=items, max_items=max_items)


# --- proposals -------------------------------------------------------------------------------------


def test_deadline_in_past() -> None:
    with pytest.raises(InvalidInput) as refused:
        domain.check_deadline(NOW - timedelta(seconds=1), NOW)
    assert code_of(refused) == "deadline_in_past"
    with pytest.raises(InvalidInput):
        domain.check_deadline(NOW, NOW)  # a deadline of now has passed too
    domain.check_deadline(NOW + timedelta(days=1), NOW)
    domain.check_deadline(None, NOW)


def test_no_board() -> None:
    ids = [uuid.uuid4()]
    with pytest.raises(RuleViolation) as refused:
        propose(ids, {str(ids[0]): item()}, board=None)
    assert code_of(refused) == "no_board"


def test_no_items() -> None:
    with pytest.raises(RuleViolation) as refused:
        propose([], {})
    assert code_of(refused) == "no_items"


def test_batch_too_large() -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    with pytest.raises(InvalidInput) as refused:
        propose(ids, {str(i): item() for i in ids}, max_items=2)
    assert code_of(refused) == "batch_too_large"


def test_ineligible_items_names_each_refusal_with_its_rule_such_as_on_legal_hold() -> None:
    held, fine = uuid.uuid4(), uuid.uuid4()
    items = {str(held): item(on_hold=True), str(fine): item()}
    with pytest.raises(RuleViolation) as refused:
        propose([held, fine], items)
    assert code_of(refused) == "ineligible_items"
    assert refused.value.details == {"refusals": [{"item_id": str(held), "rule": "on_legal_hold",
                                                   "detail": "the item is on legal hold"}], "refused_items": 1}


def test_skip_ineligible_leaves_refused_items_out_and_lists_them() -> None:
    held, fine = uuid.uuid4(), uuid.uuid4()
    batch, drafts = propose([held, fine], {str(held): item(on_hold=True), str(fine): item(2500)},
                            skip_ineligible=True)
    assert batch.item_ids == [str(fine)] and batch.total_value_vnd == 2500 and batch.excluded_items == 1
    assert [e["rule"] for e in batch.excluded] == ["on_legal_hold"]
    assert batch.status is BatchStatus.PROPOSED
    assert [d.type for d in drafts] == ["disposal.batch_proposed", "disposal.items_proposed"]
    check_drafts(drafts)


def test_ineligible_items_when_none_is_left_even_skipping() -> None:
    held = uuid.uuid4()
    with pytest.raises(RuleViolation) as refused:
        propose([held], {str(held): item(on_hold=True)}, skip_ineligible=True)
    assert code_of(refused) == "ineligible_items"


def test_a_large_proposal_lists_its_items_in_numbered_chunks() -> None:
    ids = [uuid.uuid4() for _ in range(MAX_ITEMS_PER_EVENT * 2 + 1)]
    batch, drafts = propose(ids, {str(i): item(1) for i in ids}, max_items=len(ids))
    assert batch.total_value_vnd == len(ids)
    chunks = drafts[1:]
    assert [(d.data["chunk"], d.data["chunks"], len(d.data["item_ids"])) for d in chunks] == [
        (1, 3, MAX_ITEMS_PER_EVENT), (2, 3, MAX_ITEMS_PER_EVENT), (3, 3, 1)]
    assert {d.subject for d in drafts} == {f"batch/{batch.batch_id}"}
    check_drafts(drafts)


# --- votes -----------------------------------------------------------------------------------------


def proposed_batch(**overrides: Any) -> dict[str, Any]:
    return {"batch_id": uuid.uuid4(), "status": "proposed", "deadline": None, "proposer": "chair", "quorum": 2,
            "rejections_to_reject": 2, "unit": UNIT, "method": "destroy", **overrides}


def vote(member: str, decision: str = "approve", at: datetime = NOW) -> domain.Vote:
    return domain.Vote(member, decision, "ok", at)


def test_voting_closed() -> None:
    with pytest.raises(Conflict) as refused:
        domain.vote(proposed_batch(status="reserving"), [], vote("m2"), board_members=BOARD.members)
    assert code_of(refused) == "voting_closed"


def test_deadline_passed() -> None:
    with pytest.raises(RuleViolation) as refused:
        domain.vote(proposed_batch(deadline=NOW - timedelta(minutes=1)), [], vote("m2"), board_members=BOARD.members)
    assert code_of(refused) == "deadline_passed"


@pytest.mark.parametrize(("member", "code"), [("chair", "proposer_cannot_vote"), ("stranger", "not_a_board_member")])
def test_proposer_cannot_vote_and_not_a_board_member(member: str, code: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        domain.vote(proposed_batch(), [], vote(member), board_members=BOARD.members)
    assert code_of(refused) == code


def test_already_voted() -> None:
    with pytest.raises(Conflict) as refused:
        domain.vote(proposed_batch(), [vote("m2", at=NOW - timedelta(minutes=1))], vote("m2"),
                    board_members=BOARD.members)
    assert code_of(refused) == "already_voted"


def test_a_vote_short_of_the_quorum_decides_nothing() -> None:
    tally, drafts = domain.vote(proposed_batch(), [], vote("m2"), board_members=BOARD.members)
    assert tally.moves == () and tally.status is BatchStatus.PROPOSED and tally.approvals == ["m2"]
    assert [d.type for d in drafts] == ["disposal.vote_cast"]
    check_drafts(drafts)


def test_the_quorum_approves_and_moves_on_to_reserving() -> None:
    earlier = vote("m3", at=NOW - timedelta(minutes=1))
    tally, drafts = domain.vote(proposed_batch(), [earlier], vote("m2"), board_members=BOARD.members)
    assert tally.moves == (BatchStatus.APPROVED, BatchStatus.RESERVING) and tally.status is BatchStatus.RESERVING
    assert drafts[1].type == "disposal.batch_approved"
    assert drafts[1].data["approvals"] == ["m3", "m2"]  # in the order cast
    check_drafts(drafts)


def test_k_rejections_reject() -> None:
    tally, drafts = domain.vote(proposed_batch(), [vote("m3", "reject", NOW - timedelta(minutes=1))],
                                vote("m2", "reject"), board_members=BOARD.members)
    assert tally.moves == (BatchStatus.REJECTED,) and tally.rejections == ["m3", "m2"]
    assert [d.type for d in drafts] == ["disposal.vote_cast", "disposal.batch_rejected"]


# --- cancel, drop, ready ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["proposed", "approved", "reserving", "ready"])
def test_an_open_batch_is_cancelled(status: str) -> None:
    [draft] = domain.cancel(proposed_batch(status=status), "sai sót")
    assert draft.type == "disposal.batch_cancelled" and draft.data["reason"] == "sai sót"


@pytest.mark.parametrize("status", ["executed", "rejected", "cancelled"])
def test_illegal_transition_cancelling_an_ended_batch(status: str) -> None:
    with pytest.raises(Conflict) as refused:
        domain.cancel(proposed_batch(status=status), "sai sót")
    assert code_of(refused) == "illegal_transition"


def test_a_drop_names_the_item_its_reason_and_who_dropped_it() -> None:
    item_id = uuid.uuid4()
    [draft] = domain.drop(proposed_batch(status="ready"), "reserved", live_items=2, item_id=item_id,
                          reason="phong tỏa", deferred=True, by="m2")
    assert draft.data == {"batch_id": draft.data["batch_id"], "item_id": str(item_id), "reason": "phong tỏa",
                          "deferred": True, "dropped_by": "m2"}
    with pytest.raises(RuleViolation) as refused:
        domain.drop(proposed_batch(status="ready"), "reserved", live_items=1, item_id=item_id, reason="x",
                    deferred=False, by="m2")
    assert code_of(refused) == "last_item_of_batch"


def test_a_reserving_batch_with_nothing_pending_becomes_ready() -> None:
    assert domain.becomes_ready("reserving", 0)
    assert not domain.becomes_ready("reserving", 1)
    assert not domain.becomes_ready("cancelled", 0)
    draft = domain.batch_ready(uuid.uuid4(), {"reserved": 3, "dropped": 1})
    assert (draft.data["reserved"], draft.data["unavailable"]) == (3, 0)


# --- execution -------------------------------------------------------------------------------------


WITNESSES = [{"user_id": "w1", "name": "A", "organisation": None}, {"user_id": "w2", "name": "B", "organisation": None}]
APPROVED_AT = datetime(2026, 11, 30, 9, tzinfo=UTC)
EXECUTED_AT = datetime(2026, 12, 1, 10, tzinfo=UTC)


def destruction(**overrides: Any) -> dict[str, Any]:
    return {"executed_on": "2026-12-01", "place": "Bãi Phong Khê", "destruction_method": "crush",
            "evidence": [{"sha256": "a" * 64, "name": "video.mp4", "kind": "video"}],
            "proceeds_vnd": None, "buyer_reference": None, "receiving_agency": None,
            "acknowledgement_reference": None, "owner_name": None, "receipt_reference": None, **overrides}


def execute(execution: dict[str, Any] | None = None, *, status: str = "ready", method: str = "destroy",
            reserved: list[uuid.UUID] | None = None, waiting: list[uuid.UUID] | None = None,
            confirmed: list[uuid.UUID] | None = None, in_chain: dict[str, str] | None = None,
            previous: list[str] | None = None, witnessed: list[dict[str, Any]] | None = None,
            approved_at: datetime | None = APPROVED_AT, now: datetime = EXECUTED_AT, recorder: str = "chair",
            ) -> tuple[domain_execution.Execution, list[Any]]:
    return domain_execution.execute(proposed_batch(status=status, method=method, decided_at=approved_at),
                                    destruction() if execution is None else execution, confirmed=confirmed,
                                    reserved=[uuid.uuid4()] if reserved is None else reserved,
                                    not_handed_over=waiting or [], in_chain=in_chain or {}, previous_pair=previous,
                                    witnessed=WITNESSES if witnessed is None else witnessed, recorder=recorder,
                                    now=now)


def test_illegal_transition_executing_a_batch_not_ready() -> None:
    with pytest.raises(Conflict) as refused:
        execute(status="reserving")
    assert code_of(refused) == "illegal_transition"


@pytest.mark.parametrize(("method", "needs"), list(domain_execution.REQUIRED_BY_METHOD.items()))
def test_missing_fields_by_method(method: Method, needs: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput) as refused:
        execute(destruction(**dict.fromkeys(needs)), method=method.value)
    assert code_of(refused) == "missing_fields"
    assert [d["loc"] for d in refused.value.details] == [["body", f] for f in needs]


def test_nothing_reserved() -> None:
    with pytest.raises(RuleViolation) as refused:
        execute(reserved=[])
    assert code_of(refused) == "nothing_reserved"


def test_not_handed_over() -> None:
    waiting = uuid.uuid4()
    with pytest.raises(Conflict) as refused:
        execute(reserved=[waiting, uuid.uuid4()], waiting=[waiting])
    assert code_of(refused) == "not_handed_over"
    assert refused.value.details == {"item_ids": [str(waiting)], "not_handed_over": 1}


def test_confirmation_mismatch() -> None:
    reserved, stray = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(RuleViolation) as refused:
        execute(reserved=[reserved], confirmed=[stray])
    assert code_of(refused) == "confirmation_mismatch"
    assert refused.value.details == {"not_scanned": [str(reserved)], "not_reserved": [str(stray)]}
    execute(reserved=[reserved], confirmed=[reserved])


def test_evidence_required() -> None:
    with pytest.raises(RuleViolation) as refused:
        execute(destruction(evidence=[]))
    assert code_of(refused) == "evidence_required"


@pytest.mark.parametrize(("witnesses", "in_chain", "previous", "code"), [
    (["w1"], {}, None, "too_few_witnesses"),
    (["w1", "w2"], {"w2": "item-9"}, None, "witness_in_chain_of_custody"),
    (["w1", "w2"], {}, ["w2", "w1"], "same_witness_pair"),
])
def test_witness_rules(witnesses: list[str], in_chain: dict[str, str], previous: list[str] | None, code: str) -> None:
    people = [{"user_id": w, "name": w, "organisation": None} for w in witnesses]
    with pytest.raises(RuleViolation) as refused:
        execute(witnessed=people, in_chain=in_chain, previous=previous)
    assert code_of(refused) == code


@pytest.mark.parametrize(("witnesses", "previous", "code"), [
    (["w1", "W1 "], None, "too_few_witnesses"),
    (["w1", " W2"], ["w2", "w1"], "same_witness_pair"),
    (["Staff-1 ", "w2"], None, "witness_in_chain_of_custody"),
])
def test_witness_rules_compare_people_not_spellings(witnesses: list[str], previous: list[str] | None,
                                                     code: str) -> None:
    # The chain as the store finds it: by canonical id, whatever spelling the witness came with.
    in_chain = {"staff-1": "item-9"} if code == "witness_in_chain_of_custody" else {}
    people = [{"user_id": w, "name": w, "organisation": None} for w in witnesses]
    with pytest.raises(RuleViolation) as refused:
        execute(witnessed=people, in_chain=in_chain, previous=previous)
    assert code_of(refused) == code


@pytest.mark.parametrize("recorder", ["w1", " W2 "])
def test_recorder_is_witness(recorder: str) -> None:
    # The person recording the destruction attests that two others saw it: not one of its witnesses, by any
    # spelling, even when enough other witnesses confirmed.
    third = {"user_id": "w3", "name": "C", "organisation": None}
    with pytest.raises(RuleViolation) as refused:
        execute(witnessed=[*WITNESSES, third], recorder=recorder)
    assert code_of(refused) == "recorder_is_witness"
    assert refused.value.details == {"recorder": recorder.strip().lower()}
    execute(witnessed=[*WITNESSES, third], recorder="w4")


def test_a_return_has_no_witnesses_and_its_recorder_is_no_witness_rule() -> None:
    execute(destruction(place=None, destruction_method=None, evidence=[], owner_name="Công ty A",
                        receipt_reference="BN-1"), method="return", recorder="w1")


def test_a_destructions_witnesses_are_the_confirmed_ones_whatever_the_body_says() -> None:
    done, _ = execute(destruction(witnesses=[{"user_id": "someone-typed", "name": "X", "organisation": None}]))
    assert [w["user_id"] for w in done.record["witnesses"]] == ["w1", "w2"]


@pytest.mark.parametrize(("executed_on", "approved_at", "code"), [
    ("1900-01-01", APPROVED_AT, "executed_before_approval"),
    ("2026-11-28", APPROVED_AT, "executed_before_approval"),
    ("2026-12-01", None, "executed_before_approval"),
    ("2026-12-03", APPROVED_AT, "executed_in_future"),
    ("2099-01-01", APPROVED_AT, "executed_in_future"),
])
def test_the_execution_date_is_after_the_approval_and_not_in_the_future(executed_on: str,
                                                                         approved_at: datetime | None,
                                                                         code: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        execute(destruction(executed_on=executed_on), approved_at=approved_at)
    assert code_of(refused) == code


def test_the_execution_date_may_be_the_approvals_day_or_a_local_tomorrow() -> None:
    for executed_on in ("2026-11-30", "2026-12-01", "2026-12-02"):  # 10:00 UTC is already the 2nd east of +14
        execute(destruction(executed_on=executed_on))


def confirm(batch: dict[str, Any] | None = None, *, user: str = "w3", confirmed: tuple[str, ...] = (),
            in_chain: str | None = None) -> tuple[dict[str, Any], list[Any]]:
    return domain_execution.confirm_witness(batch or proposed_batch(status="ready"),
                                            {"user_id": user, "name": "C", "organisation": "Sở Tài chính"},
                                            confirmed=confirmed, in_chain=in_chain)


def test_a_witness_confirms_as_their_canonical_self() -> None:
    kept, drafts = confirm(user=" W3 ")
    assert kept == {"user_id": "w3", "name": "C", "organisation": "Sở Tài chính"}
    assert [d.type for d in drafts] == ["disposal.execution_witnessed"]
    assert drafts[0].data["witness"]["user_id"] == "w3"
    check_drafts(drafts)


@pytest.mark.parametrize(("kwargs", "error", "code"), [
    ({"batch": {"status": "reserving"}}, Conflict, "not_ready"),
    ({"batch": {"status": "ready", "method": "auction"}}, RuleViolation, "no_witnesses_needed"),
    ({"confirmed": ("w3",), "user": "W3"}, Conflict, "already_witnessed"),
    ({"in_chain": "item-9"}, RuleViolation, "witness_in_chain_of_custody"),
])
def test_witness_confirmation_rules(kwargs: dict[str, Any], error: type[DomainError], code: str) -> None:
    if "batch" in kwargs:
        kwargs["batch"] = proposed_batch(**kwargs["batch"])
    with pytest.raises(error) as refused:
        confirm(**kwargs)
    assert code_of(refused) == code


def test_a_witness_withdraws_as_their_canonical_self() -> None:
    batch = proposed_batch(status="ready")
    who, drafts = domain_execution.withdraw_witness(batch, " W3 ", confirmed=["w1", "w3"])
    assert who == "w3"
    assert [(d.type, d.data) for d in drafts] == [
        ("disposal.witness_withdrawn", {"batch_id": str(batch["batch_id"]), "user_id": "w3"})]
    check_drafts(drafts)


@pytest.mark.parametrize(("status", "confirmed", "code"), [
    ("executed", ("w3",), "not_ready"),  # the execution is recorded: its witnesses stand
    ("cancelled", ("w3",), "not_ready"),
    ("ready", ("w1",), "not_a_witness"),  # nobody withdraws someone else
])
def test_witness_withdrawal_rules(status: str, confirmed: tuple[str, ...], code: str) -> None:
    with pytest.raises(Conflict) as refused:
        domain_execution.withdraw_witness(proposed_batch(status=status), "w3", confirmed=confirmed)
    assert code_of(refused) == code


def test_a_destruction_executes_its_reserved_items_and_keeps_its_witness_pair() -> None:
    reserved = [uuid.uuid4() for _ in range(3)]
    done, drafts = execute(reserved=reserved)
    assert done.witness_pair == ["w1", "w2"]
    assert done.record["item_count"] == 3 and done.record["method"] == "destroy"
    assert [d.type for d in drafts] == ["disposal.batch_executed", "disposal.items_executed"]
    assert (drafts[1].data["method"], drafts[1].data["outcome"]) == ("destroy/crush", "disposed")
    check_drafts(drafts)


def test_a_return_releases_its_items_without_witnesses() -> None:
    done, drafts = execute(destruction(place=None, destruction_method=None, evidence=[],
                                       owner_name="Công ty A", receipt_reference="BN-1"), method="return")
    assert done.witness_pair is None and done.record["witnesses"] == []
    assert (drafts[1].data["method"], drafts[1].data["outcome"]) == ("return", "released")


def test_not_an_executed_destruction() -> None:
    domain_execution.check_certificate("destroy", "executed")
    for method, status in [("auction", "executed"), ("destroy", "ready")]:
        with pytest.raises(Conflict) as refused:
            domain_execution.check_certificate(method, status)
        assert code_of(refused) == "not_an_executed_destruction"
