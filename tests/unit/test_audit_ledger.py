"""The auditor's replay of lifecycles: legal paths balance; illegal or causeless steps are named."""

from __future__ import annotations

import uuid
from typing import Any

from tangvat_audit.ledger import Ledger

SEIZURE = str(uuid.uuid4())


class Log:
    """Builds wire events of each stream with consecutive sequence numbers."""

    def __init__(self) -> None:
        self.streams: dict[str, list[dict[str, Any]]] = {"intake": [], "custody": [], "disposal": []}

    def add(self, stream: str, event_type: str, data: dict[str, Any], actor: str = "u1") -> None:
        events = self.streams[stream]
        events.append({"id": str(uuid.uuid4()), "source": stream, "type": event_type, "sequence": len(events) + 1,
                       "time": "2026-11-25T08:00:00+00:00", "actorid": actor, "subject": "x", "data": data})

    def register(self, item: str, value: int = 1000) -> None:
        self.add("intake", "intake.item_registered", {"item_id": item, "seizure_id": SEIZURE, "category": "counterfeit",
                                                       "quantity": 2, "value_vnd": value, "warehouse_id": "KHO-1"})

    def seizure(self, items: int, value_vnd: int, seizure_id: str = SEIZURE) -> None:
        """Intake's record of the seizure, with the totals it declares."""
        self.add("intake", "intake.seizure_registered", {"seizure_id": seizure_id, "record_number": "BB-1",
                                                         "item_count": items, "total_value_vnd": value_vnd})

    def custody(self, item: str, event_type: str, actor: str = "staff-1", **data: Any) -> None:
        self.add("custody", event_type, {"item_id": item, **data}, actor)

    def ledger(self) -> Ledger:
        ledger = Ledger()
        for stream, events in self.streams.items():
            ledger.apply_stream(stream, events)
        ledger.finish()
        return ledger


def test_a_full_destruction_path_replays_clean_and_balances() -> None:
    log, item, batch = Log(), str(uuid.uuid4()), str(uuid.uuid4())
    log.seizure(1, 1000)
    log.register(item)
    for event_type in ("custody.item_awaiting_receipt", "custody.item_received"):
        log.custody(item, event_type, location_code="A-1" if event_type == "custody.item_received" else None)
    log.custody(item, "custody.item_reserved", batch_id=batch)
    log.custody(item, "custody.item_handed_over", batch_id=batch, requested_by="staff-1", confirmed_by="staff-2")
    log.custody(item, "custody.item_disposed", batch_id=batch, location_code=None)
    log.add("disposal", "disposal.reservation_requested", {"batch_id": batch, "item_ids": [item]})
    log.add("disposal", "disposal.items_executed", {"batch_id": batch, "item_ids": [item], "outcome": "disposed",
                                                    "method": "crush"})
    ledger = log.ledger()
    conservation = ledger.conservation()
    assert ledger.findings == []
    assert ledger.states() == {"disposed": 1}
    assert conservation[SEIZURE]["balanced"]
    assert conservation[SEIZURE]["by_state"]["disposed"] == {"items": 1, "quantity": 2, "value_vnd": 1000}


def test_an_illegal_transition_is_named_with_its_event() -> None:
    log, item = Log(), str(uuid.uuid4())
    log.register(item)
    log.custody(item, "custody.item_awaiting_receipt")
    log.custody(item, "custody.item_checked_out")  # never received
    ledger = log.ledger()
    assert [(f.kind, f.sequence) for f in ledger.findings] == [("illegal_transition", 2)]


def test_custody_of_an_unregistered_item_and_disposal_without_execution_have_no_cause() -> None:
    log, stray, item = Log(), str(uuid.uuid4()), str(uuid.uuid4())
    log.custody(stray, "custody.item_awaiting_receipt")
    log.register(item)
    for event_type in ("custody.item_awaiting_receipt", "custody.item_received", "custody.item_reserved",
                       "custody.item_handed_over", "custody.item_disposed"):
        log.custody(item, event_type)
    details = [f.detail for f in log.ledger().findings if f.kind == "no_cause"]
    assert any(stray in d and "never registered" in d for d in details)
    assert any(item in d and "without a disposal reservation request" in d for d in details)
    assert any(item in d and "without a disposal execution" in d for d in details)


