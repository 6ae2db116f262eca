"""Every route of every service documents the error statuses it can answer, with the one error body.

The expectations come from the routes themselves (their dependencies and parameters as FastAPI
resolved them), not from the OpenAPI document, so a route the documentation step misses fails here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.testclient import TestClient
from tangvat_web.signin_routes import caller as web_caller

from tangvat_shared.auth import Principal, Role, TokenVerifier, mint_token
from tangvat_shared.http import create_app, current_principal, require_roles
from tangvat_shared.keys import generate_private_key
from tangvat_shared.openapi import ErrorBody
from tests.support.apps import every_app

ERROR_REF = "#/components/schemas/ErrorBody"
KEY = generate_private_key()
APPS = every_app(KEY)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _operations(app: FastAPI) -> Iterator[tuple[RouteContext, str, dict[str, Any]]]:
    """Every route the document should describe, as FastAPI serves it (prefix and router dependencies applied)."""
    document = app.openapi()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            for method in sorted(route.methods or ()):
                yield route, method, document["paths"][route.path_format][method.lower()]


def _params(dependant: Dependant, kind: str) -> list[Any]:
    return [*getattr(dependant, kind), *(p for sub in dependant.dependencies for p in _params(sub, kind))]


def _expected(route: RouteContext, operation: dict[str, Any]) -> set[str]:
    expected: set[str] = set()
    if {current_principal, web_caller} & set(_calls(route.dependant)):  # the front's: a bearer or its session
        expected |= {"401", "403"}
    path, headers = _params(route.dependant, "path_params"), _params(route.dependant, "header_params")
    if path:
        expected.add("404")
    if path or headers or _params(route.dependant, "query_params") or _params(route.dependant, "body_params") \
            or "requestBody" in operation:
        expected.add("422")
    if any(p.alias.lower() == "idempotency-key" for p in headers):
        expected.add("409")
    return expected


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_route_documents_the_errors_it_can_answer_with_the_error_body(service: str) -> None:
    missing: list[str] = []
    checked = 0
    for route, method, operation in _operations(APPS[service]):
        responses = operation["responses"]
        for status in sorted(_expected(route, operation)):
            checked += 1
            schema = responses.get(status, {}).get("content", {}).get("application/json", {}).get("schema")
            if schema != {"$ref": ERROR_REF}:
                missing.append(f"{method} {route.path} {status}")
    assert checked > 0
    assert missing == []


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_documented_error_has_the_error_body_and_fastapis_validation_shape_is_gone(service: str) -> None:
    document = APPS[service].openapi()
    assert "HTTPValidationError" not in json.dumps(document)
    wrong = [f"{method} {path} {status}"
             for path, item in document["paths"].items() for method, operation in item.items()
             for status, response in operation["responses"].items()
             if status[0] in "45" and response.get("content") != {"application/json": {"schema": {"$ref": ERROR_REF}}}]
    assert wrong == []
    assert document["components"]["schemas"]["ErrorBody"]["required"] == ["error"]


def test_every_authenticated_route_of_the_services_is_covered() -> None:
    # The web front's own API has one signed-in route; the services have nothing but.
    authenticated = {name: sum("401" in op["responses"] for _, _, op in _operations(app)) for name, app in APPS.items()}
    assert all(count > 0 for count in authenticated.values()), authenticated
    assert authenticated["custody"] >= 30


def _app_with_a_new_route() -> FastAPI:
    app = create_app(title="t", version="1", token_verifier=TokenVerifier(KEY.public_key()), readiness=_ready)

    @app.post("/things/{thing_id}")
    async def new_route(thing_id: int, principal: Annotated[Principal, Depends(require_roles(Role.AUDITOR))]
                        ) -> dict[str, int]:
        return {"thing_id": thing_id}

    return app


async def _ready() -> None:
    return None


def test_a_new_route_gets_its_errors_documented_without_saying_so() -> None:
    operation = _app_with_a_new_route().openapi()["paths"]["/things/{thing_id}"]["post"]
    assert {"401", "403", "404", "422"} <= set(operation["responses"])
    assert "409" not in operation["responses"]  # no Idempotency-Key, no conflict to document


def test_the_errors_the_handlers_render_are_what_the_error_body_documents() -> None:
    auditor = {"Authorization": f"Bearer {mint_token(KEY, subject='a', roles=[Role.AUDITOR])}"}
    staff = {"Authorization": f"Bearer {mint_token(KEY, subject='s', roles=[Role.WAREHOUSE_STAFF])}"}
    with TestClient(_app_with_a_new_route()) as client:
        answers = {401: client.post("/things/1"), 403: client.post("/things/1", headers=staff),
                   422: client.post("/things/not-a-number", headers=auditor)}
        assert client.post("/things/1", headers=auditor).json() == {"thing_id": 1}
    for status, answer in answers.items():
        assert answer.status_code == status
        assert ErrorBody.model_validate(answer.json()).error.message
    details = ErrorBody.model_validate(answers[422].json()).error.details
    assert isinstance(details, list)
    assert [(d["loc"], d["type"]) for d in details] == [(["path", "thing_id"], "int_parsing")]


def _resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    path, method = ref.removeprefix("#/paths/").rsplit("/", 1)
    operation: dict[str, Any] = document["paths"][path.replace("~1", "/").replace("~0", "~")][method]
    return operation


@pytest.mark.parametrize("service", ["intake", "custody", "disposal", "audit"])
def test_every_link_names_an_operation_and_fills_exactly_its_path_parameters(service: str) -> None:
    document = APPS[service].openapi()
    links = [(status, name, spec) for item in document["paths"].values() for operation in item.values()
             for status, response in operation["responses"].items() for name, spec in response.get("links", {}).items()]
    assert links  # the stateful phase has something to follow
    for status, name, spec in links:
        assert status[0] == "2", name
        target = _resolve(document, spec["operationRef"])
        path_parameters = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
        assert set(spec["parameters"]) == path_parameters, name
        assert all(v.startswith(("$response.body#/", "$request.")) for v in spec["parameters"].values()), name


def test_an_undeclared_method_is_a_405_naming_every_method_the_path_serves() -> None:
    disposal_client = TestClient(APPS["disposal"])  # not started: no request may reach the database
    batches = disposal_client.request("OPTIONS", "/batches")
    board = disposal_client.delete("/boards/QLTT-BN")
    assert (batches.status_code, batches.headers["allow"]) == (405, "GET, POST")
    assert (board.status_code, board.headers["allow"]) == (405, "GET, PUT")
    officer = {"Authorization": f"Bearer {mint_token(KEY, subject='a', roles=[Role.INTAKE_OFFICER])}"}
    intake = TestClient(APPS["intake"], headers=officer)
    for method in ("OPTIONS", "GET"):  # /seizures/csv also matches GET /seizures/{seizure_id}, with "csv" for an id
        csv = intake.request(method, "/seizures/csv")
        assert (csv.status_code, csv.headers["allow"]) == (405, "POST")
    assert intake.get("/seizures/not-an-id").status_code == 422  # a path only that route serves: its own answer
    web_client = TestClient(APPS["web"])
    session = web_client.put("/api/session", json={})  # the front's own route, not the proxy's "no service"
    signout = web_client.get("/signout")  # nor the static pages' "no such file"
    unknown = web_client.get("/api/nothing/here")
    for answer, allowed in ((session, "GET"), (signout, "POST")):
        assert (answer.status_code, answer.headers["allow"]) == (405, allowed)
        assert ErrorBody.model_validate(answer.json()).error.code == "method_not_allowed"
    assert unknown.status_code == 404
