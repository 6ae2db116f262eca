"""The web front's answers: never cached, sniffed or framed, scripts only from itself (CSP); only its own host
names answered and writes only from its own origin; the proxy keeps the services' operational pages private,
rewrites their redirects to its own paths, carries an API client's bearer and refuses a call without one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.types import Message, Receive, Scope, Send
from tangvat_web.api import SecurityHeaders, build_app
from tangvat_web.settings import WebSettings

from tangvat_shared.auth import Role, TokenVerifier, mint_token
from tangvat_shared.keys import generate_private_key

KEY = generate_private_key()
SETTINGS = WebSettings(allowed_hosts=["localhost"], public_url="http://web", intake_url="http://intake.test")


def _upstream() -> FastAPI:
    """A stand-in for a service: echoes what reached it, redirects like FastAPI's trailing-slash redirect."""
    app = FastAPI()

    @app.get("/seizures/")
    async def slash() -> RedirectResponse:
        return RedirectResponse("http://intake.test/seizures?limit=5", status_code=307)

    @app.get("/elsewhere")
    async def elsewhere() -> RedirectResponse:
        return RedirectResponse("http://10.0.0.9:8001/private", status_code=302)

    @app.api_route("/echo", methods=["GET", "POST"])
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"authorization": request.headers.get("authorization"), "path": request.url.path})

    @app.get("/query")
    async def query(request: Request) -> JSONResponse:
        return JSONResponse(request.query_params.multi_items())

    @app.get("/{rest:path}")
    async def anything(rest: str) -> JSONResponse:
        return JSONResponse({"reached": rest})

    return app


@pytest.fixture
async def web() -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(SETTINGS, TokenVerifier(KEY.public_key()), issuer="http://idp.test/realms/tangvat")
    async with app.router.lifespan_context(app):
        upstreams = app.state.upstreams
        await upstreams.client.aclose()
        upstreams.client = httpx.AsyncClient(mounts={"http://intake.test": httpx.ASGITransport(app=_upstream())})
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web") as client:
            yield client


def _bearer(**claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(KEY, subject='kho-1', roles=[Role.WAREHOUSE_STAFF], **claims)}"}


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/", 200), ("GET", "/scan.html", 200), ("GET", "/api/session", 401),
    ("GET", "/no-such-page.html", 404), ("PUT", "/api/session", 405), ("GET", "/signout", 405),
])
async def test_every_answer_says_no_store_nosniff_no_framing_and_its_csp(
        web: httpx.AsyncClient, method: str, path: str, status: int) -> None:
    response = await web.request(method, path)
    assert response.status_code == status
    assert response.headers.get_list("cache-control") == ["no-store"]
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert response.headers["x-frame-options"] == "DENY"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
    assert "form-action 'self' http://idp.test;" in csp  # the sign-out form's redirect goes on to the provider
    assert response.headers["x-correlation-id"]


async def test_the_dev_token_mint_and_its_config_are_gone(web: httpx.AsyncClient) -> None:
    for method, path in (("POST", "/api/dev/token"), ("GET", "/api/config")):
        response = await web.request(method, path, json={"role": "admin", "user": "anyone"},
                                     headers={"X-Tangvat-Request": "1"})
        assert response.status_code in (404, 405), (path, response.status_code)
        assert "token" not in response.text.lower() or response.status_code == 405


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8005", "127.0.0.1.evil.example", ""])
async def test_an_unknown_host_is_refused(web: httpx.AsyncClient, host: str) -> None:
    response = await web.get("/api/session", headers={"Host": host, **_bearer()})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_host"


async def test_a_write_from_another_sites_page_is_refused(web: httpx.AsyncClient) -> None:
    response = await web.post("/api/intake/echo", headers={"Origin": "http://evil.example", **_bearer()})
    assert (response.status_code, response.json()["error"]["code"]) == (403, "foreign_origin")
    same = await web.post("/api/intake/echo", headers={"Origin": "http://web", **_bearer()})
    assert same.status_code == 200


