"""Hostile request values, and requests built from an OpenAPI document with one parameter made hostile.

tests/integration/test_hostile_input.py throws these at every route of every service."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import strategies as st

# --- the hostile values ------------------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "\x00", "a\x00b", "%00", "\x01", "\x07bell", "\x1b[31m", "\x1f", "\x7f", "\x85", "\u2028", "\ufeff", "\u202e",
    "line\nbreak", "tab\there", "\r\n", " ", "", "   padded   ",
    "²", "٣", "１２３", "۴۲", "३", "𝟗", "¹⁰",
    "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.999999-23:59",
    "0001-01-01T00:00:00+23:59", "275760-09-13T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-01T00:00:00",
    "1899-12-31T23:59:59Z", "9000-12-31T23:59:59-01:00", "-0001-01-01T00:00:00Z", "99999-01-01", "0000-00-00",
    "-1", "0", "-9223372036854775809", "9223372036854775808", "1" + "0" * 40, "1e400", "NaN", "-Infinity", "0x10",
    "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "{12345678-1234-5678-1234-567812345678}", "urn:uuid:12345678-1234-5678-1234-567812345678",
    "12345678123456781234567812345678", "12345678-1234-5678-1234-56781234567", "g2345678-1234-5678-1234-567812345678",
    "../../etc/passwd", "'; DROP TABLE item; --", "<script>alert(1)</script>", "🙂" * 60, "ẞ" * 201, "x" * 65,
    "x" * 401, "x" * 2001, "x" * 100_000, "TV1.00.x.y", "true", "null", "[]", "{}",
]
# Tried at every parameter of every route, before the random examples.
SWEEP_TEXT = ["\x00", "a\x1fb", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "²", "x" * 5000,
              "-9223372036854775809", "1" + "0" * 40]
SWEEP_JSON: list[Any] = [*SWEEP_TEXT, 2**64, -1, None, []]
HOSTILE_JSON: list[Any] = [
    None, True, False, 0, -1, -(2**31) - 1, 2**31, 2**53, 2**63, 2**64, -(2**63) - 1, 10**40, 1.5, -0.0, 1e308,
    [], [None], ["\x00"], {}, {"\x00": 1}, [[[[]]]],
]


def _offset_datetime(moment: Any, minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{moment.isoformat(timespec='seconds')}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def hostile_strings() -> st.SearchStrategy[str]:
    controls = st.characters(max_codepoint=0x1F) | st.sampled_from(["\x7f", "\x80", "\x9f", "\u2028"])
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(st.characters(codec="utf-8") | controls, min_size=1, max_size=12),
        st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=6),  # Unicode digits
        st.builds(_offset_datetime, st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
                  st.integers(-(23 * 60 + 59), 23 * 60 + 59)),
        st.builds(_offset_datetime, st.sampled_from([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59),
                                                     datetime(1899, 12, 31, 23), datetime(9000, 12, 31, 23)]),
                  st.sampled_from([-(23 * 60 + 59), -14 * 60, 14 * 60, 23 * 60 + 59])),
        st.integers(-(2**80), 2**80).map(str),
        st.integers(0, 50_000).map(lambda n: "y" * n),
        st.uuids().map(lambda u: u.hex.upper()),
    )


def hostile_json() -> st.SearchStrategy[Any]:
    return st.one_of(hostile_strings(), st.sampled_from(HOSTILE_JSON), st.integers(-(2**70), 2**70),
                     st.floats(allow_nan=False, allow_infinity=False))


# --- plain valid values from a JSON schema -----------------------------------------------------------------------

CODE_LIKE = ("KHO-BN-01", "QLTT-BN", "A1", "a" * 64, "plain text", "x")


class Spec:
    """One service's OpenAPI document, with `$ref`s resolved on demand."""

    def __init__(self, document: dict[str, Any], known: dict[str, Any] | None = None) -> None:
        self.document = document
        self.known = known or {}

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = {**self.document["components"]["schemas"][name],
                      **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def plain(self, schema: dict[str, Any], depth: int = 0, name: str | None = None) -> Any:
        """A simple value the schema accepts (as far as a schema can say: rules beyond it may still refuse); a
        parameter or field named after something the seeded world holds names that thing."""
        if name in self.known:
            return self.known[name]
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf", "allOf"):
            if key in schema:
                options = [s for s in schema[key] if self.resolve(s).get("type") != "null"]
                return self.plain(options[0], depth) if options else None
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return {field: self.plain(sub, depth + 1, field) for field, sub in schema.get("properties", {}).items()
                    if field in schema.get("required", [])} if depth < 6 else {}
        if kind == "array":
            return [self.plain(schema.get("items", {}), depth + 1) for _ in range(max(schema.get("minItems", 1), 1))]
        if kind == "integer":
            return max(schema.get("minimum", 1), 1)
        if kind == "number":
            return 1
        if kind == "boolean":
            return False
        return self._plain_string(schema)

    @staticmethod
    def _plain_string(schema: dict[str, Any]) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "date-time":
            return "2024-05-01T08:30:00+07:00"
        if fmt == "date":
            return "2024-05-01"
        low, high = schema.get("minLength", 1), schema.get("maxLength", 64)
        pattern = schema.get("pattern")
        for candidate in CODE_LIKE:
            text = candidate.ljust(low, "x")[:high]
            if pattern is None or re.search(pattern, text):
                return text
        return "x" * max(low, 1)

    def fields(self, schema: dict[str, Any], prefix: tuple[str | int, ...] = (), depth: int = 0
               ) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
        """Every field of a body, nested ones too (an array's fields through its first element)."""
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                if self.resolve(sub).get("type") != "null":
                    yield from self.fields(sub, prefix, depth)
        if depth > 5:
            return
        for name, sub in schema.get("properties", {}).items():
            yield (*prefix, name), sub
            yield from self.fields(sub, (*prefix, name), depth + 1)
        if "items" in schema and prefix:
            yield from self.fields(schema["items"], (*prefix, 0), depth + 1)


@dataclass(frozen=True)
class Target:
    """One parameter of one operation: where it goes and its name (or path into the JSON body)."""

    where: str  # path | query | header | json | form
    name: tuple[str | int, ...]
    schema: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    operation: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.service} {self.method.upper()} {self.path}"


