"""One audit: verify each stream's chain and checkpoints, then replay every item's lifecycle."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tangvat_audit.dead_letters import DeadLetter, DeadLetterCheck
from tangvat_audit.findings import Finding
from tangvat_audit.ledger import Ledger
from tangvat_audit.log_reader import Record
from tangvat_audit.wire import hash_matches
from tangvat_shared.chain import CHECKPOINT_TYPE, Checkpoint, checkpoint_signature_valid, verify_chain


@dataclass
class StreamSummary:
    stream: str
    records: int = 0
    events: int = 0
    duplicates: int = 0
    last_sequence: int = 0
    checkpoints: int = 0
    checkpointed_through: int = 0


@dataclass
class AuditResult:
    streams: dict[str, StreamSummary]
    findings: list[Finding]
    ledger: Ledger
    until: datetime | None = None
    conservation: dict[str, Any] = field(default_factory=dict)
    reconciliation: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Per consumer: its DLQ's records, those that are events of the log (findings), and poison.
    dead_letters: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.findings


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if type(value) is int else None


def _checkpoint(wire: dict[str, Any]) -> Checkpoint:
    """A checkpoint as read from the log; TypeError/ValueError/KeyError if it is not one."""
    checkpoint = Checkpoint.from_wire(wire)
    if not all(isinstance(v, str) for v in (checkpoint.stream, checkpoint.hash, checkpoint.key_id,
                                              checkpoint.signature)):
        raise TypeError("checkpoint fields of the wrong type")
    return checkpoint


def verify_stream(stream: str, records: Sequence[Record], public_key: Ed25519PublicKey | None,
                  summary: StreamSummary, strict_canonical: bool = False
                  ) -> tuple[list[Finding], list[dict[str, Any]]]:
    """Chain, content and checkpoint findings of one stream, and its events (each sequence once)."""
    findings: list[Finding] = []
    lanes: list[tuple[int, dict[str, Any]]] = []
    altered: set[int] = set()  # id() of each event whose bytes do not give its hash (the lanes keep them alive)
    by_seq: dict[int, dict[str, Any]] = {}
    checkpoints: list[Checkpoint] = []
    summary.records = len(records)
    loads, sha256 = orjson.loads, hashlib.sha256
    # One pass per record: decode, check the bytes against their hash, index by sequence.
    for partition, offset, raw in records:
        try:
            wire = loads(raw)
        except orjson.JSONDecodeError:
            wire = None
        if type(wire) is not dict:
            findings.append(Finding("malformed", stream, f"partition {partition} offset {offset}: "
                                    "not a JSON event"))
            continue
        # A record that is no link of the chain is named by where it lies: it may carry no id at all.
        if wire.get("type") == CHECKPOINT_TYPE:
            try:
                checkpoints.append(_checkpoint(wire))
            except (KeyError, ValueError, TypeError):
                findings.append(Finding("malformed", stream, f"partition {partition} offset {offset}: "
                                        "unreadable checkpoint"))
            continue
        if wire.get("source") != stream:
            findings.append(Finding("foreign_event", stream, f"partition {partition} offset {offset}: "
                                    f"an event of source {wire.get('source')!r} in the {stream} stream",
                                    _int(wire.get("sequence")), _str(wire.get("id")), _str(wire.get("subject"))))
            continue
        seq = wire.get("sequence")
        if type(seq) is not int:
            findings.append(Finding("malformed", stream, f"partition {partition} offset {offset}: "
                                    "an event without a sequence number (unchained)", None, _str(wire.get("id")),
                                    _str(wire.get("subject"))))
            continue
        stated = wire.get("hash")
        if strict_canonical or type(stated) is not str:
            intact = hash_matches(raw, wire, strict_canonical=strict_canonical)
        else:  # wire.hash_matches inlined (the same check), without a call per event
            member = b',"hash":"' + stated.encode() + b'"'
            at = raw.rfind(member)
            if at < 0:
                intact = False
            else:
                digest = sha256(raw[:at])
                digest.update(raw[at + len(member):])
                intact = digest.hexdigest() == stated
        if not intact:
            altered.add(id(wire))
        lanes.append((partition, wire))
        if seq in by_seq:
            summary.duplicates += 1
        else:
            by_seq[seq] = wire
    for chain_finding in verify_chain(stream, lanes, checkpoints, public_key,
                                      content_ok=lambda w: id(w) not in altered):
        findings.append(Finding(chain_finding.kind, stream, chain_finding.detail, chain_finding.sequence,
                                chain_finding.event_id))
    valid_checkpoints = [c for c in checkpoints if public_key is None or checkpoint_signature_valid(c, public_key)]
    summary.events = len(by_seq)
    summary.last_sequence = max(by_seq, default=0)
    summary.checkpoints = len(valid_checkpoints)
    summary.checkpointed_through = max((c.sequence for c in valid_checkpoints), default=0)
    return findings, [by_seq[seq] for seq in sorted(by_seq)]


def _handed_over(events: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each event once, in order, and the list lets go of it: an event the fold has read is freed
    right then, while it is still in the CPU cache (and its memory serves the next ones), instead
    of all of them in one cold walk at the end. Empties `events`."""
    events.reverse()
    pop = events.pop
    while events:
        yield pop()


