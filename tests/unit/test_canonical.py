"""The fast canonical JSON path must give the RFC 8785 reference's bytes, byte for byte."""

from __future__ import annotations

import random
import string

import pytest
import rfc8785

from tangvat_shared.canonical import canonical_json, sha256_hex

TRICKY_STRINGS = [
    "", "a", "Túi xách giả", "\u0000\u0001\u001f", "\b\f\n\r\t", '"\\/', "\u2028\u2029", "\u007f",
    "emoji 🚚", "\ud7ff\ue000", "Bắc Ninh — 76.804 sản phẩm", "<script>&'",
]


def _random_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.choice(["str", "int", "bool", "none", "list", "dict"] if depth < 3 else ["str", "int", "bool", "none"])
    if kind == "str":
        return rng.choice(TRICKY_STRINGS) + "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 8)))
    if kind == "int":
        return rng.choice([0, 1, -1, 2**53 - 1, -(2**53 - 1), rng.randint(-(10**12), 10**12)])
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "none":
        return None
    if kind == "list":
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {
        "".join(rng.choice(string.ascii_letters + "_") for _ in range(rng.randint(1, 6))): _random_value(rng, depth + 1)
        for _ in range(rng.randint(0, 5))
    }


def test_fast_path_matches_the_reference_on_random_event_shaped_values() -> None:
    rng = random.Random(8785)
    for _ in range(3000):
        value = {"data": _random_value(rng), "id": "x", "sequence": rng.randint(1, 10**9)}
        assert canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("value", [1.5, {"ü": 1}, {"k": [0.1]}, {"\U0001f600": 1, "a": 2}])
def test_values_outside_the_fast_domain_use_the_reference(value: object) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


def test_key_order_does_not_change_the_digest() -> None:
    assert sha256_hex(canonical_json({"b": 1, "a": [1, 2]})) == sha256_hex(canonical_json({"a": [1, 2], "b": 1}))


def test_integers_beyond_the_exact_double_range_are_refused_like_the_reference() -> None:
    with pytest.raises(rfc8785.IntegerDomainError):
        canonical_json({"big": 2**60})
