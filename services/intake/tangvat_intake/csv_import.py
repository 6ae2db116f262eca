"""Reading a CSV of items into registration rows, reporting every bad line by number."""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError

from tangvat_intake.schemas import MAX_ITEMS, SeizureFields, SeizureRegistration
from tangvat_shared.errors import InvalidInput

REQUIRED = ("category", "description", "quantity", "unit", "value_vnd", "label_code", "warehouse_id")
OPTIONAL = ("brand", "perishable", "hazardous", "condition", "photos")
INTEGERS = ("quantity", "value_vnd")
BOOLEANS = ("perishable", "hazardous")
_TRUE, _FALSE = {"true", "1", "yes", "y", "x", "có"}, {"false", "0", "no", "n", "", "không"}


def _problem(line: int | None, field: str | None, message: str) -> dict[str, Any]:
    return {"line": line, "field": field, "message": message}


def parse_items_csv(raw: bytes) -> tuple[list[dict[str, Any]], list[int]]:
    """Return (item dicts, the line number each starts on); raise InvalidInput listing every bad line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("CSV is not UTF-8", code="invalid_csv",
                           details=[_problem(None, None, f"byte {exc.start} is not UTF-8")]) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InvalidInput("CSV contains a NUL byte", code="invalid_csv", details=[_problem(line, None, "NUL byte")])
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise InvalidInput("CSV header is malformed", code="invalid_csv",
                           details=[_problem(1, None, str(exc))]) from None
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
    missing = [h for h in REQUIRED if h not in header]
    if missing or unknown:
        details = [_problem(1, h, "missing column") for h in missing]
        details += [_problem(1, h, "unknown column") for h in unknown]
        raise InvalidInput("CSV header is wrong", code="invalid_csv", details=details)

    items: list[dict[str, Any]] = []
    lines: list[int] = []
    problems: list[dict[str, Any]] = []
    line = 1
    try:
        for row in reader:
            start = line + 1
            line = reader.line_num
            if len(items) >= MAX_ITEMS:
                raise InvalidInput(f"more than {MAX_ITEMS} items", code="too_many_items",
                                   details=[_problem(start, None, f"item {MAX_ITEMS + 1} exceeds the limit")])
            if None in row or any(v is None for v in row.values()):
                problems.append(_problem(start, None, "wrong number of fields"))
                continue
            item: dict[str, Any] = {}
            for field, value in row.items():
                value = value.strip()
                if field in INTEGERS:
                    # str.isdigit() also says yes to "²", "٣" and full-width digits: int() refuses the first and
                    # silently reads the others, so only ASCII digits are a number here.
                    if not (value.isascii() and value.isdigit()):
                        problems.append(_problem(start, field, "must be a whole number written with the digits 0-9, "
                                                 f"got {value!r}"))
                        continue
                    item[field] = int(value)
                elif field in BOOLEANS:
                    lowered = value.lower()
                    if lowered not in _TRUE | _FALSE:
                        problems.append(_problem(start, field, f"must be true or false, got {value!r}"))
                        continue
                    item[field] = lowered in _TRUE
                elif field == "photos":
                    item[field] = [p for p in value.replace("|", ";").split(";") if p]
                elif value or field in REQUIRED:
                    item[field] = value
            items.append(item)
            lines.append(start)
    except csv.Error as exc:
        raise InvalidInput("CSV is malformed", code="invalid_csv",
                           details=[*problems, _problem(reader.line_num, None, str(exc))]) from None
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the CSV", code="invalid_csv", details=problems[:1000])
    if not items:
        raise InvalidInput("CSV has no items", code="invalid_csv", details=[_problem(None, None, "no rows")])
    return items, lines


def registration_from_csv(fields: SeizureFields, raw: bytes) -> SeizureRegistration:
    items, lines = parse_items_csv(raw)
    try:
        return SeizureRegistration.model_validate({**fields.model_dump(), "items": items})
    except ValidationError as exc:
        details = []
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
                field = str(loc[2]) if len(loc) > 2 else None
                details.append(_problem(lines[loc[1]], field, error["msg"]))
            else:
                details.append(_problem(None, ".".join(map(str, loc)), error["msg"]))
        raise InvalidInput(
            f"{len(details)} problem(s) in the CSV", code="invalid_csv", details=details[:1000]
        ) from None
