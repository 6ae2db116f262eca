"""No route of any service takes a bare `str` or `datetime`: every text is one of the checked text types (or a code
with a pattern) and every moment an `Instant`, in query, path and header parameters and in every request model."""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.routing import APIRoute
from pydantic import BaseModel
from tangvat_web.api import build_app as build_web
from tangvat_web.settings import WebSettings

from tangvat_audit.api import build_app as build_audit
from tangvat_custody.api import build_app as build_custody
from tangvat_disposal.api import build_app as build_disposal
from tangvat_intake.api import build_app as build_intake
from tangvat_intake.schemas import SeizureFields, SeizureRegistration
from tangvat_shared import types as checked
from tangvat_shared.auth import TokenVerifier

TEXT_CHECKS = {checked._one_line, checked._lines, checked._as_given}
INSTANT_CHECKS = {checked._storable_instant}


def _apps() -> dict[str, Any]:
    key = Ed25519PrivateKey.generate()
    verifier = TokenVerifier(key.public_key())
    dsn = "postgresql://nobody@127.0.0.1:1/none"
    return {"intake": build_intake(dsn, verifier, key), "custody": build_custody(dsn, verifier, key.public_key()),
            "disposal": build_disposal(dsn, verifier), "auditor": build_audit(dsn, verifier, "127.0.0.1:1", Path(".")),
            "web": build_web(WebSettings(), verifier)}


def _checks(metadata: list[Any]) -> set[Any]:
    return {getattr(m, "func", None) for m in metadata}


def _has_pattern(metadata: list[Any]) -> bool:
    return any(getattr(m, "pattern", None) for m in metadata)


def unchecked(annotation: Any, metadata: list[Any], where: str, seen: set[type]) -> Iterator[str]:
    """Every place under `annotation` where a str or a datetime goes in unchecked."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *more = typing.get_args(annotation)
        for extra in more:  # a FieldInfo inside Annotated carries its own metadata
            more.extend(getattr(extra, "metadata", []))
        yield from unchecked(inner, [*metadata, *more], where, seen)
    elif origin in (typing.Union, types.UnionType, list, tuple, set, frozenset, dict):
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                yield from unchecked(arg, metadata if origin in (typing.Union, types.UnionType) else [], where, seen)
    elif annotation is str:
        if not (_checks(metadata) & TEXT_CHECKS or _has_pattern(metadata)):
            yield f"{where}: bare str"
    elif annotation is dt.datetime:
        if not _checks(metadata) & INSTANT_CHECKS:
            yield f"{where}: bare datetime"
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in seen:
        seen.add(annotation)
        for name, field in annotation.model_fields.items():
            yield from unchecked(field.annotation, list(field.metadata), f"{where}.{name}", seen)


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router (FastAPI keeps it whole)
            yield from _routes(route.original_router.routes)


def every_route_parameter() -> Iterator[tuple[str, str, Any, list[Any]]]:
    for service, app in _apps().items():
        for route in _routes(app.routes):
            dependant = route.dependant
            stack = [dependant]
            while stack:
                current = stack.pop()
                stack.extend(current.dependencies)
                for param in (*current.path_params, *current.query_params, *current.header_params,
                              *current.body_params):
                    info = param.field_info
                    yield (f"{service} {sorted(route.methods)} {route.path} {param.name}", service,
                           info.annotation, list(info.metadata))


# Bodies a route reads and validates itself (the bulk registration's fast path, the CSV form's JSON field).
VALIDATED_BY_HAND: list[type[BaseModel]] = [SeizureRegistration, SeizureFields]


def test_every_route_parameter_and_request_field_is_a_checked_type() -> None:
    found = [*every_route_parameter(), *((f"intake {m.__name__}", "intake", m, []) for m in VALIDATED_BY_HAND)]
    problems = [problem for where, _, annotation, metadata in found
                for problem in unchecked(annotation, metadata, where, set())]
    assert not problems, "\n".join(problems)


def test_the_walk_finds_a_bare_str_or_datetime() -> None:
    class Sneaky(BaseModel):
        name: str
        at: dt.datetime | None
        fine: checked.ShortText
        when: checked.Instant

    assert list(unchecked(Sneaky, [], "Sneaky", set())) == ["Sneaky.name: bare str", "Sneaky.at: bare datetime"]


@pytest.mark.parametrize("service", ["intake", "custody", "disposal", "auditor", "web"])
def test_the_walk_sees_each_service(service: str) -> None:
    assert any(s == service for _, s, _, _ in every_route_parameter())
