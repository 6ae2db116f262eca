"""Chain rules: sealing, verification and signed checkpoints, with every kind of tampering."""

from __future__ import annotations

import copy
from typing import Any

from tangvat_shared.chain import Checkpoint, in_one_lane, sign_checkpoint
from tangvat_shared.envelope import GENESIS_HASH
from tangvat_shared.keys import generate_private_key, key_id
from tests.support.events import seal


def _stream(n: int) -> list[dict[str, Any]]:
    prev = GENESIS_HASH
    events = []
    for i in range(1, n + 1):
        wire, prev = seal({"id": f"e{i}", "type": "t", "data": {"n": i}}, i, prev)
        events.append(wire)
    return events


def verify_chain(stream: str, events: list[dict[str, Any]], *args: Any) -> list[Any]:
    from tangvat_shared.chain import verify_chain as verify

    return verify(stream, in_one_lane(events), *args)


def _kinds(findings: list[Any]) -> set[str]:
    return {f.kind for f in findings}


def test_an_untouched_stream_verifies_clean_even_with_exact_redeliveries() -> None:
    events = _stream(20)
    assert verify_chain("intake", events + events[5:8]) == []


def test_an_altered_payload_is_named_with_its_sequence() -> None:
    events = _stream(10)
    events[3]["data"]["n"] = 999
    findings = verify_chain("intake", events)
    assert [(f.kind, f.sequence) for f in findings] == [("altered", 4)]


def test_a_deleted_event_is_a_gap() -> None:
    events = _stream(10)
    del events[4]
    findings = verify_chain("intake", events)
    assert ("gap", 5) in [(f.kind, f.sequence) for f in findings]


def test_a_forged_event_with_a_huge_sequence_is_one_gap_not_one_finding_per_number() -> None:
    events = _stream(10)
    forged = copy.deepcopy(events[9])
    forged["sequence"] = 10**12
    findings = verify_chain("intake", events + [forged])
    gaps = [f for f in findings if f.kind == "gap"]
    assert [(g.sequence, g.detail) for g in gaps] == [(11, f"sequences 11 to {10**12 - 1} are missing "
                                                            f"({10**12 - 11} events)")]
    assert ("altered", 10**12) in [(f.kind, f.sequence) for f in findings]


def test_a_sequence_below_one_is_malformed_not_part_of_the_chain() -> None:
    events = _stream(5)
    forged = copy.deepcopy(events[0])
    forged["sequence"] = 0
    findings = verify_chain("intake", events + [forged])
    assert [(f.kind, f.detail) for f in findings] == [("malformed", "invalid sequence 0")]


def test_an_inserted_event_conflicts_with_the_one_holding_its_sequence() -> None:
    events = _stream(10)
    forged = copy.deepcopy(events[6])
    forged["data"]["n"] = -1
    findings = verify_chain("intake", events + [forged])
    assert "conflicting_duplicate" in _kinds(findings)


def test_swapped_events_are_reported_as_reordered() -> None:
    events = _stream(10)
    events[2], events[3] = events[3], events[2]
    assert "reordered" in _kinds(verify_chain("intake", events))


def test_an_event_appended_with_a_wrong_prevhash_breaks_the_link() -> None:
    events = _stream(5)
    wire, _ = seal({"id": "x", "type": "t", "data": {}}, 6, "f" * 64)
    assert ("broken_link", 6) in [(f.kind, f.sequence) for f in verify_chain("intake", events + [wire])]


def test_a_recomputed_chain_is_caught_by_an_earlier_signed_checkpoint() -> None:
    key = generate_private_key()
    original = _stream(10)
    checkpoint = sign_checkpoint(key, key_id(key.public_key()), "intake", 8, original[7]["hash"])
    # Someone with database access edits event 3 and recomputes every hash after it.
    prev = GENESIS_HASH
    rewritten = []
    for i, event in enumerate(original, start=1):
        body = {k: v for k, v in event.items() if k not in ("sequence", "prevhash", "hash")}
        if i == 3:
            body["data"] = {"n": 0}
        wire, prev = seal(body, i, prev)
        rewritten.append(wire)
    assert verify_chain("intake", rewritten) == []  # the chain alone looks fine...
    findings = verify_chain("intake", rewritten, [checkpoint], key.public_key())
    assert [(f.kind, f.sequence) for f in findings] == [("checkpoint_mismatch", 8)]


def test_a_checkpoint_signed_with_another_key_is_forged() -> None:
    events = _stream(3)
    checkpoint = sign_checkpoint(generate_private_key(), "other", "intake", 3, events[2]["hash"])
    findings = verify_chain("intake", events, [checkpoint], generate_private_key().public_key())
    assert _kinds(findings) == {"checkpoint_forged"}


def test_checkpoints_survive_their_wire_form() -> None:
    key = generate_private_key()
    checkpoint = sign_checkpoint(key, key_id(key.public_key()), "custody", 42, "a" * 64)
    assert Checkpoint.from_wire(checkpoint.to_wire()) == checkpoint


def test_order_is_only_checked_within_a_lane() -> None:
    from tangvat_shared.chain import verify_chain as verify

    events = _stream(6)
    interleaved = [(0, events[1]), (1, events[0]), (0, events[3]), (1, events[2]), (0, events[5]), (1, events[4])]
    assert verify("intake", interleaved) == []
    swapped = [(0, events[3]), (0, events[1]), (1, events[0]), (1, events[2]), (1, events[4]), (1, events[5])]
    assert [(f.kind, f.sequence) for f in verify("intake", swapped)] == [("reordered", 2)]


def test_sealing_straight_to_wire_bytes_equals_canonicalising_the_sealed_event() -> None:
    from tangvat_shared.canonical import canonical_json
    from tangvat_shared.chain import seal_to_wire

    tricky = {"id": "e1", "type": "t", "datacontenttype": "application/json", "subject": 'item/,"id":"x',
              "data": {"id": "inner", "nested": {"id": "deeper"}, "text": ',"id":"sneaky'}, "time": "2026"}
    for body in (tricky, {"id": "only"}, {"a": 1, "id": "x", "z": [1, {"id": "y"}]}):
        wire, digest = seal_to_wire(body, 7, "f" * 64)
        sealed, expected = seal(body, 7, "f" * 64)
        assert digest == expected
        assert wire == canonical_json(sealed)


def test_sealing_canonical_bytes_without_parsing_equals_sealing_the_parsed_event() -> None:
    import uuid
    from datetime import UTC, datetime

    from tangvat_shared.canonical import canonical_json
    from tangvat_shared.chain import seal_canonical, seal_to_wire
    from tangvat_shared.envelope import Actor, envelope_body

    datas: list[dict[str, Any]] = [
        {"item_id": "x", "note": ',"schemaversion":9,"source":"evil","id":"y"', "nested": {"id": 1, "source": "s"}},
        {"list": [{"schemaversion": 1}, ",\"id\":\""], "quote": 'a "quoted" {brace} [bracket]'},
        {},
    ]
    for data in datas:
        for subject in ("item/1", 'weird/{"subject"}[]'):
            body = envelope_body(event_id=uuid.uuid4(), source="intake", type="intake.item_registered",
                                 schemaversion=1, subject=subject, data=data, actor=Actor(user_id="u", role="r"),
                                 time=datetime.now(UTC), correlation_id=uuid.uuid4())
            for seq, prev in ((1, GENESIS_HASH), (123456789, "ab" * 32)):
                assert seal_canonical(canonical_json(body), seq, prev) == seal_to_wire(body, seq, prev)
