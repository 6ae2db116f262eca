"""Checking one record's bytes against the hash it carries, without re-serialising it.

The relay publishes canonical bytes with the `"hash"` member spliced in; removing exactly that
member gives back the bytes the hash was computed over.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tangvat_shared.canonical import canonical_json


def hash_matches(raw: bytes, wire: dict[str, Any], *, strict_canonical: bool = False) -> bool:
    stated = wire.get("hash")
    if not isinstance(stated, str):
        return False
    member = b',"hash":"' + stated.encode() + b'"'
    at = raw.rfind(member)
    if at < 0:
        return False
    unhashed = raw[:at] + raw[at + len(member):]
    if hashlib.sha256(unhashed).hexdigest() != stated:
        return False
    if strict_canonical:
        return canonical_json({k: v for k, v in wire.items() if k != "hash"}) == unhashed
    return True
