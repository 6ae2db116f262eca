"""The front's sign-in routes: to Keycloak's login page and back, sign-out, and who is signed in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from tangvat_shared.auth import Principal
from tangvat_shared.errors import Forbidden
from tangvat_shared.types import Line
from tangvat_web.signin import PENDING_COOKIE, PENDING_SECONDS, SESSION_COOKIE, Session, SignIn

router = APIRouter()
CSRF_HEADER = "x-tangvat-request"  # set by the pages' fetches; a cross-site form or image cannot set it


def sign_in(request: Request) -> SignIn:
    signin: SignIn = request.app.state.signin
    return signin


async def current_session(request: Request, session_id: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None
                          ) -> Session:
    """The signed-in session of a page's API call (its access token refreshed when due)."""
    if request.method not in ("GET", "HEAD") and request.headers.get(CSRF_HEADER) != "1":
        raise Forbidden("a page's request must say so (X-Tangvat-Request: 1)", code="csrf_header_missing")
    return await sign_in(request).bearer(session_id)


Signed = Annotated[Session, Depends(current_session)]


class SessionOut(BaseModel):
    user: str
    roles: list[str]
    warehouses: list[str]
    units: list[str]
    expires_in: int


def _cookie_flags(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": request.url.scheme == "https", "path": "/"}


@router.get("/signin", summary="Sign in: to the identity provider's login page", include_in_schema=False)
async def signin(request: Request, next: Annotated[Line | None, Query()] = None,
                 lang: Annotated[Line | None, Query()] = None) -> RedirectResponse:
    url, state = await sign_in(request).start(next, lang)
    response = RedirectResponse(url, status_code=303)
    # SameSite=Lax, not Strict: the provider's redirect back is a cross-site navigation that must carry it.
    response.set_cookie(PENDING_COOKIE, state, max_age=PENDING_SECONDS, **{**_cookie_flags(request),
                                                                           "samesite": "lax",
                                                                           "path": "/signin/callback"})
    return response


@router.get("/signin/callback", include_in_schema=False)
async def callback(request: Request, code: Annotated[Line, Query()], state: Annotated[Line, Query()],
                   pending: Annotated[str | None, Cookie(alias=PENDING_COOKIE)] = None) -> RedirectResponse:
    session_id, next_path = await sign_in(request).finish(code, state, pending)
    response = RedirectResponse(next_path, status_code=303)
    response.delete_cookie(PENDING_COOKIE, path="/signin/callback")
    response.set_cookie(SESSION_COOKIE, session_id, **_cookie_flags(request))
    return response


@router.post("/signout", summary="Sign out here and at the identity provider", include_in_schema=False)
async def signout(request: Request, session_id: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None
                  ) -> RedirectResponse:
    url = await sign_in(request).end(session_id)
    response = RedirectResponse(url, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/api/session", response_model=SessionOut,
            summary="Who is signed in (pages show only what the role may do)")
async def session(signed: Signed) -> dict[str, Any]:
    import time

    principal: Principal = signed.principal
    return {"user": principal.user_id, "roles": sorted(r.value for r in principal.roles),
            "warehouses": sorted(principal.warehouses), "units": sorted(principal.units),
            "expires_in": max(0, int(signed.refresh_expires_at - time.time()))}
