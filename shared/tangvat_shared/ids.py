"""Random (version 4) UUIDs in bulk: a 76,804-item seizure needs ~154k of them at once."""

from __future__ import annotations

import os


def uuid4_block(count: int) -> bytes:
    """`count` version-4 UUIDs as 16 raw bytes each, from one urandom call: 1.2 MB for 76,804 ids, where
    as strings they would hold 6.5 MB for as long as a command needs them (see `block_strings`)."""
    raw = bytearray(os.urandom(16 * count))
    for i in range(0, 16 * count, 16):
        raw[i + 6] = (raw[i + 6] & 0x0F) | 0x40  # version 4
        raw[i + 8] = (raw[i + 8] & 0x3F) | 0x80  # RFC 4122 variant
    return bytes(raw)


def block_strings(block: bytes, start: int = 0, stop: int | None = None) -> list[str]:
    """The canonical strings of the UUIDs `start` to `stop` of a `uuid4_block`."""
    end = len(block) if stop is None else 16 * stop
    out = []
    for i in range(16 * start, end, 16):
        h = block[i : i + 16].hex()
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out


def uuid4_strings(count: int) -> list[str]:
    """`count` RFC 4122 version-4 UUIDs as canonical strings (one urandom call, ~3x uuid.uuid4())."""
    return block_strings(uuid4_block(count))
