"""Custody's pure flow rules, each named by the error code it raises: check-out and return, holds, transfers,
handover, the two-person rule, the answers to disposal, and custody at a time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tangvat_custody import domain
from tangvat_custody import domain_flows as flows
from tangvat_custody import domain_requests as requests
from tangvat_shared.command import check_drafts
from tangvat_shared.errors import Conflict, DomainError, NotFound, RuleViolation
from tangvat_shared.events.custody import HolderKind, UnavailableReason
from tangvat_shared.transitions import ItemState

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SHELF = {"location_code": "KHO-1.A-1-1", "warehouse_id": "KHO-1"}


def _item(**fields: Any) -> dict[str, Any]:
    base = {"item_id": uuid.uuid4(), "state": "in_storage", "on_hold": False, "warehouse_id": "KHO-1",
            "quantity": 1, "condition": "intact", "location_code": "KHO-1.A-1-2", "shelf_code": None,
            "container_id": None, "holder": None, "batch_id": None, "transfer_id": None, "value_vnd": 10}
    return {**base, **fields}


def _code(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.code


CHECK_OUT = requests.CheckOut("Lab 3", HolderKind.LAB, "analysis", NOW + timedelta(days=7))


# --- check-out and return ---------------------------------------------------------------------------


def test_due_in_past_a_check_out_due_now_or_earlier_is_refused() -> None:
    for due in (NOW, NOW - timedelta(seconds=1)):
        with pytest.raises(RuleViolation) as exc:
            flows.require_due_in_future(due, NOW)
        assert _code(exc) == "due_in_past"
    flows.require_due_in_future(NOW + timedelta(seconds=1), NOW)


def test_due_in_past_is_asked_after_the_item_may_leave() -> None:
    with pytest.raises(Conflict) as exc:
        flows.require_check_out(_item(state="checked_out"), CHECK_OUT, NOW + timedelta(days=30))
    assert _code(exc) == "item_checked_out"
    with pytest.raises(RuleViolation, match="future"):
        flows.require_check_out(_item(), CHECK_OUT, NOW + timedelta(days=30))
    flows.require_check_out(_item(), CHECK_OUT, NOW)


def test_a_check_out_leaves_the_item_checked_out_off_the_shelf_with_its_holder() -> None:
    item = _item()
    decided = flows.check_out(item, CHECK_OUT, requests.Confirmation("a", "b"))
    (draft,) = decided.drafts
    assert draft.data["from_location_code"] == "KHO-1.A-1-2" and draft.data["location_code"] is None
    assert draft.data["requested_by"] == "a" and draft.data["confirmed_by"] == "b"
    (change,) = decided.decisions
    assert change.state is ItemState.CHECKED_OUT and change.item_id == item["item_id"]
    assert change.fields == {"location_code": None, "shelf_code": "KHO-1.A-1-2", "container_id": None,
                             "holder": "Lab 3", "holder_kind": "lab", "purpose": "analysis", "due_at": CHECK_OUT.due_at}
    check_drafts(decided.drafts)


def test_a_return_with_another_condition_is_a_discrepancy_and_puts_it_on_the_shelf() -> None:
    item = _item(state="checked_out", location_code=None, shelf_code="KHO-1.A-1-2", holder="Lab 3")
    decided = flows.return_item(item, SHELF, "broken")
    assert [d.type for d in decided.drafts] == ["custody.item_returned", "custody.discrepancy_recorded"]
    (change,) = decided.decisions
    assert change.state is ItemState.IN_STORAGE and change.fields["location_code"] == SHELF["location_code"]
    assert change.fields["holder"] is None
    assert [d.type for d in flows.return_item(item, SHELF, None).drafts] == ["custody.item_returned"]
    check_drafts(decided.drafts)


def test_wrong_warehouse_a_return_to_another_warehouse_is_refused() -> None:
    with pytest.raises(Conflict) as exc:
        flows.return_item(_item(state="checked_out", warehouse_id="KHO-2"), SHELF, None)
    assert _code(exc) == "wrong_warehouse"


# --- legal holds ------------------------------------------------------------------------------------


def test_a_hold_sets_the_flag_and_its_reason_and_keeps_the_state() -> None:
    decided = flows.set_hold(_item(), "court order", place=True)
    (change,) = decided.decisions
    assert change.state is None and change.fields == {"on_hold": True, "hold_reason": "court order"}
    lifted = flows.set_hold(_item(on_hold=True), "appeal", place=False)
    (change,) = lifted.decisions
    assert change.fields == {"on_hold": False, "hold_reason": None}


@pytest.mark.parametrize(("on_hold", "place", "code"), [(True, True, "already_on_hold"),
                                                         (False, False, "not_on_hold")])
def test_already_on_hold_and_not_on_hold(on_hold: bool, place: bool, code: str) -> None:
    with pytest.raises(Conflict) as exc:
        flows.set_hold(_item(on_hold=on_hold), "r", place=place)
    assert _code(exc) == code


# --- transfers --------------------------------------------------------------------------------------

TRANSFER_ID = uuid.uuid4()


def _transfer(**fields: Any) -> dict[str, Any]:
    base = {"transfer_id": TRANSFER_ID, "from_warehouse_id": "KHO-2", "to_warehouse_id": "KHO-1",
            "dispatched_by": "sender", "confirmed_by": None, "closed_at": None}
    return {**base, **fields}


def test_unknown_item_and_wrong_warehouse_at_dispatch() -> None:
    item = _item(warehouse_id="KHO-2")
    request = requests.Dispatch("KHO-2", "KHO-1", [item["item_id"], uuid.uuid4()])
    with pytest.raises(NotFound) as unknown:
        flows.require_dispatchable(request, {item["item_id"]: item})
    assert _code(unknown) == "unknown_item"
    elsewhere = _item(warehouse_id="KHO-3")
    with pytest.raises(Conflict) as exc:
        flows.require_dispatchable(requests.Dispatch("KHO-2", "KHO-1", [elsewhere["item_id"]]),
                                   {elsewhere["item_id"]: elsewhere})
    assert _code(exc) == "wrong_warehouse"


def test_a_dispatch_puts_the_items_in_transit_to_the_other_warehouse() -> None:
    items = [_item(warehouse_id="KHO-2") for _ in range(3)]
    request = requests.Dispatch("KHO-2", "KHO-1", [i["item_id"] for i in items], "truck")
    flows.require_dispatchable(request, {i["item_id"]: i for i in items})
    decided = flows.dispatch(items, request, TRANSFER_ID)
    assert [d.item_id for d in decided.decisions] == [i["item_id"] for i in items]
    for change in decided.decisions:
        assert change.state is ItemState.IN_TRANSIT and change.fields["location_code"] is None
        assert change.fields["warehouse_id"] == "KHO-1" and change.fields["transfer_id"] == TRANSFER_ID
    check_drafts(decided.drafts)


def test_transfer_closed_a_closed_transfer_receives_nothing() -> None:
    with pytest.raises(Conflict) as exc:
        flows.require_receivable(_transfer(closed_at=NOW), "receiver")
    assert _code(exc) == "transfer_closed"


@pytest.mark.parametrize("user", ["sender", "confirmer", "Sender", " confirmer ", "CONFIRMER\t"])
def test_two_person_rule_who_dispatched_or_confirmed_does_not_receive(user: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        flows.require_receivable(_transfer(confirmed_by="confirmer"), user)
    assert _code(exc) == "two_person_rule"
    flows.require_receivable(_transfer(confirmed_by="confirmer"), "receiver")


def test_not_in_transfer_an_item_of_another_transfer_is_refused_at_receipt() -> None:
    member, stranger = _item(state="in_transit"), _item(state="in_transit")
    with pytest.raises(Conflict) as exc:
        flows.receive(_transfer(), SHELF, [member, stranger], {member["item_id"]}, NOW)
    assert _code(exc) == "not_in_transfer"


def test_a_receipt_puts_the_items_on_the_receiving_shelf() -> None:
    items = [_item(state="in_transit", location_code=None) for _ in range(2)]
    decided = flows.receive(_transfer(), SHELF, items, {i["item_id"] for i in items}, NOW)
    for change in decided.decisions:
        assert change.state is ItemState.IN_STORAGE
        assert change.fields == {"location_code": SHELF["location_code"], "transfer_id": None, "received_at": NOW}
    check_drafts(decided.drafts)


def test_closing_a_transfer_declares_the_unreceived_items_in_it_missing() -> None:
    got = _item(state="in_storage")
    lost = _item(state="in_transit", location_code=None, transfer_id=TRANSFER_ID)
    moved_on = _item(state="in_storage", location_code=None)  # received since, by another path
    members = [{"item_id": got["item_id"], "received_at": NOW}, {"item_id": lost["item_id"], "received_at": None},
               {"item_id": moved_on["item_id"], "received_at": None}]
    decided = flows.close_transfer(_transfer(), members, {lost["item_id"]: lost, moved_on["item_id"]: moved_on})
    assert [d.type for d in decided.drafts] == ["custody.discrepancy_recorded", "custody.item_missing",
                                                "custody.transfer_closed"]
    assert decided.of("custody.item_missing") == [lost["item_id"]]
    assert [d.state for d in decided.decisions] == [ItemState.MISSING]
    closed = decided.drafts[-1].data
    assert closed["dispatched"] == 3 and closed["received"] == 1
    assert closed["not_received"] == [str(lost["item_id"]), str(moved_on["item_id"])]
    check_drafts(decided.drafts)


# --- handover ---------------------------------------------------------------------------------------

BATCH = uuid.uuid4()


def test_nothing_to_hand_over_a_batch_with_no_reserved_item_here() -> None:
    with pytest.raises(Conflict) as exc:
        flows.require_handover(requests.Handover(BATCH, "KHO-1", "team"), [])
    assert _code(exc) == "nothing_to_hand_over"


def test_not_reserved_for_batch_names_the_items_of_other_batches() -> None:
    other = _item(state="reserved_for_disposal", batch_id=uuid.uuid4())
    ours = _item(state="reserved_for_disposal", batch_id=BATCH)
    with pytest.raises(Conflict) as exc:
        flows.require_handover(requests.Handover(BATCH, "KHO-1", "team", ["label"]), [ours, other])
    assert _code(exc) == "not_reserved_for_batch"
    assert exc.value.details == {"item_ids": [str(other["item_id"])]}


@pytest.mark.parametrize(("fields", "code"), [({"warehouse_id": "KHO-2"}, "wrong_warehouse"),
                                              ({"on_hold": True}, "item_on_hold"),
                                              ({"state": "in_storage"}, "item_in_storage")])
def test_a_handover_item_must_be_here_free_and_reserved(fields: dict[str, Any], code: str) -> None:
    item = _item(**{"state": "reserved_for_disposal", "batch_id": BATCH, **fields})
    with pytest.raises(Conflict) as exc:
        flows.require_handover(requests.Handover(BATCH, "KHO-1", "team"), [item])
    assert _code(exc) == code


def test_a_handover_takes_the_items_off_the_shelves_for_the_team() -> None:
    items = [_item(state="reserved_for_disposal", batch_id=BATCH) for _ in range(3)]
    request = requests.Handover(BATCH, "KHO-1", "team")
    flows.require_handover(request, items)
    handover_id = uuid.uuid4()
    decided = flows.hand_over(items, request, handover_id)
    assert len(decided.decisions) == 3
    for change in decided.decisions:
        assert change.state is ItemState.HANDED_OVER and change.fields["location_code"] is None
        assert change.fields["handover_id"] == handover_id
    assert {d.data["recipient"] for d in decided.drafts} == {"team"}
    # An outside recipient, in words only: the events read as before `recipient_user_id` existed.
    assert all("recipient_user_id" not in d.data for d in decided.drafts)
    check_drafts(decided.drafts)


def test_a_handover_to_a_person_of_ours_names_them_by_canonical_id() -> None:
    items = [_item(state="reserved_for_disposal", batch_id=BATCH) for _ in range(2)]
    request = requests.Handover(BATCH, "KHO-1", "Tổ tiêu hủy", recipient_user_id=" Board1-BN ")
    assert request.recipient_user_id == "board1-bn"
    decided = flows.hand_over(items, request, uuid.uuid4())
    assert {(d.data["recipient"], d.data["recipient_user_id"]) for d in decided.drafts} == {
        ("Tổ tiêu hủy", "board1-bn")}
    check_drafts(decided.drafts)


def test_an_approval_kept_before_recipient_user_id_reads_back_without_one() -> None:
    kept = {"batch_id": str(BATCH), "warehouse_id": "KHO-1", "recipient": "team", "labels": None}
    assert requests.Handover.from_json(kept) == requests.Handover(BATCH, "KHO-1", "team")


# --- the two-person rule -------------------------------------------------------------------------------


def test_needs_second_person_strictly_above_the_threshold() -> None:
    assert not domain.needs_second_person(100, 100) and domain.needs_second_person(101, 100)


def test_two_person_rule_the_requester_cannot_confirm() -> None:
    approval = {"status": "pending", "requested_by": "a"}
    with pytest.raises(RuleViolation) as exc:
        requests.decide_approval(approval, "a", confirm=True)
    assert _code(exc) == "two_person_rule"
    assert requests.decide_approval(approval, "b", confirm=True) is requests.ApprovalStatus.CONFIRMED
    assert requests.decide_approval(approval, "a", confirm=False) is requests.ApprovalStatus.REJECTED


@pytest.mark.parametrize("confirming", ["Kho-1", " kho-1", "kho-1 ", "KHO-1\t"])
def test_two_person_rule_the_requester_cannot_confirm_by_another_spelling(confirming: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        requests.decide_approval({"status": "pending", "requested_by": "kho-1"}, confirming, confirm=True)
    assert _code(exc) == "two_person_rule"


@pytest.mark.parametrize("status", ["confirmed", "rejected"])
@pytest.mark.parametrize("confirm", [True, False])
def test_approval_status_a_decided_approval_is_not_decided_again(status: str, confirm: bool) -> None:
    with pytest.raises(Conflict) as exc:
        requests.decide_approval({"status": status, "requested_by": "a"}, "b", confirm=confirm)
    assert _code(exc) == f"approval_{status}"


@pytest.mark.parametrize("request_", [
    requests.CheckOut("Court", HolderKind.COURT, "trial", datetime(2027, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)),
    requests.CheckOut("Lab", HolderKind.LAB, "x", datetime(2027, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=7)))),
    requests.Handover(BATCH, "KHO-1", "team", ["a", "b"]), requests.Handover(BATCH, "KHO-1", "team"),
    requests.Handover(BATCH, "KHO-1", "team", None, "board1-bn"),
    requests.Dispatch("KHO-1", "KHO-2", [uuid.uuid4(), uuid.uuid4()], None),
])
def test_a_waiting_request_is_kept_as_plain_json_and_read_back_as_it_was(request_: Any) -> None:
    kept = request_.to_json()
    assert type(request_).from_json(kept) == request_
    assert all(isinstance(v, str | list | type(None)) for v in kept.values())


def test_a_kept_instant_is_written_as_rfc3339_with_z_for_utc() -> None:
    assert CHECK_OUT.to_json()["due_at"] == "2026-12-08T08:00:00Z"


# --- answers to disposal -------------------------------------------------------------------------------


def test_a_reservation_is_answered_per_item_reserved_again_or_unavailable() -> None:
    free, held, out = _item(), _item(state="reserved_for_disposal", batch_id=BATCH), _item(state="checked_out")
    unknown = uuid.uuid4()
    known = {i["item_id"]: i for i in (free, held, out)}
    decided = flows.answer_reservation(BATCH, [free["item_id"], held["item_id"], out["item_id"], unknown,
                                               free["item_id"]], known)
    assert [d.type for d in decided.drafts] == ["custody.item_reserved", "custody.item_still_reserved",
                                                "custody.item_unavailable", "custody.item_unavailable"]
    assert [d.data.get("reason") for d in decided.drafts[2:]] == ["checked_out", "unknown_item"]
    assert decided.of("custody.item_reserved") == [free["item_id"]]
    (reserved,) = decided.decisions  # an answer, or a re-sent request answered again, changes no row
    assert reserved.state is ItemState.RESERVED_FOR_DISPOSAL and reserved.fields == {"batch_id": BATCH}
    check_drafts(decided.drafts)


def test_a_release_puts_the_items_back_on_the_shelf_they_left() -> None:
    item = _item(state="handed_over", batch_id=BATCH, location_code=None, shelf_code="KHO-1.A-1-2")
    decided = flows.release(BATCH, [item])
    assert decided.drafts[0].data["location_code"] == "KHO-1.A-1-2"
    (change,) = decided.decisions
    assert change.state is ItemState.IN_STORAGE
    assert change.fields == {"location_code": "KHO-1.A-1-2", "batch_id": None, "handover_id": None}


def test_an_execution_disposes_of_handed_over_items_and_refuses_and_frees_the_rest() -> None:
    done = _item(state="handed_over", batch_id=BATCH, location_code=None)
    again = _item(state="disposed", batch_id=BATCH, location_code=None)
    not_handed = _item(state="reserved_for_disposal", batch_id=BATCH)
    held = _item(state="handed_over", batch_id=BATCH, on_hold=True, location_code=None)
    stranger = _item()
    unknown = uuid.uuid4()
    items = [done, again, not_handed, held, stranger]
    decided = flows.execute(BATCH, True, "incineration", [*(i["item_id"] for i in items), unknown],
                            {i["item_id"]: i for i in items})
    assert [(d.type, d.data.get("reason")) for d in decided.drafts] == [
        ("custody.item_disposed", None),
        ("custody.item_unavailable", "not_handed_over"), ("custody.reservation_released", None),
        ("custody.item_unavailable", "on_hold"), ("custody.reservation_released", None),
        ("custody.item_unavailable", "not_reserved"), ("custody.item_unavailable", "unknown_item")]
    assert decided.of("custody.item_disposed") == [done["item_id"]]
    assert [d.state for d in decided.decisions] == [ItemState.DISPOSED, ItemState.IN_STORAGE, ItemState.IN_STORAGE]
    assert decided.of("custody.reservation_released") == [not_handed["item_id"], held["item_id"]]
    check_drafts(decided.drafts)


def test_the_reasons_an_item_is_unavailable_come_from_the_domain() -> None:
    assert flows.unavailable(uuid.uuid4(), BATCH, UnavailableReason.MISSING).data["reason"] == "missing"


# --- custody at a time --------------------------------------------------------------------------------


def _event(event_type: str, at: datetime, actor: str = "u", **data: Any) -> dict[str, Any]:
    return {"event_type": event_type, "occurred_at": at, "body": {"actorid": actor, "data": data}}


def test_custody_at_follows_the_holders_and_places_of_the_item() -> None:
    item_id = uuid.uuid4()
    events = [
        _event("custody.item_awaiting_receipt", NOW, warehouse_id="KHO-1", location_code=None),
        _event("custody.item_received", NOW, warehouse_id="KHO-1", location_code="KHO-1.A"),
        _event("custody.item_checked_out", NOW, "staff", warehouse_id="KHO-1", holder="Lab 3", holder_kind="lab"),
    ]
    out = flows.custody_at(item_id, NOW, events)
    assert (out["state"], out["holder"], out["holder_kind"], out["location_code"]) == \
        ("checked_out", "Lab 3", "lab", None)
    assert out["last_actor_id"] == "staff"
    events.append(_event("custody.item_returned", NOW, warehouse_id="KHO-1", location_code="KHO-1.B"))
    events.append(_event("custody.item_unavailable", NOW, "consumer", reason="checked_out"))
    out = flows.custody_at(item_id, NOW, events)
    assert (out["state"], out["holder"], out["holder_kind"], out["location_code"]) == \
        ("in_storage", "KHO-1", "warehouse", "KHO-1.B")
    assert out["last_event_type"] == "custody.item_returned"  # an answer to disposal is not a custody step


def test_custody_at_before_the_item_existed_knows_nothing() -> None:
    out = flows.custody_at(uuid.uuid4(), NOW, [])
    assert out["state"] is None and out["holder"] is None and out["on_hold"] is False
