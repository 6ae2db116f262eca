"""Every code a CSV line or a refused field can get from intake has words in both languages on the pages."""

from __future__ import annotations

import pytest

from tangvat_intake.csv_import import FILE_CODES
from tangvat_intake.field_problems import PROBLEM_CODES
from tangvat_intake.search import SeizureState
from tests.unit.test_words_in_both_languages import tables


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_csv_and_field_problem_has_words(lang: str) -> None:
    words = tables()[lang]
    assert [c for c in FILE_CODES if f"csv.{c}" not in words] == []
    assert [c for c in PROBLEM_CODES if f"problem.{c}" not in words] == []
    assert [s.value for s in SeizureState if s.value != "undecided" and f"legal_status.{s.value}" not in words] == []
    assert "intake.state.undecided" in words


def test_the_vietnamese_words_are_not_the_english_ones() -> None:
    vi, en = tables()["vi"], tables()["en"]
    same = [k for k in vi if k.startswith(("csv.", "problem.", "intake.")) and vi[k] == en[k]]
    assert same == []
