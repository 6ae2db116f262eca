"""The auditor names every kind of tampering, in a copy of a topic and in a service's database."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import demo_data
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tangvat_audit.audit import audit_database, run_audit
from tangvat_audit.log_reader import Record, read_stream
from tangvat_intake import service as intake_service
from tangvat_intake.schemas import SeizureRegistration
from tangvat_shared.auth import Principal, Role
from tangvat_shared.canonical import canonical_json
from tangvat_shared.command import CommandContext
from tangvat_shared.db import connect, create_pool
from tangvat_shared.kafka import make_producer
from tangvat_shared.keys import generate_private_key
from tangvat_shared.relay import Relay, RelayConfig
from tests.support.databases import migrated_database
from tests.support.events import seal
from tests.support.topics import new_topics

OFFICER = Principal("officer-1", frozenset({Role.INTAKE_OFFICER}), frozenset(), frozenset({"QLTT-BN"}))


@dataclass
class CleanLog:
    records: list[Record]
    key: Ed25519PrivateKey
    dsn: str
    topic: str
    bootstrap: str

    def audit(self, records: list[Record]) -> list[tuple[str, int | None]]:
        result = run_audit({"intake": records}, {"intake": self.key.public_key()})
        return [(f.kind, f.sequence) for f in result.findings]

    def events(self) -> list[tuple[Record, dict[str, Any]]]:
        out = []
        for r in self.records:
            wire = orjson.loads(r.value)
            if wire["type"] != "tangvat.stream_checkpoint":
                out.append((r, wire))
        return sorted(out, key=lambda rw: rw[1]["sequence"])


@pytest.fixture(scope="module")
async def clean_log(infra: Any) -> AsyncIterator[CleanLog]:
    """Two seizures registered through intake's service layer and published by a real relay."""
    dsn = await migrated_database(infra.pg_admin_dsn, f"audit_{uuid.uuid4().hex[:6]}", "tangvat_intake")
    (topic,) = await new_topics(infra.kafka_bootstrap, "intake.events")
    pool = await create_pool(dsn, max_size=3)
    key = generate_private_key()
    producer = make_producer(infra.kafka_bootstrap, client_id="audit-test")
    await producer.start()
    try:
        relay = Relay(pool, producer, RelayConfig(stream="intake", topic=topic, checkpoint_every=10), key)
        await relay.ensure_stream()
        for n in (12, 9):
            registration = SeizureRegistration.model_validate(demo_data.seizure(n))
            intake = intake_service.Intake(pool, key)
            await intake_service.register_seizure(intake, CommandContext(OFFICER), registration)
            while await relay.run_once():
                pass
        records = await read_stream(infra.kafka_bootstrap, topic)
        yield CleanLog(records, key, dsn, topic, infra.kafka_bootstrap)
    finally:
        await producer.stop()
        await pool.close()


def _replace(records: list[Record], old: Record, value: bytes) -> list[Record]:
    return [Record(r.partition, r.offset, value) if r is old else r for r in records]


async def test_the_untouched_log_is_clean_and_balanced(clean_log: CleanLog) -> None:
    result = run_audit({"intake": clean_log.records}, {"intake": clean_log.key.public_key()})
    assert result.findings == []
    assert result.streams["intake"].events == 23
    assert result.streams["intake"].checkpointed_through == 23
    assert sorted(e["registered_items"] for e in result.conservation.values()) == [9, 12]
    assert all(e["balanced"] for e in result.conservation.values())


async def test_an_altered_payload_is_named(clean_log: CleanLog) -> None:
    record, wire = clean_log.events()[5]
    wire["data"]["value_vnd"] = 1  # the hash is left as it was
    tampered = _replace(clean_log.records, record, canonical_json(wire))
    # Its seizure no longer adds up to the total intake declared for it either.
    assert clean_log.audit(tampered) == [("altered", 6), ("conservation", None)]


async def test_a_deleted_event_is_named(clean_log: CleanLog) -> None:
    record, _ = clean_log.events()[7]
    assert ("gap", 8) in clean_log.audit([r for r in clean_log.records if r is not record])


async def test_an_inserted_forged_event_is_named(clean_log: CleanLog) -> None:
    _, victim = clean_log.events()[3]
    body = {k: v for k, v in victim.items() if k not in ("sequence", "prevhash", "hash")}
    body["id"] = str(uuid.uuid4())
    body["data"] = {**body["data"], "item_id": str(uuid.uuid4()), "label_code": "FORGED-1"}
    forged, _ = seal(body, victim["sequence"], victim["prevhash"])
    findings = clean_log.audit([*clean_log.records, Record(0, 10**6, canonical_json(forged))])
    assert ("conflicting_duplicate", 4) in findings


async def test_swapped_events_are_named(clean_log: CleanLog) -> None:
    by_partition: dict[int, list[Record]] = {}
    for record, _ in clean_log.events():
        by_partition.setdefault(record.partition, []).append(record)
    first, second = next(rs for rs in by_partition.values() if len(rs) >= 2)[:2]
    swapped = [second if r is first else first if r is second else r for r in clean_log.records]
    assert any(kind == "reordered" for kind, _ in clean_log.audit(swapped))