def run_audit(logs: Mapping[str, Sequence[Record]], public_keys: Mapping[str, Ed25519PublicKey],
              until: datetime | None = None, strict_canonical: bool = False,
              dead_letters: Mapping[str, Sequence[DeadLetter]] | None = None) -> AuditResult:
    """Verify and replay `logs` (records by stream); with `dead_letters` (records of each consumer's
    dead-letter topic), name every dead-lettered event of the log as a finding."""
    # Replay allocates a few objects per event and frees none: the cyclic collector would walk
    # the whole growing heap again and again (most of the run time) for nothing to collect.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run_audit(logs, public_keys, until, strict_canonical, DeadLetterCheck(dead_letters or {}))
    finally:
        if gc_was_enabled:
            gc.enable()


def _run_audit(logs: Mapping[str, Sequence[Record]], public_keys: Mapping[str, Ed25519PublicKey],
               until: datetime | None, strict_canonical: bool, dead: DeadLetterCheck) -> AuditResult:
    findings: list[Finding] = []
    summaries: dict[str, StreamSummary] = {}
    ledger = Ledger()
    for stream, records in logs.items():
        summary = summaries[stream] = StreamSummary(stream)
        stream_findings, events = verify_stream(stream, records, public_keys.get(stream), summary, strict_canonical)
        findings += stream_findings
        if wanted := dead.wanted(stream):
            findings += dead.findings(stream, {e["id"]: e for e in events if e.get("id") in wanted})
        if until is not None:
            events = [e for e in events if (t := _parse_time(e.get("time"))) is not None and t <= until]
        ledger.apply_stream(stream, _handed_over(events), in_order=True)
    ledger.finish()
    conservation = ledger.conservation()
    findings += ledger.findings
    return AuditResult(summaries, findings, ledger, until, conservation, dead_letters=dead.summary)


async def audit_database(conn: Any, stream: str, kafka_records: Sequence[Record],
                         public_key: Ed25519PublicKey | None) -> list[Finding]:
    """Verify a service's own copy of its stream (the `event` view) against the signed
    checkpoints read from Kafka: a database rewritten end to end still contradicts them."""
    from tangvat_shared.chain import in_one_lane

    rows = await conn.fetch(
        "SELECT body, stream_seq, prev_hash, hash FROM event WHERE stream_seq IS NOT NULL ORDER BY stream_seq"
    )
    events = []
    for row in rows:
        body = row["body"] if isinstance(row["body"], dict) else orjson.loads(row["body"])
        events.append({**body, "sequence": row["stream_seq"], "prevhash": row["prev_hash"], "hash": row["hash"]})
    checkpoints = []
    for record in kafka_records:
        if record.value and b'"tangvat.stream_checkpoint"' in record.value:
            try:
                wire = orjson.loads(record.value)
                if isinstance(wire, dict) and wire.get("type") == CHECKPOINT_TYPE:
                    checkpoints.append(_checkpoint(wire))
            except (KeyError, ValueError, TypeError):
                continue  # unreadable: verify_stream names it
    return [
        Finding(f.kind, stream, f.detail, f.sequence, f.event_id)
        for f in verify_chain(stream, in_one_lane(events), checkpoints, public_key)
    ]
