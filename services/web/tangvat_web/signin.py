"""Signing in through the identity provider: Authorization Code with PKCE, the tokens kept on the server.

The browser never holds a token: after Keycloak's login page (password, and a one-time code for the
roles that need one) redirects back, the front exchanges the code for tokens and gives the browser
only an opaque session cookie (HttpOnly, SameSite=Strict). The proxy puts the session's access token
on each call to a service and refreshes it silently shortly before it expires; when the provider
refuses the refresh (session ended, account disabled) the session is gone and the pages ask the
person to sign in again, keeping their scan queue. Sessions live in this process's memory: a restart
signs everyone out, and Keycloak's own session cookie makes signing in again one redirect.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tangvat_shared.auth import Principal, Verifier
from tangvat_shared.errors import InvalidInput, Unauthenticated

SESSION_COOKIE = "tangvat_session"
PENDING_COOKIE = "tangvat_signin"
PENDING_SECONDS = 600  # a sign-in not finished in ten minutes starts again
REFRESH_MARGIN_SECONDS = 30
MAX_SESSIONS = 10_000


@dataclass
class Session:
    principal: Principal
    access_token: str
    refresh_token: str | None
    id_token: str | None
    expires_at: float
    refresh_expires_at: float


@dataclass(frozen=True)
class Pending:
    verifier: str
    nonce: str
    next_path: str
    created: float = field(default_factory=time.monotonic)


def safe_next(path: str | None) -> str:
    """Only a path of this site: `//evil.example` or `https://...` would make the front an open redirect."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


