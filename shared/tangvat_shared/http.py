"""What every service's FastAPI app has: auth dependency, error mapping, health, metrics."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tangvat_shared import health
from tangvat_shared.auth import Principal, Role, Verifier
from tangvat_shared.command import CommandContext, Outcome, OutcomeKind
from tangvat_shared.db import create_pool
from tangvat_shared.docs import add_docs
from tangvat_shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
    TooLarge,
    Unauthenticated,
    UnsupportedMedia,
)
from tangvat_shared.idempotency import check_key
from tangvat_shared.openapi import install as document_errors
from tangvat_shared.rendering import Renderer

log = structlog.get_logger("tangvat.http")

STATUS_OF: dict[type[DomainError], int] = {
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    RuleViolation: 422,
    TooLarge: 413,
    UnsupportedMedia: 415,
}

REQUESTS = Counter("tangvat_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("tangvat_http_request_seconds", "HTTP request latency", ["method", "route"])

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json"})


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return body


def _status_for(exc: DomainError) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 400


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = _status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=status, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    if any(d["loc"][:1] == ["path"] for d in details):
        # GET /seizures/csv reached GET /seizures/{seizure_id} with "csv" for an id: the path is POST /seizures/csv's.
        refused = _method_not_allowed(request)
        if refused is not None:
            return refused
    return JSONResponse(error_body("invalid_input", "request is invalid", details), status_code=422)


def _allowed_methods(request: Request) -> set[str]:
    """The methods of the routes whose path matches this one most literally (Starlette's 405 names only the first
    route's): /seizures/csv serves POST, not also the GET of /seizures/{seizure_id} that its path also matches."""
    by_parameters: dict[int, set[str]] = {}
    scope = {**request.scope, "method": "GET"}  # any method: only the path has to match
    for route in iter_route_contexts(request.app.router.routes):
        match, _ = route.matches(scope)
        if match != Match.NONE and route.methods:
            by_parameters.setdefault((route.path_format or "").count("{"), set()).update(route.methods)
    return by_parameters[min(by_parameters)] if by_parameters else set()


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (404, 405):
        # A path that a route serves with other methods: 405 naming them all, also when a catch-all behind
        # it (the web front's static pages) answered 404 for this method.
        refused = _method_not_allowed(request)
        if refused is not None:
            return refused
    code = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "http_error")
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


def _method_not_allowed(request: Request) -> JSONResponse | None:
    allowed = _allowed_methods(request)
    if not allowed or request.method in allowed:
        return None
    return JSONResponse(error_body("method_not_allowed", "Method Not Allowed"), status_code=405,
                        headers={"Allow": ", ".join(sorted(allowed))})


async def _unique_violation(_: Request, exc: Exception) -> JSONResponse:
    # A race the service did not pre-check (two writers, one unique key): a conflict, not a crash.
    assert isinstance(exc, asyncpg.UniqueViolationError)
    return JSONResponse(error_body("conflict", f"already exists: {exc.constraint_name}"), status_code=409)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("http.unhandled", error=repr(exc))
    return JSONResponse(error_body("internal", "internal error"), status_code=500)


_bearer = HTTPBearer(auto_error=False)


# Dependencies are `async def`: FastAPI runs a plain `def` dependency in a worker thread, a thread
# hop per dependency per request that costs more than the checks themselves.
async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("bearer token required", code="token_missing")
    verifier: Verifier = request.app.state.token_verifier
    principal = await verifier.principal(credentials.credentials)
    structlog.contextvars.bind_contextvars(user_id=principal.user_id)
    return principal


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting a principal that holds one of `roles`: admin only where it is named (it manages
    accounts, boards and the warehouse registry, and is no super-user of the work)."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    allowed = frozenset(roles)

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_any(allowed):
            raise Forbidden(
                f"requires one of roles {sorted(r.value for r in allowed)}", code="role_required"
            )
        return principal

    return dependency


# Raises when not ready; may return the body to answer instead of {"status": "ready"} (still 200).
ReadinessCheck = Callable[[], Awaitable[dict[str, Any] | None]]
MetricsSource = Callable[[], Awaitable[bytes]]  # more metrics in text format, read when /metrics is asked


