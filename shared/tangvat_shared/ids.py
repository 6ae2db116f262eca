"""Random (version 4) UUIDs in bulk: a 76,804-item seizure needs ~154k of them at once."""

from __future__ import annotations

import os


def uuid4_strings(count: int) -> list[str]:
    """`count` RFC 4122 version-4 UUIDs as canonical strings (one urandom call, ~3x uuid.uuid4())."""
    raw = bytearray(os.urandom(16 * count))
    out = []
    for i in range(0, 16 * count, 16):
        raw[i + 6] = (raw[i + 6] & 0x0F) | 0x40  # version 4
        raw[i + 8] = (raw[i + 8] & 0x3F) | 0x80  # RFC 4122 variant
        h = raw[i : i + 16].hex()
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out
