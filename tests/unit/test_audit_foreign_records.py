"""Records nobody's relay wrote (garbage, unsigned envelopes, forged checkpoints) on a topic: the auditor
names each one by partition and offset, and never crashes on it."""

from __future__ import annotations

import uuid

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tangvat_audit.audit import audit_database, run_audit
from tangvat_audit.log_reader import Record

CHECKPOINT = {"type": "tangvat.stream_checkpoint", "source": "intake", "time": "2022-07-25T09:30:00+07:00",
              "keyid": "k", "signature": "AA", "data": {"stream": "intake", "sequence": 1, "hash": "0" * 64}}
FOREIGN = {
    "not JSON": b"\x00\xff{ this is not JSON",
    "empty": b"",
    "a JSON array": b"[1, 2]",
    "no source": orjson.dumps({"hello": "world"}),
    "unsequenced envelope": orjson.dumps({"specversion": "1.0", "id": str(uuid.uuid4()), "source": "intake",
                                          "type": "intake.item_registered", "data": {"item_id": "not-a-uuid"}}),
    "sequence not a number": orjson.dumps({"source": "intake", "type": "intake.item_registered", "sequence": "7"}),
    "checkpoint signature not a string": orjson.dumps({**CHECKPOINT, "signature": 5}),
    "checkpoint stream not a string": orjson.dumps({**CHECKPOINT, "data": {**CHECKPOINT["data"], "stream": [1]}}),
}


@pytest.mark.parametrize("value", FOREIGN.values(), ids=FOREIGN.keys())
def test_a_foreign_record_is_named_by_where_it_lies(value: bytes) -> None:
    key = Ed25519PrivateKey.generate().public_key()
    result = run_audit({"intake": [Record(4, 17, value)]}, {"intake": key})
    assert [f.detail.split(":")[0] for f in result.findings] == ["partition 4 offset 17"]


async def test_the_database_check_skips_what_it_cannot_read() -> None:
    class NoEvents:
        async def fetch(self, *_: object) -> list[object]:
            return []

    records = [Record(0, 0, b'garbage "tangvat.stream_checkpoint"'), Record(0, 1, orjson.dumps({**CHECKPOINT,
               "signature": 5})), Record(0, 2, orjson.dumps({"note": "tangvat.stream_checkpoint"}))]
    assert await audit_database(NoEvents(), "intake", records, None) == []
