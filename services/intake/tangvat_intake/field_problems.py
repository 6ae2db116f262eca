"""A field refused by the request's schema, as a machine-readable code the pages put in words
(`problem.<code>` in static/i18n/intake.js): the same codes for a form's field and for a CSV line's column."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PROBLEM_CODES = ("required", "too_long", "bad_format", "not_one_of", "out_of_range", "not_a_number",
                 "not_a_boolean", "not_a_date", "not_a_list", "invalid")

_BY_TYPE = {
    "missing": "required", "string_too_short": "required", "too_short": "required",
    "string_too_long": "too_long", "too_long": "too_long",
    "string_pattern_mismatch": "bad_format", "uuid_parsing": "bad_format", "uuid_type": "bad_format",
    "enum": "not_one_of", "literal_error": "not_one_of",
    "greater_than": "out_of_range", "greater_than_equal": "out_of_range", "less_than": "out_of_range",
    "less_than_equal": "out_of_range",
    "int_type": "not_a_number", "int_parsing": "not_a_number", "int_from_float": "not_a_number",
    "bool_type": "not_a_boolean", "bool_parsing": "not_a_boolean",
    "datetime_type": "not_a_date", "datetime_parsing": "not_a_date", "datetime_from_date_parsing": "not_a_date",
    "timezone_aware": "not_a_date", "date_type": "not_a_date", "date_parsing": "not_a_date",
    "date_from_datetime_parsing": "not_a_date",
    "list_type": "not_a_list",
}


def problem_code(error: Mapping[str, Any]) -> str:
    """The code of one pydantic error; a blank text refused by a checked type is `required`."""
    kind = str(error.get("type", ""))
    if kind == "value_error" and isinstance(error.get("input"), str) and not error["input"].strip():
        return "required"
    return _BY_TYPE.get(kind, "invalid")