def targets(spec: Spec, op: Operation) -> list[Target]:
    found = [Target(p["in"], (p["name"],), p.get("schema", {})) for p in op.operation.get("parameters", [])
             if p["in"] in ("path", "query", "header")]
    content = op.operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = content["application/json"]["schema"]
        found.append(Target("json", (), body))
        found += [Target("json", name, schema) for name, schema in spec.fields(body)]
    for form in ("multipart/form-data", "application/x-www-form-urlencoded"):
        if form in content:
            found += [Target("form", (name,), schema)
                      for name, schema in spec.resolve(content[form]["schema"]).get("properties", {}).items()]
    return found


def _set(body: Any, path: tuple[str | int, ...], value: Any, spec: Spec, schema: dict[str, Any]) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    container = body if isinstance(body, dict | list) else {}
    if isinstance(head, int):
        container = list(container) if isinstance(container, list) and container else [{}]
        container[0] = _set(container[0], rest, value, spec, schema)
        return container
    container = dict(container) if isinstance(container, dict) else {}
    container[head] = _set(container.get(head, {}), rest, value, spec, schema)
    return container


def build_request(spec: Spec, op: Operation, target: Target, value: Any, headers: dict[str, str]
                  ) -> dict[str, Any]:
    """The operation's request with every parameter plain and `target` set to `value`."""
    path_values: dict[str, str] = {}
    query: dict[str, str] = {}
    header_values = dict(headers)
    for p in op.operation.get("parameters", []):
        chosen = target.where == p["in"] and target.name == (p["name"],)
        if not (p.get("required") or chosen or (p["in"] != "header" and p["name"] in spec.known)):
            continue
        raw = value if chosen else spec.plain(p.get("schema", {}), name=p["name"])
        text = raw if isinstance(raw, str) else json.dumps(raw)
        if p["in"] == "path":
            path_values[p["name"]] = quote(text, safe="")
        elif p["in"] == "query":
            query[p["name"]] = text
        elif p["in"] == "header":
            header_values[p["name"]] = text
    url = op.path.format(**path_values)
    request: dict[str, Any] = {"method": op.method.upper(), "url": url, "params": query, "headers": header_values}
    content = op.operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        schema = content["application/json"]["schema"]
        body = spec.plain(schema)
        if target.where == "json":
            body = _set(body, target.name, value, spec, target.schema)
        # ensure_ascii: a lone surrogate travels as an escape, as a hostile client would send it.
        request["content"] = json.dumps(body, ensure_ascii=True)
        request["headers"]["content-type"] = "application/json"
    for form in ("multipart/form-data", "application/x-www-form-urlencoded"):
        if form in content:
            properties = spec.resolve(content[form]["schema"]).get("properties", {})
            data: dict[str, str] = {}
            files: dict[str, tuple[str, bytes, str]] = {}
            for name, schema in properties.items():
                chosen = target.where == "form" and target.name == (name,)
                raw = value if chosen else None
                text = raw if isinstance(raw, str) else (json.dumps(raw) if chosen else "")
                if spec.resolve(schema).get("format") == "binary" or "contentMediaType" in spec.resolve(schema):
                    files[name] = ("items.csv", text.encode("utf-8", "surrogatepass"), "text/csv")
                else:
                    data[name] = text if chosen else json.dumps({})
            request["data"], request["files"] = data, files
    return request


def check_answer(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:500]}"
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            pytest.fail(f"{what}: {response.status_code} without a JSON body: {response.text[:300]!r}")
        error = body.get("error") if isinstance(body, dict) else None
        assert isinstance(error, dict), f"{what}: {response.status_code} body is not an error: {body!r:.300}"
        assert isinstance(error.get("code"), str) and error["code"], f"{what}: no error code in {body!r:.300}"
        assert isinstance(error.get("message"), str) and error["message"], f"{what}: no message in {body!r:.300}"
        assert isinstance(error.get("details"), list | dict | None), f"{what}: odd details in {body!r:.300}"


