"""What every service's FastAPI app has: auth dependency, error mapping, health, metrics."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import asyncpg
import structlog
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from tangvat_shared.auth import Principal, Role, TokenVerifier
from tangvat_shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
    Unauthenticated,
)

log = structlog.get_logger("tangvat.http")

STATUS_OF: dict[type[DomainError], int] = {
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    RuleViolation: 422,
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


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    return JSONResponse(error_body("invalid_input", "request is invalid", details), status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "http_error"
    )
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


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
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(credentials.credentials)
    structlog.contextvars.bind_contextvars(user_id=principal.user_id)
    return principal


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting a principal that holds one of `roles` (admin always may)."""
    allowed = frozenset(roles) | {Role.ADMIN}

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_any(allowed):
            raise Forbidden(
                f"requires one of roles {sorted(r.value for r in allowed)}", code="role_required"
            )
        return principal

    return dependency


ReadinessCheck = Callable[[], Awaitable[None]]


def create_app(
    *,
    title: str,
    version: str,
    token_verifier: TokenVerifier,
    readiness: ReadinessCheck,
    lifespan: Any = None,
) -> FastAPI:
    app = FastAPI(title=title, version=version, lifespan=lifespan)
    app.state.token_verifier = token_verifier
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(asyncpg.UniqueViolationError, _unique_violation)
    app.add_exception_handler(Exception, _unexpected)

    @app.middleware("http")
    async def correlate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        correlation_id = request.headers.get("x-correlation-id") or str(uuid.uuid4())
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        request.state.correlation_id = correlation_id
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        LATENCY.labels(request.method, path).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        response.headers["x-correlation-id"] = correlation_id
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        try:
            await readiness()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            return JSONResponse({"status": "not_ready", "reason": repr(exc)}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    return app


def correlation_id_of(request: Request) -> uuid.UUID:
    try:
        return uuid.UUID(str(request.state.correlation_id))
    except (AttributeError, ValueError):
        return uuid.uuid4()
