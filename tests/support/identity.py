"""The test session's identity provider: the repository's Keycloak and realm, on the session's PostgreSQL.

Started once per session when a test asks for it (a JVM that needs tens of seconds, minutes the first
time the distribution is fetched and built); every test gets tokens from it the way people do, and a
suite adds the accounts it signs in with (`add_users`) through the admin API.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tangvat_infra.keycloak import (
    DEMO_PASSWORD,
    KeycloakServer,
    demo_totp_secret,
    ensure_keycloak,
    password_grant,
    totp_now,
)

from localinfra import DEFAULT_CACHE, ensure_service_databases, free_port

TOTP_PERIOD = 30


@dataclass(frozen=True)
class Account:
    """A person a test signs in as: their realm role, scopes and, for the roles that need one, a TOTP secret.
    `groups` are realm group paths (`/QLTT-BN`): a unit group's `units` attribute adds to the account's own."""

    username: str
    role: str
    units: tuple[str, ...] = ()
    warehouses: tuple[str, ...] = ()
    password: str = DEMO_PASSWORD
    totp_secret: str | None = None
    groups: tuple[str, ...] = ()

    def representation(self) -> dict[str, Any]:
        credentials: list[dict[str, Any]] = [{"type": "password", "value": self.password, "temporary": False}]
        if self.totp_secret is not None:
            credentials.append({
                "type": "otp", "userLabel": "test authenticator",
                "secretData": json.dumps({"value": self.totp_secret}),
                "credentialData": json.dumps({"subType": "totp", "digits": 6, "counter": 0, "period": TOTP_PERIOD,
                                              "algorithm": "HmacSHA1"})})
        return {"username": self.username, "enabled": True, "emailVerified": True, "firstName": self.username,
                "lastName": "Test", "email": f"{self.username}@tangvat.test", "realmRoles": [self.role],
                "attributes": {"units": list(self.units), "warehouses": list(self.warehouses)},
                "groups": list(self.groups), "credentials": credentials}


@dataclass
class Identity:
    """A running Keycloak with the tangvat realm, and its admin API for what a test must change."""

    server: KeycloakServer
    accounts: dict[str, Account] = field(default_factory=dict)
    _used_windows: dict[str, set[int]] = field(default_factory=dict)
    _cached: dict[str, tuple[str, float, str | None, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _admin: tuple[str, float] | None = None

    @property
    def issuer(self) -> str:
        return self.server.issuer

    def add_users(self, accounts: Iterable[Account]) -> None:
        """Create (or overwrite) accounts in the realm, one-time-code credentials included."""
        accounts = list(accounts)
        self.admin("POST", "/partialImport", {"ifResourceExists": "OVERWRITE",
                                              "users": [a.representation() for a in accounts]})
        self.accounts.update({a.username: a for a in accounts})

    def totp_secret(self, username: str) -> str | None:
        account = self.accounts.get(username)
        return account.totp_secret if account is not None else demo_totp_secret(username)

    def one_time_code(self, username: str) -> str | None:
        """A code the account has not used yet: Keycloak refuses a code used once, so a second sign-in in the
        same 30 s takes the next window's code (accepted: the realm looks one window ahead)."""
        secret = self.totp_secret(username)
        if secret is None:
            return None
        with self._lock:
            used = self._used_windows.setdefault(username, set())
            while True:
                now = time.time()
                for window in (int(now // TOTP_PERIOD), int(now // TOTP_PERIOD) + 1):
                    if window not in used:
                        used.add(window)
                        return totp_now(secret, at=window * TOTP_PERIOD + 1)
                time.sleep(TOTP_PERIOD - now % TOTP_PERIOD + 0.5)

    def tokens(self, username: str, password: str | None = None) -> dict[str, Any]:
        account = self.accounts.get(username)
        password = password or (account.password if account else DEMO_PASSWORD)
        return password_grant(self.issuer, username, password, totp=self.one_time_code(username))

    def access_token(self, username: str) -> str:
        return str(self.tokens(username)["access_token"])

    def bearer(self, username: str) -> str:
        """An access token for the account, kept while it is valid and refreshed after (a new password grant
        would spend one-time codes)."""
        now = time.time()
        cached = self._cached.get(username)
        if cached is not None and now < cached[1] - 30:
            return cached[0]
        tokens: dict[str, Any] | None = None
        if cached is not None and cached[2] is not None and now < cached[3] - 5:
            tokens = self._refresh_grant(cached[2])
        tokens = tokens or self.tokens(username)
        self._cached[username] = (str(tokens["access_token"]), now + float(tokens["expires_in"]),
                                  tokens.get("refresh_token"), now + float(tokens.get("refresh_expires_in", 0)))
        return str(tokens["access_token"])

    def _refresh_grant(self, refresh_token: str) -> dict[str, Any] | None:
        form = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": "tangvat-cli",
                                       "refresh_token": refresh_token}).encode()
        try:
            with urllib.request.urlopen(f"{self.issuer}/protocol/openid-connect/token", data=form, timeout=30) as r:
                body: dict[str, Any] = json.load(r)
                return body
        except urllib.error.HTTPError:
            return None

    def refresh(self, refresh_token: str) -> int:
        """The HTTP status of a refresh grant (200 when the provider issues new tokens)."""
        form = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": "tangvat-cli",
                                       "refresh_token": refresh_token}).encode()
        try:
            with urllib.request.urlopen(f"{self.issuer}/protocol/openid-connect/token", data=form, timeout=30) as r:
                return int(r.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def _admin_token(self) -> str:
        """The bootstrap administrator's token, kept until shortly before it expires (each sign-in hashes the
        password: the identity-provider token factory makes several admin calls per account)."""
        with self._lock:
            if self._admin is not None and time.monotonic() < self._admin[1]:
                return self._admin[0]
            form = urllib.parse.urlencode({"grant_type": "password", "client_id": "admin-cli",
                                           "username": "kcadmin", "password": self.server.admin_password}).encode()
            with urllib.request.urlopen(f"{self.server.url}/realms/master/protocol/openid-connect/token", data=form,
                                        timeout=30) as r:
                body = json.load(r)
            self._admin = (str(body["access_token"]), time.monotonic() + float(body["expires_in"]) - 15)
            return self._admin[0]

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """The realm's admin REST API, as the bootstrap administrator."""
        admin_token = self._admin_token()
        request = urllib.request.Request(
            f"{self.server.url}/admin/realms/tangvat{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def user_id(self, username: str) -> str:
        [user] = self.admin("GET", f"/users?exact=true&username={urllib.parse.quote(username)}")
        return str(user["id"])

    def allow_redirects_to(self, base_url: str) -> None:
        """Let the web client come back to a front listening on a test's own port."""
        [client] = self.admin("GET", "/clients?clientId=tangvat-web")
        uris = sorted({*client["redirectUris"], f"{base_url.rstrip('/')}/*"})
        client["redirectUris"] = uris
        client["attributes"]["post.logout.redirect.uris"] = "##".join(uris)
        self.admin("PUT", f"/clients/{client['id']}", client)


_RUNNING: list[Identity] = []


def running_identity() -> Identity:
    """The session's identity provider, for helpers called without the fixture at hand."""
    assert _RUNNING, "the identity fixture is not running"
    return _RUNNING[0]


@pytest.fixture(scope="session")
def identity(infra: Any) -> Iterator[Identity]:
    home = ensure_keycloak(DEFAULT_CACHE)
    password = secrets.token_urlsafe(18)
    name = f"keycloak_{secrets.token_hex(4)}"
    ensure_service_databases(infra.pg_admin_dsn, {name: password})
    data_dir = Path(tempfile.mkdtemp(prefix="tangvat-keycloak-"))
    server = KeycloakServer(home, data_dir, port=free_port(), management_port=free_port(),
                            db_url=f"jdbc:postgresql://{infra.pg_host}:{infra.pg_port}/{name}", db_user=name,
                            db_password=password, admin_password=secrets.token_urlsafe(18))
    server.start(timeout=600)
    try:
        _RUNNING[:] = [Identity(server)]
        yield _RUNNING[0]
    finally:
        _RUNNING.clear()
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