def _correlation_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-correlation-id":
            given = value.decode("latin-1")
            if 0 < len(given) <= 128 and given.isascii() and given.isprintable():
                return given
            break
    return str(uuid.uuid4())


class CorrelationMiddleware:
    """Binds a correlation id to the request's logs and answer, and counts and times requests.

    Plain ASGI rather than Starlette's `@app.middleware("http")`, which wraps every request
    and response in extra tasks and streams (about a quarter of a small request's CPU time)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _correlation_id(scope)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-correlation-id", correlation_id.encode("latin-1"))]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            LATENCY.labels(scope["method"], path).observe(time.perf_counter() - started)
            REQUESTS.labels(scope["method"], path, str(status)).inc()


def create_app(
    *,
    title: str,
    version: str,
    token_verifier: Verifier,
    readiness: ReadinessCheck,
    lifespan: Any = None,
    more_metrics: MetricsSource | None = None,
) -> FastAPI:
    app = FastAPI(title=title, version=version, lifespan=lifespan, docs_url=None, redoc_url=None)
    add_docs(app)
    document_errors(app)
    app.state.token_verifier = token_verifier
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(asyncpg.UniqueViolationError, _unique_violation)
    app.add_exception_handler(Exception, _unexpected)

    app.add_middleware(CorrelationMiddleware)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        try:
            report = await readiness()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            return JSONResponse({"status": "not_ready", "reason": repr(exc)}, status_code=503)
        return JSONResponse(report or {"status": "ready"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> PlainTextResponse:
        text = generate_latest() + (await more_metrics() if more_metrics is not None else b"")
        return PlainTextResponse(text.decode(), media_type=CONTENT_TYPE_LATEST)

    return app


HTTP_STATUS_OF: dict[OutcomeKind, int] = {OutcomeKind.CREATED: 201, OutcomeKind.DONE: 200, OutcomeKind.PENDING: 202}


def answer(outcome: Outcome) -> JSONResponse:
    """The one place an outcome becomes an HTTP status: created 201, done 200, pending 202."""
    return JSONResponse(outcome.body, status_code=HTTP_STATUS_OF[outcome.kind])


def correlation_id_of(request: Request) -> uuid.UUID:
    try:
        return uuid.UUID(str(request.state.correlation_id))
    except (AttributeError, ValueError):
        return uuid.uuid4()


async def command_context(request: Request, principal: Principal, key: str | None) -> CommandContext:
    """The context of a command request: a retry must repeat the same method, path and body under its key."""
    raw = await request.body()
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + raw).hexdigest()
    return CommandContext(principal, correlation_id_of(request), check_key(key) if key is not None else None, digest)


def create_database_app(*, title: str, token_verifier: Verifier, dsn: str, pool_max_size: int,
                        on_pool: Callable[[FastAPI, asyncpg.Pool], None] | None = None) -> FastAPI:
    """A service app that owns one connection pool (`app.state.pool`) and a renderer for CPU-bound work
    (`app.state.renderer`): opened at start-up, where `on_pool` hangs what the routes need on `app.state`,
    closed at shutdown; ready while the database answers, degraded while its consumer's dead letters of valid
    events are unresolved, and its dead letters counted in /metrics (tangvat_shared.health)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await create_pool(dsn, max_size=pool_max_size)
        app.state.renderer = Renderer()
        if on_pool is not None:
            on_pool(app, app.state.pool)
        try:
            yield
        finally:
            app.state.renderer.close()
            await app.state.pool.close()

    async def ready() -> dict[str, Any]:
        async with app.state.pool.acquire() as conn:
            return health.readiness_report(await health.valid_events_dead_lettered(conn))

    async def dead_letter_metrics() -> bytes:
        async with app.state.pool.acquire() as conn:
            return health.metrics_text(await health.dead_letter_counts(conn))

    app = create_app(title=title, version="1.0.0", token_verifier=token_verifier, readiness=ready, lifespan=lifespan,
                     more_metrics=dead_letter_metrics)
    return app
