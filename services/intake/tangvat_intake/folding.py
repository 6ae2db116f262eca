"""Vietnamese-aware matching: text folded to unaccented lower case, so "bac ninh" finds "Bắc Ninh".

The database keeps each searchable column folded by `tv_fold` (migration 0004), a `translate` over the table
`FOLDS` below written out once; a search folds what the person typed with `fold`, the same table, so both sides
meet (tests/unit/test_intake_folding.py checks that the migration's table is this one)."""

from __future__ import annotations

import unicodedata

from tangvat_shared.like import like_escaped


def _base_letter(char: str) -> str | None:
    """The ASCII letter under a Latin letter with marks (ắ → a, Ơ → O), or None."""
    if char in "đĐ":  # a letter of its own in Vietnamese, with no decomposition: people type it as d
        return "d" if char == "đ" else "D"
    decomposed = unicodedata.normalize("NFD", char)
    base = decomposed[0]
    if len(decomposed) > 1 and base.isascii() and base.isalpha() and all(
            unicodedata.combining(c) for c in decomposed[1:]):
        return base
    return None


def _table() -> dict[str, str]:
    folds: dict[str, str] = {}
    for start, stop in ((0x00C0, 0x0250), (0x1E00, 0x1F00)):  # Latin-1, Extended-A/B, Extended Additional
        for code in range(start, stop):
            base = _base_letter(chr(code))
            if base is not None:
                folds[chr(code)] = base
    folds["Đ"], folds["đ"] = "D", "d"
    return folds


FOLDS = _table()
# Combining marks (text typed decomposed: "a" + U+0306 + U+0301) are dropped.
DROPPED = "".join(chr(c) for c in range(0x0300, 0x0370))
_TRANSLATION = str.maketrans({**FOLDS, **dict.fromkeys(DROPPED)})


def fold(text: str) -> str:
    """Unaccented, lower case, spaces squeezed: what a search column holds and a search looks for."""
    return " ".join(text.translate(_TRANSLATION).lower().split())


def like_contains(text: str) -> str:
    """A LIKE pattern finding `text` folded anywhere (`%`, `_` and `\\` taken literally)."""
    return f"%{like_escaped(fold(text))}%"


def sql_translate_arguments() -> tuple[str, str]:
    """The `from` and `to` strings of the migration's translate(): every folded letter, then the dropped marks."""
    return "".join(FOLDS) + DROPPED, "".join(FOLDS.values())
