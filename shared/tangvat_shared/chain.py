"""The tamper-evident chain of a stream and its signed checkpoints.

hash(n) = SHA-256(RFC 8785 JSON of event n including `sequence` and `prevhash`, without `hash`),
prevhash(n) = hash(n-1), prevhash(1) = 64 zeros. A checkpoint signs (stream, sequence, hash)
with the service's Ed25519 key: whoever rewrites a stream and recomputes every hash still
cannot produce the signature an earlier checkpoint carries.
"""

from __future__ import annotations

import base64
import itertools
import uuid
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tangvat_shared.canonical import canonical_json, sha256_hex
from tangvat_shared.envelope import GENESIS_HASH

CHECKPOINT_TYPE = "tangvat.stream_checkpoint"


_ID_KEY = b',"id":"'


_SCHEMAVERSION_KEY = b',"schemaversion":'
_SOURCE_KEY = b',"source":"'


def seal_canonical(unsealed: bytes, sequence: int, prev_hash: str) -> tuple[bytes, str]:
    """`seal_to_wire` working on the canonical bytes of an unsequenced envelope, without parsing.

    Sorted, the envelope's members run ... "data", "datacontenttype", ["hash"], "id", ["prevhash"],
    "schemaversion", ["sequence"], "source", ...; everything from "id" on is a scalar, and a quote
    inside a string is always escaped, so the last `,"id":"`, `,"schemaversion":` and
    `,"source":"` are the envelope's own. The chain members are spliced in right there.
    """
    at_id = unsealed.rfind(_ID_KEY)
    at_version = unsealed.rfind(_SCHEMAVERSION_KEY)
    at_source = unsealed.rfind(_SOURCE_KEY)
    tail = unsealed[at_id:]
    if not 0 < at_id < at_version < at_source or b"{" in tail or b"[" in tail:
        # Not the shape above (or a bracket inside a string, which costs only the slow path).
        return seal_to_wire(orjson.loads(unsealed), sequence, prev_hash)
    unhashed = b"".join((
        unsealed[:at_version], b',"prevhash":"', prev_hash.encode(), b'"',
        unsealed[at_version:at_source], b',"sequence":', str(sequence).encode(),
        unsealed[at_source:],
    ))
    digest = sha256_hex(unhashed)
    return unhashed[:at_id] + b',"hash":"' + digest.encode() + b'"' + unhashed[at_id:], digest


def seal_to_wire(body: dict[str, Any], sequence: int, prev_hash: str) -> tuple[bytes, str]:
    """An unsequenced envelope body given its place in the chain (`sequence`, `prevhash`, and the `hash` over
    both), as wire bytes (canonical JSON with the hash) from one canonicalisation.

    In canonical form the envelope's top-level keys are sorted, "hash" falls just before "id",
    and every top-level member after "id" is a scalar; so the last `,"id":"` in the bytes is the
    top-level key (inside strings a quote is always escaped). The hash member goes right there.
    tests/unit/test_chain.py holds this equal to canonical_json of the plainly sealed body (tests/support/events.py).
    """
    sealed = dict(body)
    sealed["sequence"] = sequence
    sealed["prevhash"] = prev_hash
    unhashed = canonical_json(sealed)
    digest = sha256_hex(unhashed)
    at = unhashed.rfind(_ID_KEY)
    spliceable = at > 0 and "id" in sealed and not any(
        isinstance(v, dict | list) for k, v in sealed.items() if k > "id"
    )
    if not spliceable:
        sealed["hash"] = digest
        return canonical_json(sealed), digest
    return unhashed[:at] + b',"hash":"' + digest.encode() + b'"' + unhashed[at:], digest


def recompute_hash(wire: dict[str, Any]) -> str:
    body = {k: v for k, v in wire.items() if k != "hash"}
    return sha256_hex(canonical_json(body))


def _checkpoint_message(stream: str, sequence: int, digest: str) -> bytes:
    return canonical_json({"stream": stream, "sequence": sequence, "hash": digest})


@dataclass(frozen=True)
class Checkpoint:
    stream: str
    sequence: int
    hash: str
    signed_at: datetime
    key_id: str
    signature: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "specversion": "1.0",
            "type": CHECKPOINT_TYPE,
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"tangvat:{self.stream}:{self.sequence}")),
            "source": self.stream,
            "time": self.signed_at.isoformat(),
            "data": {"stream": self.stream, "sequence": self.sequence, "hash": self.hash},
            "keyid": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> Checkpoint:
        data = wire["data"]
        return cls(
            stream=data["stream"],
            sequence=int(data["sequence"]),
            hash=data["hash"],
            signed_at=datetime.fromisoformat(wire["time"]),
            key_id=wire["keyid"],
            signature=wire["signature"],
        )


