"""The test session's identity provider: the repository's Keycloak and realm, on the session's PostgreSQL.

Started once per session when a test asks for it (a JVM that needs tens of seconds, minutes the first
time the distribution is fetched and built); every test gets tokens from it the way people do.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass
class Identity:
    """A running Keycloak with the tangvat realm, and its admin API for what a test must change."""

    server: KeycloakServer

    @property
    def issuer(self) -> str:
        return self.server.issuer

    def tokens(self, username: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
        secret = demo_totp_secret(username)
        return password_grant(self.issuer, username, password, totp=totp_now(secret) if secret else None)

    def access_token(self, username: str) -> str:
        return str(self.tokens(username)["access_token"])

    def refresh(self, refresh_token: str) -> int:
        """The HTTP status of a refresh grant (200 when the provider issues new tokens)."""
        form = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": "tangvat-cli",
                                       "refresh_token": refresh_token}).encode()
        try:
            with urllib.request.urlopen(f"{self.issuer}/protocol/openid-connect/token", data=form, timeout=30) as r:
                return int(r.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """The realm's admin REST API, as the bootstrap administrator."""
        form = urllib.parse.urlencode({"grant_type": "password", "client_id": "admin-cli", "username": "kcadmin",
                                       "password": self.server.admin_password}).encode()
        with urllib.request.urlopen(f"{self.server.url}/realms/master/protocol/openid-connect/token", data=form,
                                    timeout=30) as r:
            admin_token = json.load(r)["access_token"]
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
        yield Identity(server)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