class SignIn:
    """The front's OIDC client (public, PKCE) and its server-side sessions."""

    def __init__(self, issuer: str, client_id: str, public_url: str, verifier: Verifier,
                 client: httpx.AsyncClient | None = None, *, discovery_url: str | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self._discovery_url = discovery_url or f"{self.issuer}/.well-known/openid-configuration"
        self.client_id = client_id
        self.redirect_uri = f"{public_url.rstrip('/')}/signin/callback"
        self.public_url = public_url.rstrip("/")
        self._verifier = verifier
        self._http = client or httpx.AsyncClient(timeout=15.0)
        self._endpoints: dict[str, Any] | None = None
        self._pending: dict[str, Pending] = {}
        self._sessions: dict[str, Session] = {}
        # One refresh per session at a time: the provider rotates refresh tokens, so a page's parallel
        # calls each refreshing with the same token would end the session at the second one.
        self._refreshing: dict[str, asyncio.Lock] = {}

    async def close(self) -> None:
        await self._http.aclose()

    async def _discovery(self) -> dict[str, Any]:
        if self._endpoints is None:
            try:
                response = await self._http.get(self._discovery_url)
                endpoints: dict[str, Any] = response.raise_for_status().json()
                if str(endpoints.get("issuer", "")).rstrip("/") != self.issuer:
                    raise ValueError("the discovery document names another issuer")
                self._endpoints = endpoints
            except (httpx.HTTPError, ValueError) as exc:
                raise Unauthenticated(f"the identity provider is unreachable: {type(exc).__name__}",
                                      code="identity_provider_unavailable") from None
        return self._endpoints

    async def start(self, next_path: str | None, lang: str | None) -> tuple[str, str]:
        """The provider's authorization URL to redirect to, and the state the browser keeps in a cookie."""
        endpoints = await self._discovery()
        self._forget_stale()
        state, verifier, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(48), secrets.token_urlsafe(24)
        self._pending[state] = Pending(verifier, nonce, safe_next(next_path))
        query = {"response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
                 "scope": "openid", "state": state, "nonce": nonce,
                 "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"}
        if lang in ("vi", "en"):
            query["ui_locales"] = lang
        return f"{endpoints['authorization_endpoint']}?{urlencode(query)}", state

    async def finish(self, code: str, state: str, cookie_state: str | None) -> tuple[str, str]:
        """Exchange the code; the new session's id and the page to go back to."""
        pending = self._pending.pop(state, None)
        # The state must be the one this browser was given: a code injected from another sign-in is refused.
        if pending is None or cookie_state is None or not secrets.compare_digest(state, cookie_state):
            raise InvalidInput("this sign-in is unknown or expired: start again", code="signin_expired")
        endpoints = await self._discovery()
        tokens = await self._token(endpoints["token_endpoint"], {
            "grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
            "client_id": self.client_id, "code_verifier": pending.verifier})
        session = await self._session(tokens)
        session_id = secrets.token_urlsafe(32)
        if len(self._sessions) >= MAX_SESSIONS:
            self._forget_stale(force=True)
        self._sessions[session_id] = session
        return session_id, pending.next_path

    async def bearer(self, session_id: str | None) -> Session:
        """The session's access token, refreshed when it is about to expire; Unauthenticated when it ended."""
        key = session_id or ""
        session = self._sessions.get(key)
        if session is None:
            raise Unauthenticated("not signed in", code="signed_out")
        if time.time() < session.expires_at - REFRESH_MARGIN_SECONDS:
            return session
        lock = self._refreshing.setdefault(key, asyncio.Lock())
        async with lock:
            current = self._sessions.get(key)
            if current is None:
                raise Unauthenticated("the session has ended: sign in again", code="session_ended")
            if current is not session and time.time() < current.expires_at - REFRESH_MARGIN_SECONDS:
                return current  # refreshed by the call we waited for
            try:
                return await self._refresh(key, current)
            finally:
                self._refreshing.pop(key, None)

    async def _refresh(self, key: str, session: Session) -> Session:
        if session.refresh_token is None or time.time() >= session.refresh_expires_at:
            self._sessions.pop(key, None)
            raise Unauthenticated("the session has ended: sign in again", code="session_ended")
        endpoints = await self._discovery()
        try:
            tokens = await self._token(endpoints["token_endpoint"], {
                "grant_type": "refresh_token", "refresh_token": session.refresh_token, "client_id": self.client_id})
            refreshed = await self._session(tokens)
        except Unauthenticated as exc:
            if exc.code == "identity_provider_unavailable":
                raise  # the provider is down, not the session: the next call tries again
            self._sessions.pop(key, None)
            raise Unauthenticated("the session has ended: sign in again", code="session_ended") from None
        if refreshed.principal.user_id != session.principal.user_id:
            self._sessions.pop(key, None)
            raise Unauthenticated("the session has ended: sign in again", code="session_ended")
        self._sessions[key] = refreshed
        return refreshed

    def signed_in(self, session_id: str | None) -> bool:
        return (session_id or "") in self._sessions

    async def end(self, session_id: str | None) -> str:
        """Forget the session and end it at the provider; the provider's sign-out URL to go to."""
        session = self._sessions.pop(session_id or "", None)
        try:
            endpoints = await self._discovery()
        except Unauthenticated:
            return f"{self.public_url}/"  # signed out here; the provider's own session ends at its timeout
        if session is not None and session.refresh_token is not None and "revocation_endpoint" in endpoints:
            with contextlib.suppress(httpx.HTTPError):  # the refresh token dies now, not at the provider's timeout
                await self._http.post(endpoints["revocation_endpoint"], data={
                    "token": session.refresh_token, "token_type_hint": "refresh_token", "client_id": self.client_id})
        query = {"client_id": self.client_id, "post_logout_redirect_uri": f"{self.public_url}/"}
        if session is not None and session.id_token:
            query["id_token_hint"] = session.id_token
        return f"{endpoints['end_session_endpoint']}?{urlencode(query)}"

    async def _token(self, endpoint: str, form: dict[str, str]) -> dict[str, Any]:
        try:
            response = await self._http.post(endpoint, data=form)
        except httpx.HTTPError as exc:
            raise Unauthenticated(f"the identity provider is unreachable: {type(exc).__name__}",
                                  code="identity_provider_unavailable") from None
        if response.status_code >= 500:
            raise Unauthenticated(f"the identity provider failed: HTTP {response.status_code}",
                                  code="identity_provider_unavailable")
        if response.status_code != 200:
            raise Unauthenticated("the identity provider refused the sign-in", code="signin_refused")
        try:
            tokens: dict[str, Any] = response.json()
            str(tokens["access_token"])
        except (ValueError, KeyError, TypeError):
            raise Unauthenticated("the identity provider answered without tokens",
                                  code="identity_provider_unavailable") from None
        return tokens

    async def _session(self, tokens: dict[str, Any]) -> Session:
        principal = await self._verifier.principal(tokens["access_token"])  # checked like any service checks it
        now = time.time()
        return Session(principal, tokens["access_token"], tokens.get("refresh_token"), tokens.get("id_token"),
                       now + float(tokens.get("expires_in", 60)), now + float(tokens.get("refresh_expires_in", 0)))

    def _forget_stale(self, *, force: bool = False) -> None:
        cutoff = time.monotonic() - PENDING_SECONDS
        self._pending = {k: p for k, p in self._pending.items() if p.created > cutoff}
        if force:
            now = time.time()
            self._sessions = {k: s for k, s in self._sessions.items() if s.refresh_expires_at > now}