async def test_a_whole_stream_rewritten_with_recomputed_hashes_is_caught_by_a_signed_checkpoint(
    clean_log: CleanLog,
) -> None:
    prev = "0" * 64
    rewritten: list[Record] = []
    for record, wire in clean_log.events():
        body = {k: v for k, v in wire.items() if k not in ("sequence", "prevhash", "hash")}
        if wire["sequence"] == 2:
            body["data"] = {**body["data"], "quantity": 999}
        sealed, prev = seal(body, wire["sequence"], prev)
        rewritten.append(Record(record.partition, record.offset, canonical_json(sealed)))
    checkpoints = [r for r in clean_log.records if b"tangvat.stream_checkpoint" in r.value]
    findings = clean_log.audit(rewritten + checkpoints)
    assert findings and {kind for kind, _ in findings} == {"checkpoint_mismatch"}
    assert all(seq is not None and seq >= 2 for _, seq in findings)


async def test_tampering_in_the_database_is_named_against_the_checkpoints_on_kafka(clean_log: CleanLog) -> None:
    conn = await connect(clean_log.dsn)
    try:
        assert await audit_database(conn, "intake", clean_log.records, clean_log.key.public_key()) == []
        # Someone with the owner's rights edits a stored event behind the service's back.
        await conn.execute("ALTER TABLE event_record DISABLE TRIGGER event_record_append_only")
        victim = await conn.fetchval("SELECT event_id FROM event WHERE stream_seq = 3")
        await conn.execute(
            """UPDATE event_record SET body = jsonb_set(body, '{data,value_vnd}', '1') WHERE event_id = $1""", victim)
        findings = await audit_database(conn, "intake", clean_log.records, clean_log.key.public_key())
        assert [(f.kind, f.sequence) for f in findings] == [("altered", 3)]
        # ...and then recomputes every hash from there on: the signed checkpoints still disagree.
        rows = await conn.fetch("SELECT event_id, body, stream_seq FROM event ORDER BY stream_seq")
        await conn.execute("ALTER TABLE event_seal DISABLE TRIGGER event_seal_append_only")
        prev = "0" * 64
        for row in rows:
            _, digest = seal(copy.deepcopy(row["body"]), row["stream_seq"], prev)
            await conn.execute("UPDATE event_seal SET prev_hash = $2, hash = $3 WHERE event_id = $1",
                               row["event_id"], prev, digest)
            prev = digest
        findings = await audit_database(conn, "intake", clean_log.records, clean_log.key.public_key())
        assert findings and {f.kind for f in findings} == {"checkpoint_mismatch"}
    finally:
        await conn.close()


async def test_reconciliation_names_a_read_model_that_drifted_from_the_log(clean_log: CleanLog) -> None:
    from tangvat_audit.reconcile import reconcile_intake

    result = run_audit({"intake": clean_log.records}, {"intake": clean_log.key.public_key()})
    drift, stats = await reconcile_intake(clean_log.dsn, result.ledger)
    assert drift == []
    assert stats == {"items_compared": 21, "seizures_compared": 2, "backlog": 0}
    conn = await connect(clean_log.dsn)
    try:
        victim = await conn.fetchval("SELECT item_id::text FROM item ORDER BY line_no LIMIT 1")
        await conn.execute("UPDATE item SET quantity = quantity + 1 WHERE item_id = $1::uuid", victim)
    finally:
        await conn.close()
    drift, _ = await reconcile_intake(clean_log.dsn, result.ledger)
    assert [(f.kind, f.subject) for f in drift] == [("drift", f"item/{victim}")]
    assert "quantity" in drift[0].detail
    conn = await connect(clean_log.dsn)
    try:
        seizure = await conn.fetchval("UPDATE seizure SET total_value_vnd = total_value_vnd + 1 "
                                      "RETURNING seizure_id::text")
    finally:
        await conn.close()
    drift, _ = await reconcile_intake(clean_log.dsn, result.ledger)
    assert ("drift", f"seizure/{seizure}") in [(f.kind, f.subject) for f in drift]


def _pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_the_pdf_report_shows_the_verdict_the_findings_and_every_seizures_balance(clean_log: CleanLog) -> None:
    from tangvat_audit.report_pdf import as_pdf

    public = {"intake": clean_log.key.public_key()}
    clean = run_audit({"intake": clean_log.records}, public)
    text = _pdf_text(as_pdf(clean))
    assert "BÁO CÁO KIỂM TOÁN" in text  # Vietnamese survives: the font has the glyphs
    assert "Verdict: CLEAN" in text
    for seizure_id, entry in clean.conservation.items():
        assert f"seizure {seizure_id}: {entry['registered_items']} items" in text
    assert text.count("— balanced") == 2

    record, wire = clean_log.events()[5]
    wire["data"]["value_vnd"] = 1
    tampered = run_audit({"intake": _replace(clean_log.records, record, canonical_json(wire))}, public)
    text = _pdf_text(as_pdf(tampered))
    assert "Verdict: 2 FINDING(S)" in text  # the altered event, and its seizure's total that no longer adds up
    assert "[altered] intake seq 6" in text
    assert text.count("— balanced") == 1
    assert "content does not match its hash" in text
