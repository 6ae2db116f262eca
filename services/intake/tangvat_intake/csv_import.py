"""Reading a CSV of items into registration rows, reporting every bad line in one pass by its line number in the
file (the header is line 1), its column, the value as written and a code the page puts in words."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from tangvat_intake.field_problems import problem_code
from tangvat_intake.schemas import MAX_ITEMS, ItemIn
from tangvat_shared.errors import InvalidInput

REQUIRED = ("category", "description", "quantity", "unit", "value_vnd", "label_code", "warehouse_id")
OPTIONAL = ("brand", "perishable", "hazardous", "condition", "photos")
INTEGERS = ("quantity", "value_vnd")
BOOLEANS = ("perishable", "hazardous")
_TRUE, _FALSE = {"true", "1", "yes", "y", "x", "có"}, {"false", "0", "no", "n", "", "không"}
MAX_REPORTED = 1000
# The file's own problems (besides the field codes of field_problems): each has words, `csv.<code>`.
FILE_CODES = ("not_utf8", "nul_byte", "malformed", "missing_column", "unknown_column", "no_rows", "too_many_items",
              "wrong_field_count", "duplicate_in_file", "label_in_use", "unknown_warehouse")


def problem(line: int | None, field: str | None, code: str, value: str | None = None,
            message: str = "", **more: Any) -> dict[str, Any]:
    """One bad line: where (line, column), what was written there, why (a code), and an English message."""
    return {"line": line, "field": field, "code": code, "value": value, "message": message or code, **more}


def _refused(message: str, problems: list[dict[str, Any]], code: str = "invalid_csv") -> InvalidInput:
    return InvalidInput(message, code=code, details=problems[:MAX_REPORTED])


@dataclass(frozen=True)
class CsvItems:
    """The rows of a file: the item of each good line (None where the line is bad), its line, and the problems."""

    items: list[ItemIn | None]
    lines: list[int]
    problems: list[dict[str, Any]]


def _decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _refused("CSV is not UTF-8", [problem(line, None, "not_utf8", None,
                                                    f"byte {exc.start} is not UTF-8")]) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _refused("CSV contains a NUL byte", [problem(line, None, "nul_byte", None, "NUL byte")])
    return text


def _cell(line: int, field: str, value: str, problems: list[dict[str, Any]]) -> Any:
    """A cell as the item's schema takes it; a number or a yes/no that is not one is a problem of its own."""
    if field in INTEGERS:
        # str.isdigit() also says yes to "²", "٣" and full-width digits: int() refuses the first and silently
        # reads the others, so only ASCII digits are a number here.
        if not (value.isascii() and value.isdigit()):
            problems.append(problem(line, field, "not_a_number", value,
                                    f"must be a whole number written with the digits 0-9, got {value!r}"))
            return None
        return int(value)
    if field in BOOLEANS:
        if value.lower() not in _TRUE | _FALSE:
            problems.append(problem(line, field, "not_a_boolean", value, f"must be true or false, got {value!r}"))
            return None
        return value.lower() in _TRUE
    if field == "photos":
        return [p for p in value.replace("|", ";").split(";") if p]
    return value


def _item(line: int, row: dict[str, str], problems: list[dict[str, Any]]) -> ItemIn | None:
    values: dict[str, Any] = {}
    bad_cells = len(problems)
    for field, raw_value in row.items():
        value = raw_value.strip()
        if not value:
            if field in REQUIRED:
                problems.append(problem(line, field, "required", value, f"{field} is required"))
                values[field] = None
            continue
        values[field] = _cell(line, field, value, problems)
    try:
        item = ItemIn.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            column = str(error["loc"][0]) if error["loc"] else None
            if column is not None and values.get(column, "") is None:
                continue  # already named as not a number / not a yes-no / required
            written = row.get(column, "") if column else None
            problems.append(problem(line, column, problem_code(error), written, error["msg"]))
        return None
    return item if len(problems) == bad_cells else None


def read_items(raw: bytes) -> CsvItems:
    """Every line of the file read; a file that cannot be read as a table (not UTF-8, NUL, a broken quote, a wrong
    header, no rows, too many) is refused at once (`invalid_csv` / `too_many_items`), with what is known so far."""
    reader = csv.DictReader(io.StringIO(_decode(raw), newline=""), strict=True)
    try:
        header = list(reader.fieldnames or [])
    except csv.Error as exc:
        raise _refused("CSV header is malformed", [problem(1, None, "malformed", None, str(exc))]) from None
    missing = [h for h in REQUIRED if h not in header]
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
    if missing or unknown:
        raise _refused("CSV header is wrong", [problem(1, h, "missing_column", None, "missing column") for h in missing]
                       + [problem(1, h, "unknown_column", h, "unknown column") for h in unknown])
    items: list[ItemIn | None] = []
    lines: list[int] = []
    problems: list[dict[str, Any]] = []
    line = 1
    try:
        for row in reader:
            start = line + 1  # a quoted cell may span lines: the row is named by the line it starts on
            line = reader.line_num
            if len(items) >= MAX_ITEMS:
                raise _refused(f"more than {MAX_ITEMS} items", [problem(start, None, "too_many_items", None,
                                                                        f"item {MAX_ITEMS + 1} exceeds the limit")],
                               code="too_many_items")
            lines.append(start)
            if None in row or any(v is None for v in row.values()):
                problems.append(problem(start, None, "wrong_field_count", None, "wrong number of fields",
                                        expected=len(header)))
                items.append(None)
                continue
            items.append(_item(start, row, problems))
    except csv.Error as exc:
        raise _refused("CSV is malformed", [*problems, problem(reader.line_num, None, "malformed", None,
                                                               str(exc))]) from None
    if not items:
        raise _refused("CSV has no items", [problem(None, None, "no_rows", None, "no rows")])
    return CsvItems(items, lines, problems)


def line_problems(reading: CsvItems, labels_taken: Collection[str], unknown_warehouses: Collection[str]
                  ) -> list[dict[str, Any]]:
    """The lines the file's rows cannot be registered as, against each other and against what exists: a label
    code twice in the file (the later lines name the first), a label already in use, a warehouse custody never
    registered; with the lines' own problems, in line order."""
    found = list(reading.problems)
    first_line: dict[str, int] = {}
    for item, line in zip(reading.items, reading.lines, strict=True):
        if item is None:
            continue
        earlier = first_line.setdefault(item.label_code, line)
        if earlier != line:
            found.append(problem(line, "label_code", "duplicate_in_file", item.label_code,
                                 f"duplicate of line {earlier}: {item.label_code}", first_line=earlier))
        elif item.label_code in labels_taken:
            found.append(problem(line, "label_code", "label_in_use", item.label_code,
                                 f"label {item.label_code} is already in use"))
        if item.warehouse_id in unknown_warehouses:
            found.append(problem(line, "warehouse_id", "unknown_warehouse", item.warehouse_id,
                                 f"no warehouse {item.warehouse_id} is registered"))
    return sorted(found, key=lambda p: (p["line"] or 0))


def good_items(reading: CsvItems) -> Sequence[ItemIn]:
    """The rows of a file without problems (every line good)."""
    return [item for item in reading.items if item is not None]


def refuse(problems: list[dict[str, Any]]) -> InvalidInput:
    return _refused(f"{len(problems)} problem(s) in the CSV", problems)