def test_a_handover_for_another_batch_or_confirmed_by_its_requester_is_named() -> None:
    log, item, batch, other = Log(), str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    log.register(item)
    log.custody(item, "custody.item_awaiting_receipt")
    log.custody(item, "custody.item_received", location_code="A-1")
    log.custody(item, "custody.item_reserved", batch_id=batch)
    log.custody(item, "custody.item_handed_over", batch_id=other, requested_by="staff-1", confirmed_by="staff-1")
    log.custody(item, "custody.item_disposed", batch_id=other, location_code=None)
    log.add("disposal", "disposal.reservation_requested", {"batch_id": batch, "item_ids": [item]})
    log.add("disposal", "disposal.items_executed", {"batch_id": other, "item_ids": [item], "outcome": "disposed",
                                                    "method": "crush"})
    findings = [(f.kind, f.sequence) for f in log.ledger().findings]
    assert ("wrong_batch", 4) in findings and ("separation_of_duties", 4) in findings
    assert ("wrong_batch", 5) in findings
    assert "no_cause" in {kind for kind, _ in findings}  # executed by a batch it was not held for


def test_an_item_registered_twice_is_named() -> None:
    log, item = Log(), str(uuid.uuid4())
    log.register(item)
    log.register(item)
    assert [f.kind for f in log.ledger().findings] == ["duplicate_registration"]


def test_a_location_holds_what_was_last_put_there() -> None:
    log, a, b = Log(), str(uuid.uuid4()), str(uuid.uuid4())
    for item in (a, b):
        log.register(item)
        log.custody(item, "custody.item_awaiting_receipt")
        log.custody(item, "custody.item_received", location_code="A-1")
    log.custody(b, "custody.item_moved", location_code="B-2")
    ledger = log.ledger()
    assert ledger.location_contents("A-1") == [a]
    assert ledger.location_contents("B-2") == [b]


def test_a_registration_missing_a_field_is_malformed_and_still_counts() -> None:
    log, item = Log(), str(uuid.uuid4())
    log.add("intake", "intake.item_registered", {"item_id": item, "seizure_id": SEIZURE, "quantity": 2,
                                                 "value_vnd": 1000, "warehouse_id": "KHO-1"})  # no category
    log.register(item)
    ledger = log.ledger()
    assert [(f.kind, f.sequence) for f in ledger.findings] == [("malformed", 1), ("duplicate_registration", 2)]
    assert "category" in ledger.findings[0].detail
    life = ledger.items[item]
    assert (life.registered, life.seizure_id, life.steps) == (2, None, [])


def test_an_event_whose_data_is_not_an_object_is_malformed_in_every_stream() -> None:
    log, item = Log(), str(uuid.uuid4())
    log.register(item)
    log.add("intake", "intake.item_corrected", "not an object")
    log.add("custody", "custody.item_awaiting_receipt", ["a", "list"])
    log.add("disposal", "disposal.items_executed", "not an object")
    ledger = log.ledger()
    assert [(f.kind, f.stream, f.sequence) for f in ledger.findings] == [
        ("malformed", "intake", 2), ("malformed", "custody", 1), ("malformed", "disposal", 1)]
    assert all("data is not an object" in f.detail for f in ledger.findings)
    assert ledger.conservation()[SEIZURE]["registered_items"] == 1


def test_quantities_and_values_that_are_not_whole_numbers_are_named_and_left_out_of_the_balance() -> None:
    log, good, text_quantity, float_value, corrected = Log(), *(str(uuid.uuid4()) for _ in range(4))
    log.register(good, value=1000)
    log.register(corrected, value=500)
    log.add("intake", "intake.item_registered", {"item_id": text_quantity, "seizure_id": SEIZURE,
                                                   "category": "smuggled", "quantity": "2", "value_vnd": 10,
                                                   "warehouse_id": "KHO-1"})
    log.add("intake", "intake.item_registered", {"item_id": float_value, "seizure_id": SEIZURE,
                                                   "category": "smuggled", "quantity": 1, "value_vnd": 9.5,
                                                   "warehouse_id": "KHO-1"})
    log.add("intake", "intake.item_corrected", {"item_id": corrected, "changes": [
        {"field": "value_vnd", "old": 500, "new": True}]})
    ledger = log.ledger()
    assert [f.kind for f in ledger.findings] == ["malformed"] * 3
    assert [f.sequence for f in ledger.findings] == [3, 4, 5]
    conservation = ledger.conservation()  # never a TypeError
    assert conservation[SEIZURE]["registered_items"] == 2
    assert conservation[SEIZURE]["registered_value_vnd"] == 1500  # the correction was refused whole


def _reserved(log: Log, items: list[str], batch: str) -> None:
    for item in items:
        log.register(item)
        log.custody(item, "custody.item_awaiting_receipt", location_code=None)
        log.custody(item, "custody.item_received", location_code="A-1")
        log.custody(item, "custody.item_reserved", batch_id=batch)
    log.add("disposal", "disposal.reservation_requested", {"batch_id": batch, "item_ids": items})


