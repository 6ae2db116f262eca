"""A seizure balances only if intake's record declares exactly the items and the VND registered under it
(after corrections) and where they all are adds up: a wrong count or a wrong declared total fails it."""

from __future__ import annotations

import uuid

from tangvat_audit.ledger import Ledger
from tests.unit.test_audit_ledger import SEIZURE, Log


def _three_items(log: Log) -> list[str]:
    items = [str(uuid.uuid4()) for _ in range(3)]
    for item in items:
        log.register(item, value=1000)
        log.custody(item, "custody.item_awaiting_receipt")
    return items


def _balance(log: Log) -> tuple[Ledger, dict[str, object]]:
    ledger = log.ledger()
    return ledger, ledger.conservation()[SEIZURE]


def test_a_seizure_whose_record_declares_its_items_and_their_value_balances() -> None:
    log = Log()
    log.seizure(3, 3000)
    _three_items(log)
    ledger, balance = _balance(log)
    assert balance["balanced"] is True
    assert (balance["declared_items"], balance["declared_value_vnd"]) == (3, 3000)
    assert ledger.findings == []


def test_a_wrong_declared_item_count_fails_the_balance() -> None:
    log = Log()
    log.seizure(4, 3000)  # one item declared was never registered
    _three_items(log)
    ledger, balance = _balance(log)
    assert balance["balanced"] is False
    assert [(f.kind, f.subject) for f in ledger.findings] == [("conservation", f"seizure/{SEIZURE}")]
    assert "declares 4 items but 3 were registered" in ledger.findings[0].detail


def test_a_wrong_declared_total_value_fails_the_balance() -> None:
    log = Log()
    log.seizure(3, 3500)
    _three_items(log)
    ledger, balance = _balance(log)
    assert balance["balanced"] is False
    assert [f.kind for f in ledger.findings] == ["conservation"]
    assert "declares a total of 3500 VND but its items are worth 3000 VND" in ledger.findings[0].detail


def test_a_corrected_item_value_moves_the_declared_total_with_it() -> None:
    """Intake corrects the seizure's total when it corrects an item's value: the balance follows."""
    log = Log()
    log.seizure(3, 3000)
    first, *_ = _three_items(log)
    log.add("intake", "intake.item_corrected", {"item_id": first, "seizure_id": SEIZURE, "changes": [
        {"field": "value_vnd", "old": 1000, "new": 1600}], "reason": "định giá lại"})
    ledger, balance = _balance(log)
    assert (balance["balanced"], balance["declared_value_vnd"], balance["registered_value_vnd"]) == (True, 3600, 3600)
    assert ledger.findings == []


def test_items_without_a_seizure_record_do_not_balance() -> None:
    log = Log()
    _three_items(log)
    ledger, balance = _balance(log)
    assert balance["balanced"] is False
    assert ["no seizure record declares its totals" in f.detail for f in ledger.findings] == [True]
