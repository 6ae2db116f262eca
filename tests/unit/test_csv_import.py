"""A CSV of items: every bad line is named in one pass by its line in the file (the header is line 1), its
column, the value as written and a code; a quantity or value is written with the ASCII digits 0-9."""

from __future__ import annotations

import pytest

from tangvat_intake.csv_import import FILE_CODES, line_problems, read_items
from tangvat_intake.field_problems import PROBLEM_CODES
from tangvat_shared.errors import InvalidInput

HEADER = "category,description,quantity,unit,value_vnd,label_code,warehouse_id\n"


def _codes(problems: list[dict[str, object]]) -> list[tuple[object, object, object, object]]:
    return [(p["line"], p["field"], p["code"], p["value"]) for p in problems]


def test_plain_digits_are_numbers() -> None:
    reading = read_items((HEADER + "counterfeit,Túi xách,12,cái,3500000,TV-1,KHO-BN-01\n").encode())
    (item,) = reading.items
    assert item is not None
    assert (item.quantity, item.value_vnd, reading.lines, reading.problems) == (12, 3_500_000, [2], [])


@pytest.mark.parametrize(("field", "value"), [("quantity", "²"), ("quantity", "٣"), ("quantity", "１２"),
                                              ("value_vnd", "३००"), ("value_vnd", "𝟗"), ("quantity", "-1"),
                                              ("quantity", "1.5")])
def test_a_number_in_other_digits_is_refused_with_its_line_field_and_value(field: str, value: str) -> None:
    row = {"quantity": "1", "value_vnd": "1000"} | {field: value}
    csv = HEADER + "counterfeit,Áo,1,cái,1000,TV-1,KHO-BN-01\n"
    csv += f"counterfeit,Túi xách,{row['quantity']},cái,{row['value_vnd']},TV-2,KHO-BN-01\n"
    reading = read_items(csv.encode())
    assert _codes(reading.problems) == [(3, field, "not_a_number", value)]
    assert reading.problems[0]["message"] == f"must be a whole number written with the digits 0-9, got {value!r}"
    assert reading.items[1] is None and reading.items[0] is not None


def test_every_bad_line_is_reported_at_once_with_its_line_in_the_file() -> None:
    csv = HEADER + "\n".join([
        "counterfeit,Túi xách,3,cái,450000,TV-1,KHO-BN-01",      # line 2: good
        "counterfeit,Túi xách,3,cái,450000,TV-1,KHO-BN-01",      # line 3: the label of line 2 again
        "hàng giả,Áo,0,cái,,TV-3,KHO-BN-01",                     # line 4: no such category, 0, no value
        '"Đồng hồ, giả",x',                                       # line 5: two fields, not seven
        "smuggled,Rượu,2,chai,100000,TV-5,KHO-XX-99",            # line 6: a warehouse nobody registered
        "smuggled,Rượu,2,chai,100000,TV-6,KHO-BN-01",            # line 7: its label is already in use
    ]) + "\n"
    reading = read_items(csv.encode())
    problems = line_problems(reading, labels_taken={"TV-6"}, unknown_warehouses={"KHO-XX-99"})
    assert _codes(problems) == [
        (3, "label_code", "duplicate_in_file", "TV-1"),
        (4, "value_vnd", "required", ""),
        (4, "category", "not_one_of", "hàng giả"),
        (4, "quantity", "out_of_range", "0"),
        (5, None, "wrong_field_count", None),
        (6, "warehouse_id", "unknown_warehouse", "KHO-XX-99"),
        (7, "label_code", "label_in_use", "TV-6"),
    ]
    assert problems[0]["first_line"] == 2 and problems[0]["message"] == "duplicate of line 2: TV-1"


def test_a_quoted_cell_over_two_lines_names_the_line_its_row_starts_on() -> None:
    csv = HEADER + 'counterfeit,"Túi\nxách",1,cái,1000,TV-1,KHO-BN-01\ncounterfeit,Áo,x,cái,1000,TV-2,KHO-BN-01\n'
    assert _codes(read_items(csv.encode()).problems) == [(4, "quantity", "not_a_number", "x")]


@pytest.mark.parametrize(("raw", "code", "line"), [
    (b"category,description\n", "missing_column", 1),
    ((HEADER.rstrip() + ",colour\n").encode(), "unknown_column", 1),
    ((HEADER + "counterfeit,\xc3\n").encode("latin-1"), "not_utf8", 2),
    ((HEADER + "counterfeit,a\x00b,1,c,1,TV-1,K\n").encode(), "nul_byte", 2),
    (HEADER.encode(), "no_rows", None),
])
def test_a_file_that_is_no_table_is_refused_at_once_with_a_code(raw: bytes, code: str, line: int | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_items(raw)
    assert caught.value.code == "invalid_csv"
    assert (caught.value.details[0]["code"], caught.value.details[0]["line"]) == (code, line)


def test_every_problem_code_is_one_the_pages_know() -> None:
    """The codes a CSV line can get are those of csv_import.FILE_CODES and field_problems.PROBLEM_CODES: the
    pages' words (tests/unit/test_intake_words.py) cover exactly these."""
    csv = HEADER + "x,,a,,1.5,bad code!,\n"
    reading = read_items(csv.encode())
    assert {p["code"] for p in reading.problems} <= set(FILE_CODES) | set(PROBLEM_CODES)
    assert {p["code"] for p in reading.problems} >= {"not_one_of", "required", "not_a_number", "bad_format"}
