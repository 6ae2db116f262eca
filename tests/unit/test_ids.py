"""Version-4 UUIDs in bulk: one block of random bytes, formatted a slice at a time, the same ids every time."""

from __future__ import annotations

import uuid

from tangvat_shared.ids import block_strings, uuid4_block, uuid4_strings


def test_a_block_holds_random_version_4_ids() -> None:
    ids = [uuid.UUID(s) for s in block_strings(uuid4_block(1000))]
    assert len(set(ids)) == 1000
    assert {u.version for u in ids} == {4} and {u.variant for u in ids} == {uuid.RFC_4122}


def test_slices_of_a_block_are_the_same_ids_in_order() -> None:
    block = uuid4_block(7)
    whole = block_strings(block)
    assert block_strings(block, 0, 3) + block_strings(block, 3, 6) + block_strings(block, 6, 7) == whole
    assert block_strings(block, 2, 4) == whole[2:4] == block_strings(block, 2, 4)
    assert all(str(uuid.UUID(s)) == s for s in whole)


def test_uuid4_strings_are_canonical() -> None:
    strings = uuid4_strings(5)
    assert len(set(strings)) == 5 and all(uuid.UUID(s).version == 4 and str(uuid.UUID(s)) == s for s in strings)
