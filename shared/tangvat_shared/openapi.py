"""Every service's OpenAPI documents each error status its routes can answer, once, here.

The statuses follow from what an operation is (FastAPI already knows it when it builds the
document): an operation with a security requirement can answer 401 and 403, one with path
parameters 404, one with parameters or a body 422 (FastAPI's own `HTTPValidationError` shape is
replaced: the shared handler renders validation errors as `ErrorBody` too), one that takes an
`Idempotency-Key` 409, one with a body 400 (FastAPI's answer to a body it cannot even decode).
A route adds what only it can answer in its own `responses=`; every error response, added here
or declared there, gets the one error body.

`add_links` declares OpenAPI links (what an answer lets a client call next, e.g. POST /seizures →
GET /seizures/{seizure_id}); schemathesis's stateful phase follows them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

OPERATION_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
REF = "#/components/schemas/{model}"
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")

DESCRIPTIONS = {
    400: "The body could not be parsed as its content type (not UTF-8, broken multipart)",
    401: "No bearer token, or an expired or invalid one",
    403: "The token's role, unit or warehouse does not allow this",
    404: "Something the request names does not exist",
    409: "Conflicts with the current state, or the Idempotency-Key was used for another request",
    422: "The request is invalid or breaks a rule; `details` lists each bad field or item",
}


class ErrorInfo(BaseModel):
    code: str = Field(description="machine-readable kind, e.g. `not_found`, `invalid_input`")
    message: str = Field(description="what went wrong, in words")
    details: list[Any] | dict[str, Any] | None = Field(
        default=None, description="for bad input, one entry per bad field (`loc`, `message`, `type`)")


class ErrorBody(BaseModel):
    """Every error answer of every service."""

    error: ErrorInfo


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF.format(model="ErrorBody")}}}


def expected_errors(operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, from what it is."""
    parameters = operation.get("parameters", [])
    statuses: set[int] = set()
    if "requestBody" in operation:
        statuses.add(400)
    if operation.get("security"):
        statuses |= {401, 403}
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if any(p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key" for p in parameters):
        statuses.add(409)
    return statuses


def document_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    validation = responses.get("422", {})
    if "HTTPValidationError" in str(validation.get("content", "")):
        del responses["422"]  # FastAPI's shape; ours replaces it below
    for expected in sorted(expected_errors(operation)):
        responses.setdefault(str(expected), {"description": DESCRIPTIONS[expected]})
    for status, response in responses.items():
        if status[:1] in "45":
            response["content"] = _error_content()


def _drop_unused_validation_schemas(document: dict[str, Any]) -> None:
    schemas: dict[str, Any] = document["components"]["schemas"]
    rest = {**document, "components": {**document["components"],
                                       "schemas": {k: v for k, v in schemas.items() if k not in FASTAPI_VALIDATION}}}
    text = json.dumps(rest)
    if not any(f'"{REF.format(model=name)}"' in text for name in FASTAPI_VALIDATION):
        for name in FASTAPI_VALIDATION:
            schemas.pop(name, None)


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Adds the error statuses to every operation of an OpenAPI document (in place) and returns it."""
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorBody.model_json_schema(ref_template=REF)
    for name, sub in error_schema.pop("$defs", {}).items():
        schemas[name] = sub
    schemas["ErrorBody"] = error_schema
    for path_item in document.get("paths", {}).values():
        for method in OPERATION_METHODS:
            if method in path_item:
                document_operation(path_item[method])
    _drop_unused_validation_schemas(document)
    return document


Links = dict[tuple[str, str, int], dict[str, dict[str, Any]]]
"""(method, path, status) of the answer -> link name -> link (see `link`)."""


def link(method: str, path: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link to `method path`, each parameter a runtime expression (`$response.body#/seizure_id`)."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method.lower()}", "parameters": parameters}


def add_links(app: FastAPI, links: Links) -> None:
    app.state.openapi_links = {**getattr(app.state, "openapi_links", {}), **links}


def _document_links(document: dict[str, Any], links: Links) -> None:
    for (method, path, status), named in links.items():
        response = document["paths"][path][method.lower()]["responses"][str(status)]
        response.setdefault("links", {}).update(named)


def install(app: FastAPI) -> None:
    """Makes `app.openapi()` return the documented document (built once, on first use)."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    documented: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        # FastAPI rebuilds its document when routes were added since; document each build once.
        document = generate()
        if not documented or documented[0] is not document:
            _document_links(document_errors(document), getattr(app.state, "openapi_links", {}))
            documented[:] = [document]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
