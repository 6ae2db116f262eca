"""Vietnamese-aware matching: folded text is unaccented lower case, and the database's tv_fold is the same table."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from tangvat_intake.folding import fold, like_contains, sql_translate_arguments
from tangvat_intake.search import SeizureState, build_search, cursor
from tangvat_shared.errors import InvalidInput


@pytest.mark.parametrize(("typed", "kept"), [
    ("Bắc Ninh", "bac ninh"), ("ĐỒNG HỒ  giả", "dong ho gia"), ("Thừa Thiên Huế", "thua thien hue"),
    ("Ba\u0306\u0301c Ninh", "bac ninh"),  # typed decomposed: the marks are dropped
    ("Quảng Ngãi — Sơn Tịnh", "quang ngai — son tinh"), ("GUCCI", "gucci"),
])
def test_folding_drops_the_marks_and_the_case(typed: str, kept: str) -> None:
    assert fold(typed) == kept


def test_a_search_pattern_finds_the_words_anywhere_and_takes_like_specials_literally() -> None:
    assert like_contains("bac NINH") == "%bac ninh%"
    assert like_contains("50%_off\\") == "%50\\%\\_off\\\\%"


def test_the_migrations_tv_fold_is_the_same_table() -> None:
    sql = (resources.files("tangvat_intake.migrations") / "0004_seizure_search.sql").read_text(encoding="utf-8")
    match = re.search(r"translate\(\$1,\s*'([^']*)' \|\| U&'([^']*)',\s*'([^']*)'\)", sql)
    assert match is not None
    letters, marks, to = match.groups()
    marks = "".join(chr(int(code, 16)) for code in re.findall(r"\\([0-9A-F]{4})", marks))
    assert (letters + marks, to) == sql_translate_arguments()


def test_dates_are_days_of_vietnam_time_and_the_last_day_is_included() -> None:
    from datetime import date

    search = build_search(seized_from=date(2026, 11, 25), seized_to=date(2026, 11, 25))
    assert search.seized_from is not None and search.seized_until is not None
    assert search.seized_from.isoformat() == "2026-11-25T00:00:00+07:00"
    assert search.seized_until.isoformat() == "2026-11-26T00:00:00+07:00"


def test_a_page_cursor_comes_back_as_the_instant_and_id_it_names() -> None:
    import uuid
    from datetime import UTC, datetime

    at, seizure_id = datetime(2026, 11, 25, 1, 2, 3, 456789, tzinfo=UTC), uuid.uuid4()
    assert build_search(after=cursor(at, seizure_id)).before == (at, seizure_id)
    with pytest.raises(InvalidInput) as caught:
        build_search(after="12.not-an-id")
    assert caught.value.code == "invalid_cursor"


def test_the_state_filter_and_a_reversed_range() -> None:
    from datetime import date

    assert build_search(state=SeizureState.UNDECIDED).undecided
    assert build_search(state=SeizureState.CONFISCATED).legal_status == "confiscated"
    with pytest.raises(InvalidInput) as caught:
        build_search(seized_from=date(2026, 11, 25), seized_to=date(2026, 11, 24))
    assert caught.value.code == "invalid_date_range"
    with pytest.raises(InvalidInput):
        build_search(seized_to=date(9999, 12, 31))