def test_a_reservation_released_because_the_board_dropped_the_item_has_its_cause() -> None:
    log, batch = Log(), str(uuid.uuid4())
    kept, dropped = str(uuid.uuid4()), str(uuid.uuid4())
    _reserved(log, [kept, dropped], batch)
    log.custody(dropped, "custody.legal_hold_placed", reason="Tòa án")
    log.add("disposal", "disposal.item_dropped", {"batch_id": batch, "item_id": dropped, "reason": "Tòa án giữ",
                                                  "deferred": True, "dropped_by": "board-2"})
    log.custody(dropped, "custody.reservation_released", batch_id=batch)
    log.custody(kept, "custody.item_handed_over", batch_id=batch)
    log.custody(kept, "custody.item_disposed", batch_id=batch, location_code=None)
    log.add("disposal", "disposal.items_executed", {"batch_id": batch, "item_ids": [kept], "outcome": "disposed",
                                                    "method": "crush"})
    ledger = log.ledger()
    assert ledger.findings == []
    assert ledger.states() == {"disposed": 1, "in_storage": 1}


def test_a_cancellation_or_a_refused_execution_is_the_cause_of_a_release_too() -> None:
    log, cancelled, executed = Log(), str(uuid.uuid4()), str(uuid.uuid4())
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    _reserved(log, [first], cancelled)
    _reserved(log, [second], executed)
    log.add("disposal", "disposal.batch_cancelled", {"batch_id": cancelled, "reason": "khiếu nại"})
    log.custody(first, "custody.reservation_released", batch_id=cancelled)
    log.add("disposal", "disposal.items_executed", {"batch_id": executed, "item_ids": [second],
                                                    "outcome": "disposed", "method": "crush"})
    log.custody(second, "custody.item_unavailable", batch_id=executed, reason="not_handed_over")
    log.custody(second, "custody.reservation_released", batch_id=executed)
    assert log.ledger().findings == []


def test_a_release_with_no_cancellation_drop_or_execution_is_named() -> None:
    log, batch, other = Log(), str(uuid.uuid4()), str(uuid.uuid4())
    item, neighbour = str(uuid.uuid4()), str(uuid.uuid4())
    _reserved(log, [item, neighbour], batch)
    # A drop of another item of the batch is no cause for this one.
    log.add("disposal", "disposal.item_dropped", {"batch_id": batch, "item_id": neighbour, "reason": "hỏng",
                                                  "deferred": False, "dropped_by": "board-2"})
    log.custody(neighbour, "custody.reservation_released", batch_id=batch)
    log.custody(item, "custody.reservation_released", batch_id=batch)
    findings = log.ledger().findings
    assert [(f.kind, f.stream) for f in findings] == [("no_cause", "custody")]
    assert item in findings[0].detail and batch in findings[0].detail and "without a cancellation" in findings[0].detail
    assert findings[0].event_id == log.streams["custody"][-1]["id"]
    # Released for a batch the disposal stream never mentions: named as well.
    log2 = Log()
    _reserved(log2, [item], other)
    log2.custody(item, "custody.reservation_released", batch_id=str(uuid.uuid4()))
    assert [f.kind for f in log2.ledger().findings] == ["no_cause"]


def _returned(log: Log, item: str) -> None:
    log.custody(item, "custody.item_awaiting_receipt", location_code=None)
    log.custody(item, "custody.item_received", location_code="A-1")
    log.custody(item, "custody.item_returned_to_owner", location_code=None, seizure_id=SEIZURE)


def test_goods_returned_to_their_owner_on_a_release_order_balance_as_returned() -> None:
    log, item = Log(), str(uuid.uuid4())
    log.seizure(1, 1000)
    log.register(item)
    log.add("intake", "intake.legal_status_recorded", {"seizure_id": SEIZURE, "status": "release_ordered"})
    _returned(log, item)
    ledger = log.ledger()
    conservation = ledger.conservation()
    assert ledger.findings == []
    assert ledger.states() == {"returned_to_owner": 1}
    assert conservation[SEIZURE]["balanced"]
    assert conservation[SEIZURE]["by_state"]["returned_to_owner"] == {"items": 1, "quantity": 2, "value_vnd": 1000}


def test_a_return_to_the_owner_without_a_release_order_is_named() -> None:
    log, item = Log(), str(uuid.uuid4())
    log.seizure(1, 1000)
    log.register(item)
    log.add("intake", "intake.legal_status_recorded", {"seizure_id": SEIZURE, "status": "confiscated"})
    _returned(log, item)
    ledger = log.ledger()
    assert [(f.kind, f.detail) for f in ledger.findings] == [
        ("no_cause", f"item {item} was returned to its owner without a release order for its seizure")]
