"""The front's sign-in routes: to the identity provider's login page and back, sign-out, who is signed in, and
the token a page's call carries to a service (the session's, or an API client's own bearer)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import structlog
from fastapi import APIRouter, Cookie, Depends, Query, Request
from fastapi.responses import RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from tangvat_shared.auth import Principal, Verifier
from tangvat_shared.errors import DomainError, Forbidden, NotFound, Unauthenticated
from tangvat_shared.types import Line
from tangvat_web.signin import PENDING_COOKIE, PENDING_SECONDS, SESSION_COOKIE, SignIn

router = APIRouter()
CSRF_HEADER = "x-tangvat-request"  # set by the pages' fetches; a cross-site form or image cannot set it
_bearer = HTTPBearer(auto_error=False)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
SessionCookie = Annotated[str | None, Cookie(alias=SESSION_COOKIE)]


def sign_in(request: Request) -> SignIn:
    signin: SignIn | None = request.app.state.signin
    if signin is None:
        raise NotFound("signing in is not configured on this server (no identity provider)",
                       code="signin_not_configured")
    return signin


@dataclass(frozen=True)
class Caller:
    """Who a call acts for and the access token that goes to the services."""

    principal: Principal
    token: str
    session_expires_in: int | None = None  # seconds; None for an API client's own bearer


async def caller(request: Request, credentials: Bearer, session_id: SessionCookie = None) -> Caller:
    """An API client's bearer token as it is (the service verifies it), else the signed-in session's token,
    refreshed when due. A page's writes must carry the CSRF header: the session cookie alone proves nothing."""
    if credentials is not None and credentials.scheme.lower() == "bearer":
        verifier: Verifier = request.app.state.token_verifier
        principal = await verifier.principal(credentials.credentials)
        return Caller(principal, credentials.credentials)
    if request.method not in ("GET", "HEAD") and request.headers.get(CSRF_HEADER) != "1":
        raise Forbidden("a page's request must say so (X-Tangvat-Request: 1)", code="csrf_header_missing")
    signin: SignIn | None = request.app.state.signin
    if signin is None:
        raise Unauthenticated("bearer token required", code="token_missing")
    session = await signin.bearer(session_id)
    structlog.contextvars.bind_contextvars(user_id=session.principal.user_id)
    return Caller(session.principal, session.access_token, max(0, int(session.refresh_expires_at - time.time())))


Signed = Annotated[Caller, Depends(caller)]


class SessionOut(BaseModel):
    user: str
    roles: list[str]
    warehouses: list[str]
    units: list[str]
    expires_in: int | None  # seconds until the sign-in ends (the provider's session); None for a bearer token


def _cookie_flags(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": request.url.scheme == "https", "path": "/"}


@router.get("/signin", include_in_schema=False)
async def signin(request: Request, next: Annotated[Line | None, Query()] = None,
                 lang: Annotated[Line | None, Query()] = None) -> RedirectResponse:
    front = sign_in(request)
    public = urlsplit(front.public_url)
    if request.headers.get("host", "").lower() != public.netloc.lower():
        # Reached by another allowed name (localhost for 127.0.0.1): the sign-in's cookie must be set on the
        # name the provider sends the browser back to, so start again there.
        return RedirectResponse(f"{front.public_url}{request.url.path}?{request.url.query}", status_code=303)
    url, state = await front.start(next, lang)
    response = RedirectResponse(url, status_code=303)
    # SameSite=Lax, not Strict: the provider's redirect back is a cross-site navigation that must carry it.
    response.set_cookie(PENDING_COOKIE, state, max_age=PENDING_SECONDS,
                        **{**_cookie_flags(request), "samesite": "lax", "path": "/signin/callback"})
    return response


@router.get("/signin/callback", include_in_schema=False)
async def callback(request: Request, code: Annotated[Line | None, Query()] = None,
                   state: Annotated[Line | None, Query()] = None, error: Annotated[Line | None, Query()] = None,
                   pending: Annotated[str | None, Cookie(alias=PENDING_COOKIE)] = None) -> RedirectResponse:
    """Back from the login page: the code becomes a session; a refusal or a stale sign-in goes back to the
    sign-in page with a reason it shows in words (never a stack of JSON)."""
    reason: str | None = None
    if error is not None or code is None or state is None:
        reason = "signin_cancelled" if error == "access_denied" else "signin_refused"
    else:
        try:
            session_id, next_path = await sign_in(request).finish(code, state, pending)
        except DomainError as exc:
            reason = exc.code
    if reason is not None:
        response = RedirectResponse(f"/index.html?{urlencode({'signin_error': reason})}", status_code=303)
        response.delete_cookie(PENDING_COOKIE, path="/signin/callback")
        return response
    response = RedirectResponse(next_path, status_code=303)
    response.delete_cookie(PENDING_COOKIE, path="/signin/callback")
    response.set_cookie(SESSION_COOKIE, session_id, **_cookie_flags(request))
    return response


@router.post("/signout", include_in_schema=False)
async def signout(request: Request, session_id: SessionCookie = None) -> RedirectResponse:
    """Forget the session here, revoke its refresh token and end it at the provider (a plain form post: a
    forged one from another site carries no SameSite=Strict cookie, so it signs nobody out)."""
    url = await sign_in(request).end(session_id)
    response = RedirectResponse(url, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/api/session", response_model=SessionOut,
            summary="Who is signed in (pages show only what the role may do)",
            responses={401: {"description": "not signed in, or the session ended (sign in again)"}})
async def session(signed: Signed) -> dict[str, Any]:
    principal = signed.principal
    return {"user": principal.user_id, "roles": sorted(r.value for r in principal.roles),
            "warehouses": sorted(principal.warehouses), "units": sorted(principal.units),
            "expires_in": signed.session_expires_in}