async def test_an_api_clients_bearer_goes_on_to_the_service(web: httpx.AsyncClient) -> None:
    headers = _bearer()
    response = await web.post("/api/intake/echo", headers=headers)  # a bearer needs no page header
    assert response.json() == {"authorization": headers["Authorization"], "path": "/echo"}
    session = await web.get("/api/session", headers=headers)
    assert session.json() == {"user": "kho-1", "roles": ["warehouse_staff"], "warehouses": [], "units": [],
                              "expires_in": None}


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_call_without_a_session_or_bearer_is_a_401_to_sign_in(web: httpx.AsyncClient, method: str) -> None:
    web.cookies.set("tangvat_session", "made-up")
    response = await web.request(method, "/api/intake/echo", headers={"X-Tangvat-Request": "1"})
    assert (response.status_code, response.json()["error"]["code"]) == (401, "signed_out")


async def test_a_page_write_without_its_header_is_refused_before_the_session_is_read(web: httpx.AsyncClient) -> None:
    web.cookies.set("tangvat_session", "made-up")
    response = await web.post("/api/intake/echo")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "csrf_header_missing")


async def test_an_invalid_bearer_is_refused_by_the_front(web: httpx.AsyncClient) -> None:
    response = await web.get("/api/intake/echo", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["metrics", "docs", "redoc", "openapi.json", "healthz", "readyz", "Metrics",
                                  "a/../metrics", "./docs", "/metrics"])
async def test_the_services_operational_pages_are_not_proxied(web: httpx.AsyncClient, path: str) -> None:
    response = await web.get(f"/api/intake/{path}", headers=_bearer())
    assert response.status_code == 404, response.text
    assert "reached" not in response.text


async def test_a_services_redirect_names_the_fronts_path_never_an_internal_address(web: httpx.AsyncClient) -> None:
    slash = await web.get("/api/intake/seizures/", headers=_bearer())
    assert (slash.status_code, slash.headers["location"]) == (307, "/api/intake/seizures?limit=5")
    elsewhere = await web.get("/api/intake/elsewhere", headers=_bearer())
    assert elsewhere.status_code == 302
    assert "location" not in elsewhere.headers


async def test_sign_in_sends_the_browser_to_the_provider_with_pkce(web: httpx.AsyncClient) -> None:
    # The provider is not reachable here: the front says so in a clear 401, never a 500.
    response = await web.get("/signin", params={"next": "/scan.html", "lang": "vi"})
    assert (response.status_code, response.json()["error"]["code"]) == (401, "identity_provider_unavailable")


async def test_a_sign_in_started_under_another_allowed_name_moves_to_the_public_one(web: httpx.AsyncClient) -> None:
    # Its cookie must be set where the provider sends the browser back (the public URL), or the return is refused.
    response = await web.get("/signin", params={"next": "/scan.html"}, headers={"Host": "localhost"})
    assert (response.status_code, response.headers["location"]) == (303, "http://web/signin?next=%2Fscan.html")


async def test_a_cache_header_set_by_the_answer_is_kept() -> None:
    async def upstream(scope: Scope, receive: Receive, send: Send) -> None:
        start: Message = {"type": "http.response.start", "status": 200,
                          "headers": [(b"Cache-Control", b"private, max-age=5"), (b"content-length", b"2")]}
        await send(start)
        await send({"type": "http.response.body", "body": b"ok"})

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=SecurityHeaders(upstream)),
                                 base_url="http://web") as client:
        response = await client.get("/")
    assert response.text == "ok"
    assert response.headers.get_list("cache-control") == ["private, max-age=5"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_every_value_of_a_repeated_query_parameter_reaches_the_service(web: httpx.AsyncClient) -> None:
    # The location-label sheet names its locations as ?code=A&code=B: the proxy once kept only the last one.
    response = await web.get("/api/intake/query?code=A-1&code=A%2F2&limit=5&code=B", headers=_bearer())
    reached = response.json()
    assert [v for k, v in reached if k == "code"] == ["A-1", "A/2", "B"] and ["limit", "5"] in reached
