"""The web front: static pages, signing in through the identity provider, and the proxy to the services."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette import types as asgi
from starlette.convertors import StringConvertor, register_url_convertor

from tangvat_shared.auth import Verifier
from tangvat_shared.http import create_app, error_body
from tangvat_shared.types import Code, Line
from tangvat_web import offline, signin_routes
from tangvat_web.proxy import Upstreams
from tangvat_web.settings import WebSettings
from tangvat_web.signin import SignIn

STATIC = Path(__file__).parent / "static"

router = APIRouter(prefix="/api")
UPSTREAM_NAMES = ("intake", "custody", "disposal", "auditor")


class _UpstreamName(StringConvertor):
    """Routes /api/<service>/... to the proxy only for a service it forwards to, so that another method on
    the front's own routes (PUT /api/session) is a 405 of that route, not a 404 of the proxy."""

    regex = "|".join(UPSTREAM_NAMES)


register_url_convertor("upstream", _UpstreamName())
ProxiedPath = Line


@router.api_route("/{service:upstream}/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  include_in_schema=False)
async def proxy(request: Request, service: Code, path: ProxiedPath, signed: signin_routes.Signed) -> Response:
    upstreams: Upstreams = request.app.state.upstreams
    return await upstreams.forward(service, path, request, signed.token)


def content_security_policy(issuer: str | None) -> str:
    """Only this origin's scripts, styles and calls; never framed; forms post here, or to the provider (the
    sign-out form's redirect goes on to its end-session page)."""
    provider = ""
    if issuer:
        parts = urlsplit(issuer)
        provider = f" {parts.scheme}://{parts.netloc}"
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
            "connect-src 'self' blob:; font-src 'self'; object-src 'none'; base-uri 'none'; "
            f"form-action 'self'{provider}; frame-ancestors 'none'")


class SecurityHeaders:
    """Answers carry sign-in results: never cached, never sniffed into another type, never framed, scripts only
    from this origin. Plain ASGI (not `@app.middleware("http")`, which runs each request and response through
    extra tasks and streams): it only adds the headers an answer does not already set."""

    BASE = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin"))

    def __init__(self, app: asgi.ASGIApp, csp: str | None = None) -> None:
        self.app = app
        self.headers = self.BASE + (((b"content-security-policy", csp.encode()),) if csp else ())

    async def __call__(self, scope: asgi.Scope, receive: asgi.Receive, send: asgi.Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: asgi.Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


NoStoreMiddleware = SecurityHeaders  # its earlier name


class KnownHosts:
    """Answers only requests for a host this front serves, and writes only from its own origin: a page on
    another name that resolves here (DNS rebinding) or posts here (CSRF) is refused before any route runs."""

    def __init__(self, app: asgi.ASGIApp, hosts: list[str]) -> None:
        self.app = app
        self.hosts = frozenset(h.lower() for h in hosts)

    async def __call__(self, scope: asgi.Scope, receive: asgi.Receive, send: asgi.Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = _hostname(headers.get("host", ""))
        if host not in self.hosts:
            await _refuse(send, 400, "unknown_host", "this server does not answer for that host name")
            return
        origin = headers.get("origin")
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and origin is not None and origin != "null" \
                and _hostname(urlsplit(origin).netloc) not in self.hosts:
            await _refuse(send, 403, "foreign_origin", "a request from another site's page is refused")
            return
        await self.app(scope, receive, send)


def _hostname(netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1].lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0]


async def _refuse(send: asgi.Send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(code, message)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]})
    await send({"type": "http.response.body", "body": body})


def build_app(settings: WebSettings, verifier: Verifier, *, issuer: str | None = None,
              discovery_url: str | None = None, keys_dir: Path | None = None) -> FastAPI:
    """The front; `issuer` is the identity provider people sign in with (None: only API clients' own bearer
    tokens are passed on, as in the unit tests); `keys_dir` holds the services' public keys (label keys for
    offline stations)."""
    signin = SignIn(issuer, settings.oidc_client_id, settings.public_url, verifier,
                    discovery_url=discovery_url) if issuer else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.upstreams = Upstreams(
            {"intake": settings.intake_url, "custody": settings.custody_url, "disposal": settings.disposal_url,
             "auditor": settings.auditor_url},
            settings.upstream_timeout_seconds)
        try:
            yield
        finally:
            await app.state.upstreams.close()
            if signin is not None:
                await signin.close()

    async def ready() -> None:
        if not (STATIC / "index.html").exists():
            raise RuntimeError("static pages missing")

    app = create_app(title="Tangvat web", version="1.0.0", token_verifier=verifier, readiness=ready,
                     lifespan=lifespan)
    app.state.signin = signin
    app.state.static, app.state.keys_dir = STATIC, keys_dir
    app.include_router(signin_routes.router)
    app.include_router(offline.router)
    app.include_router(router)

    app.add_middleware(SecurityHeaders, csp=content_security_policy(issuer))
    app.add_middleware(KnownHosts, hosts=settings.hosts())
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="pages")
    return app