def sign_checkpoint(
    key: Ed25519PrivateKey, key_id: str, stream: str, sequence: int, digest: str
) -> Checkpoint:
    signature = key.sign(_checkpoint_message(stream, sequence, digest))
    return Checkpoint(
        stream=stream,
        sequence=sequence,
        hash=digest,
        signed_at=datetime.now(UTC),
        key_id=key_id,
        signature=base64.urlsafe_b64encode(signature).decode().rstrip("="),
    )


def checkpoint_signature_valid(checkpoint: Checkpoint, key: Ed25519PublicKey) -> bool:
    padded = checkpoint.signature + "=" * (-len(checkpoint.signature) % 4)
    try:
        key.verify(
            base64.urlsafe_b64decode(padded),
            _checkpoint_message(checkpoint.stream, checkpoint.sequence, checkpoint.hash),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class ChainFinding:
    stream: str
    sequence: int | None
    event_id: str | None
    kind: str  # altered | gap | inserted | reordered | broken_link | conflicting_duplicate | checkpoint_*
    detail: str


def in_one_lane(events: Iterable[dict[str, Any]]) -> list[tuple[Hashable, dict[str, Any]]]:
    """Events read from one ordered source (a table by sequence, a one-partition topic)."""
    return [(0, e) for e in events]


def verify_chain(
    stream: str,
    records: Iterable[tuple[Hashable, dict[str, Any]]],
    checkpoints: Iterable[Checkpoint] = (),
    public_key: Ed25519PublicKey | None = None,
    content_ok: Callable[[dict[str, Any]], bool] | None = None,
) -> list[ChainFinding]:
    """Check a stream's wire events against the chain rules.

    `content_ok` tells whether an event's content matches its hash; by default the hash is
    recomputed from the parsed event (the auditor checks the raw bytes instead, faster).

    `records` are (lane, event) in arrival order; a lane is an ordered source such as a Kafka
    partition, and only within a lane must sequences rise. Exact duplicates (a relay
    re-publishing after a crash) are not findings; two different events claiming one
    sequence number are.
    """
    findings: list[ChainFinding] = []
    by_seq: dict[int, dict[str, Any]] = {}
    arrival: dict[Hashable, list[int]] = {}
    for lane, wire in records:
        seq = wire.get("sequence")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            findings.append(ChainFinding(stream, None, wire.get("id"), "malformed",
                                         "no sequence" if seq is None else f"invalid sequence {seq!r}"))
            continue
        if seq in by_seq:
            if by_seq[seq].get("hash") != wire.get("hash") or by_seq[seq] != wire:
                findings.append(
                    ChainFinding(stream, seq, wire.get("id"), "conflicting_duplicate",
                                 f"two different events claim sequence {seq}")
                )
            continue
        by_seq[seq] = wire
        arrival.setdefault(lane, []).append(seq)

    for order in arrival.values():
        for earlier, later in itertools.pairwise(order):
            if later < earlier:
                findings.append(
                    ChainFinding(stream, later, by_seq[later].get("id"), "reordered",
                                 f"sequence {later} arrived after {earlier}")
                )

    expected_prev = GENESIS_HASH
    previous = 0
    # Walk the sequences present, not every number up to the highest: a forged event claiming
    # sequence 10**12 is one finding (and one gap), not a trillion.
    for seq in sorted(by_seq):
        found = by_seq[seq]
        if seq > previous + 1:
            missing = seq - previous - 1
            detail = (f"sequence {previous + 1} is missing" if missing == 1
                      else f"sequences {previous + 1} to {seq - 1} are missing ({missing} events)")
            findings.append(ChainFinding(stream, previous + 1, None, "gap", detail))
            expected_prev = ""  # unknown: the next link cannot be checked against it
        previous = seq
        intact = content_ok(found) if content_ok else recompute_hash(found) == found.get("hash")
        if not intact:
            findings.append(
                ChainFinding(stream, seq, found.get("id"), "altered",
                             "content does not match its hash")
            )
        if expected_prev and found.get("prevhash") != expected_prev:
            findings.append(
                ChainFinding(stream, seq, found.get("id"), "broken_link",
                             "prevhash does not match the previous event's hash")
            )
        expected_prev = str(found.get("hash"))

    for checkpoint in checkpoints:
        if checkpoint.stream != stream:
            continue
        if public_key is not None and not checkpoint_signature_valid(checkpoint, public_key):
            findings.append(
                ChainFinding(stream, checkpoint.sequence, None, "checkpoint_forged",
                             "checkpoint signature does not verify")
            )
            continue
        covered = by_seq.get(checkpoint.sequence)
        if covered is None:
            findings.append(
                ChainFinding(stream, checkpoint.sequence, None, "checkpoint_missing_event",
                             "a signed checkpoint names an event the stream lacks")
            )
        elif covered.get("hash") != checkpoint.hash:
            findings.append(
                ChainFinding(stream, checkpoint.sequence, covered.get("id"), "checkpoint_mismatch",
                             "the stream was rewritten after this signed checkpoint")
            )
    return findings
