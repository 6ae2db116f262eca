"""Canonical JSON (RFC 8785) and the SHA-256 digests the event chain is built from.

The `rfc8785` library is the definition. For the value domain our events use (strings,
integers within IEEE-754's exact range, booleans, null, lists, objects with ASCII keys)
orjson with sorted keys produces the same bytes ~50x faster; anything outside that domain
(floats, huge integers, non-ASCII keys) goes through the library. tests/unit/test_canonical.py
holds the two to the same bytes.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import rfc8785

_MAX_SAFE_INT = 2**53 - 1


def _fast_path_ok(value: Any) -> bool:
    # Leaves are checked inline, without a call each: an event has ~30 of them.
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                return False
            leaf = type(item)
            if leaf is str or leaf is bool or item is None:
                continue
            if leaf is int:
                if -_MAX_SAFE_INT <= item <= _MAX_SAFE_INT:
                    continue
                return False
            if (leaf is dict or leaf is list) and _fast_path_ok(item):
                continue
            return False
        return True
    if kind is list:
        for item in value:
            leaf = type(item)
            if leaf is str or leaf is bool or item is None:
                continue
            if leaf is int:
                if -_MAX_SAFE_INT <= item <= _MAX_SAFE_INT:
                    continue
                return False
            if (leaf is dict or leaf is list) and _fast_path_ok(item):
                continue
            return False
        return True
    if kind is str or kind is bool or value is None:
        return True
    return kind is int and -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of a JSON value made of dicts, lists, str, int, bool and None."""
    if _fast_path_ok(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # e.g. a lone surrogate: let the reference implementation decide
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
