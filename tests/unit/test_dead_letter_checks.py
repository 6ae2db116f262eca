"""The auditor's sorting of dead letters, and what /readyz and /metrics make of the dead-letter counts: pure,
no broker, no database (the integration test tests/integration/test_dead_letters.py runs them for real)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from tangvat_audit.dead_letters import DeadLetter, DeadLetterCheck
from tangvat_shared.envelope import Actor
from tangvat_shared.health import DeadLetterCount, metrics_text, readiness_report
from tests.support.events import new_envelope


def logged_event(n: int) -> dict[str, Any]:
    envelope = new_envelope(source="intake", type="intake.legal_status_recorded", schemaversion=1,
                            subject=f"seizure/{uuid.uuid4()}", data={"n": n}, actor=Actor(user_id="u", role="r"))
    wire = envelope.model_dump(mode="json")
    return {**wire, "sequence": n, "prevhash": "0" * 64, "hash": f"{n:064x}"}


def letter(value: bytes, offset: int, kind: str = "handler_failed", consumer: str = "disposal") -> DeadLetter:
    return DeadLetter(consumer, 0, offset, value, {"tangvat-reason": "boom", "tangvat-reason-kind": kind,
                                                     "tangvat-source-topic": "intake.events",
                                                     "tangvat-source-partition": "2",
                                                     "tangvat-source-offset": str(100 + offset)})


def test_a_dead_letter_of_an_event_of_the_log_is_a_finding_and_poison_is_only_counted() -> None:
    applied_nowhere, other = logged_event(7), logged_event(8)
    forged = {**other, "hash": "f" * 64}  # same id, bytes that are not the logged event's
    unknown = {**logged_event(9), "type": "intake.no_such_event"}
    letters = [letter(orjson.dumps(applied_nowhere), 0), letter(orjson.dumps(applied_nowhere), 1),  # twice: once
               letter(b"\x00 not JSON", 2, "unparseable"), letter(orjson.dumps(forged), 3, "invalid"),
               letter(orjson.dumps(unknown), 4, "unknown_type"), letter(b"[1]", 5, "unparseable")]
    check = DeadLetterCheck({"disposal": letters, "custody": []})
    assert check.wanted("intake") == {applied_nowhere["id"], other["id"]}
    findings = check.findings("intake", {applied_nowhere["id"]: applied_nowhere, other["id"]: other})
    assert [(f.kind, f.stream, f.sequence, f.event_id) for f in findings] == [
        ("dead_lettered", "intake", 7, applied_nowhere["id"])]
    assert findings[0].detail.startswith("disposal's consumer dead-lettered intake.legal_status_recorded event "
                                         f"{applied_nowhere['id']} (handler_failed, from intake.events partition 2 "
                                         "offset 100): boom")
    assert check.summary == {"disposal": {"records": 6, "events_of_the_log": 1, "poison": 4},
                             "custody": {"records": 0, "events_of_the_log": 0, "poison": 0}}


def test_a_dead_letter_whose_event_is_not_in_the_log_is_poison() -> None:
    event = logged_event(3)
    check = DeadLetterCheck({"audit": [letter(orjson.dumps(event), 0, consumer="audit")]})
    assert check.findings("intake", {}) == []
    assert check.summary["audit"]["poison"] == 1


def test_readiness_is_degraded_only_by_unresolved_dead_letters_of_valid_events() -> None:
    assert readiness_report([]) == {"status": "ready"}
    report = readiness_report([DeadLetterCount("disposal", "handler_failed", 3, 2)])
    assert report["status"] == "degraded"
    assert report["message"].startswith("2 valid events dead-lettered and not yet resolved")
    assert report["dead_letters"][0] | {"reason_text": ""} == {"consumer": "disposal", "reason": "handler_failed",
                                                                "unresolved": 2, "reason_text": ""}


def test_the_metrics_count_every_dead_letter_by_consumer_and_reason() -> None:
    text = metrics_text([DeadLetterCount("custody", "unparseable", 4, 4),
                         DeadLetterCount("custody", "handler_failed", 2, 0)]).decode()
    assert 'tangvat_dead_letters_total{consumer="custody",reason="unparseable"} 4.0' in text
    assert 'tangvat_dead_letters_total{consumer="custody",reason="handler_failed"} 2.0' in text
    assert 'tangvat_dead_letters_unresolved{consumer="custody"} 0.0' in text
    assert "# TYPE tangvat_dead_letters_total counter" in text
