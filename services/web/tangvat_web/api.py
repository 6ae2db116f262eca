"""The web front: static pages, the caller's session, and the proxy to the services (auditor included)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette import types as asgi
from starlette.convertors import StringConvertor, register_url_convertor

from tangvat_shared.auth import Principal, Role, TokenVerifier, mint_token
from tangvat_shared.errors import NotFound
from tangvat_shared.http import create_app, current_principal
from tangvat_shared.keys import load_private_key
from tangvat_shared.types import Code, Line, ShortText
from tangvat_web.proxy import Upstreams
from tangvat_web.settings import WebSettings

STATIC = Path(__file__).parent / "static"

Signed = Annotated[Principal, Depends(current_principal)]

router = APIRouter(prefix="/api")
UPSTREAM_NAMES = ("intake", "custody", "disposal", "auditor")


class _UpstreamName(StringConvertor):
    """Routes /api/<service>/... to the proxy only for a service it forwards to, so that another method on
    the front's own routes (PUT /api/dev/token) is a 405 of that route, not a 404 of the proxy."""

    regex = "|".join(UPSTREAM_NAMES)


register_url_convertor("upstream", _UpstreamName())
Scope = Code | Literal["*"]
ProxiedPath = Line


class DevTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    user: ShortText
    units: list[Scope] = Field(default_factory=lambda: ["*"], max_length=50)
    warehouses: list[Scope] = Field(default_factory=lambda: ["*"], max_length=50)


class SessionOut(BaseModel):
    user: str
    roles: list[str]
    warehouses: list[str]
    units: list[str]


class ConfigOut(BaseModel):
    dev_mint: bool = Field(description="whether the sign-in page may mint tokens (development stacks only)")


class TokenOut(BaseModel):
    token: str


@router.get("/session", response_model=SessionOut,
            summary="Who the pasted token says the caller is (pages show only what the role may do)")
async def session(principal: Signed) -> dict[str, Any]:
    return {"user": principal.user_id, "roles": sorted(r.value for r in principal.roles),
            "warehouses": sorted(principal.warehouses), "units": sorted(principal.units)}


@router.get("/config", response_model=ConfigOut)
async def config(request: Request) -> dict[str, Any]:
    return {"dev_mint": request.app.state.dev_mint_key is not None}


@router.post("/dev/token", response_model=TokenOut,
             summary="Development stacks only: mint a token for the sign-in page",
             responses={404: {"description": "token minting is not enabled on this server"}})
async def dev_token(request: Request, body: DevTokenIn) -> dict[str, str]:
    key = request.app.state.dev_mint_key
    if key is None:
        raise NotFound("token minting is not enabled on this server", code="dev_mint_disabled")
    token = mint_token(key, subject=body.user, roles=[body.role], units=body.units, warehouses=body.warehouses,
                       ttl_seconds=8 * 3600)
    return {"token": token}


@router.api_route("/{service:upstream}/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  include_in_schema=False)
async def proxy(request: Request, service: Code, path: ProxiedPath) -> Response:
    upstreams: Upstreams = request.app.state.upstreams
    return await upstreams.forward(service, path, request)


class NoStoreMiddleware:
    """Pages and answers carry tokens' results: never cached by the browser or a proxy, never sniffed into
    another type. Plain ASGI (not `@app.middleware("http")`, which runs each request and response through
    extra tasks and streams): it only adds the two headers an answer does not already set."""

    HEADERS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))

    def __init__(self, app: asgi.ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: asgi.Scope, receive: asgi.Receive, send: asgi.Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: asgi.Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in self.HEADERS if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)


def build_app(settings: WebSettings, verifier: TokenVerifier) -> FastAPI:
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

    async def ready() -> None:
        if not (STATIC / "index.html").exists():
            raise RuntimeError("static pages missing")

    app = create_app(title="Tangvat web", version="1.0.0", token_verifier=verifier, readiness=ready,
                     lifespan=lifespan)
    key_file = settings.dev_mint_key_file
    app.state.dev_mint_key = load_private_key(key_file.read_bytes()) if key_file else None
    app.include_router(router)

    app.add_middleware(NoStoreMiddleware)
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="pages")
    return app
