"""A CSV of items: a quantity or value is written with the ASCII digits 0-9, and a bad one is named by line."""

from __future__ import annotations

import pytest

from tangvat_intake.csv_import import parse_items_csv
from tangvat_shared.errors import InvalidInput

HEADER = "category,description,quantity,unit,value_vnd,label_code,warehouse_id\n"


def test_plain_digits_are_numbers() -> None:
    items, lines = parse_items_csv((HEADER + "counterfeit,Túi xách,12,cái,3500000,TV-1,KHO-BN-01\n").encode())
    assert (items[0]["quantity"], items[0]["value_vnd"], lines) == (12, 3_500_000, [2])


@pytest.mark.parametrize(("field", "value"), [("quantity", "²"), ("quantity", "٣"), ("quantity", "１２"),
                                              ("value_vnd", "३००"), ("value_vnd", "𝟗"), ("quantity", "-1"),
                                              ("quantity", "1.5")])
def test_a_number_in_other_digits_is_refused_with_its_line_field_and_value(field: str, value: str) -> None:
    row = {"quantity": "1", "value_vnd": "1000"} | {field: value}
    csv = HEADER + "counterfeit,Áo,1,cái,1000,TV-1,KHO-BN-01\n"
    csv += f"counterfeit,Túi xách,{row['quantity']},cái,{row['value_vnd']},TV-2,KHO-BN-01\n"
    with pytest.raises(InvalidInput) as caught:
        parse_items_csv(csv.encode())
    assert caught.value.details == [{"line": 3, "field": field, "message":
                                     f"must be a whole number written with the digits 0-9, got {value!r}"}]
