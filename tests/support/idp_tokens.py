"""The `token` factory's twin backed by the suite's Keycloak: `make(role, *, user=, units=, warehouses=)` keeps a
realm account holding exactly that role and those scopes (created, or updated through the admin API when a test
asks for the same person with another role or scope) and answers an access token the realm issued for it.

A module whose refusals must hold with the identity provider's tokens takes this in place of the local factory:

    from tests.support.idp_tokens import token_from_identity_provider  # noqa: F401 (the `token` fixture)

The shared services trust both issuers (tests/support/tokens.py `verifier_for`); Keycloak's side is bound the
first time this factory is used, so runs that never ask for it never start Keycloak.

Cost: a person new to the realm is one account creation and one password grant (with a one-time code for the
roles that need one); a known person in another role or scope is an update and a refresh grant (no password
hashing, no one-time code); a spec asked for again within `REUSE_SECONDS` is the cached token.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from tangvat_infra.keycloak import DEMO_PASSWORD, REALM_FILE, password_grant

from tangvat_shared.auth import Role, canonical_user_id
from tangvat_shared.oidc import OidcKeys, OidcTokenVerifier
from tests.support.identity import Account, Identity
from tests.support.tokens import TokenFactory, bind_issuer, unbind_issuer

# The realm asks these roles for a one-time code (composite `mfa_required`).
MFA_ROLES = frozenset({Role.ADMIN.value, Role.BOARD_MEMBER.value})
# Access tokens live 300 s; a cached one is handed out only while it has at least three minutes left, so a test
# that holds it through long waits still sends a live token.
REUSE_SECONDS = 120.0
OURS = frozenset(r.value for r in Role)


@dataclass(frozen=True)
class Spec:
    role: str
    units: tuple[str, ...]
    warehouses: tuple[str, ...]


@dataclass
class _Person:
    """A realm account this factory keeps: its id, what it holds now, and its live session (refresh token)."""

    user_id: str
    spec: Spec
    has_otp: bool
    refresh_token: str | None = None
    refresh_until: float = 0.0


@dataclass
class Timings:
    """How many tokens of each kind the factory handed out and the seconds they cost (for the report)."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, kind: str, elapsed: float) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.seconds[kind] = self.seconds.get(kind, 0.0) + elapsed

    def summary(self) -> str:
        return ", ".join(f"{kind}: {n} x {1000 * self.seconds[kind] / n:.0f} ms" for kind, n in
                         sorted(self.counts.items()))


class IdpTokens:
    """Access tokens of realm accounts matching the local factory's specs (see the module docstring)."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.timings = Timings()
        self._people: dict[str, _Person] = {}
        self._tokens: dict[tuple[str, Spec], tuple[str, float]] = {}
        self._roles: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, role: Role | str = Role.INTAKE_OFFICER, *, user: str = "officer-1",
                 units: tuple[str, ...] = ("QLTT-BN",), warehouses: tuple[str, ...] = ("KHO-BN-01",)) -> str:
        # The provider knows each person by one canonical username: "Staff-1 " signs in as staff-1.
        username, spec = canonical_user_id(user), Spec(Role(role).value, tuple(units), tuple(warehouses))
        with self._lock:
            started = time.monotonic()
            cached = self._tokens.get((username, spec))
            if cached is not None and time.monotonic() - cached[1] < REUSE_SECONDS:
                self.timings.add("cached", time.monotonic() - started)
                return cached[0]
            kind, access = self._issue(username, spec)
            self._tokens[(username, spec)] = (access, started)
            self.timings.add(kind, time.monotonic() - started)
            return access

    def _issue(self, username: str, spec: Spec) -> tuple[str, str]:
        person = self._people.get(username)
        if person is None:
            person = self._people[username] = self._create(username, spec)
            return "new account", self._sign_in(username, person)
        if spec.role in MFA_ROLES and not person.has_otp:
            # A role that needs a second factor: the person enrols one and signs in again with it.
            self.identity.admin("DELETE", f"/users/{person.user_id}")
            person = self._people[username] = self._create(username, spec)
            return "new account", self._sign_in(username, person)
        kind = "refresh"
        if person.spec != spec:
            self._update(username, person, spec)
            kind = "changed spec"
        tokens = self._refresh(person) if person.refresh_token and time.time() < person.refresh_until - 5 else None
        return (kind, self._keep(person, tokens)) if tokens is not None else ("sign-in", self._sign_in(username,
                                                                                                         person))

    def _account(self, username: str, spec: Spec) -> Account:
        return Account(username, spec.role, spec.units, spec.warehouses, password=DEMO_PASSWORD,
                       totp_secret=f"idp-{username}" if spec.role in MFA_ROLES else None)

    def _create(self, username: str, spec: Spec) -> _Person:
        account = self._account(username, spec)
        if username in _demo_usernames():
            raise AssertionError(f"{username} is one of the realm's demo accounts: a test's person needs another name")
        # The import (not POST /users) takes the realm role and the one-time-code credential in one call. A name
        # that an earlier module's accounts (add_users: the browser suite's officer-1, admin-1, ...) already hold
        # is that module's test person, done with by now (modules run one after another): it is replaced.
        imported = self.identity.admin("POST", "/partialImport", {"ifResourceExists": "OVERWRITE",
                                                                  "users": [account.representation()]})
        self.identity.accounts[username] = account  # Identity computes its one-time codes
        [result] = imported["results"]
        return _Person(str(result["id"]), spec, has_otp=account.totp_secret is not None)

    def _update(self, username: str, person: _Person, spec: Spec) -> None:
        account = self._account(username, spec)
        representation = {k: v for k, v in account.representation().items() if k not in ("credentials",
                                                                                         "realmRoles")}
        self.identity.admin("PUT", f"/users/{person.user_id}", representation)
        if spec.role != person.spec.role:
            mappings = f"/users/{person.user_id}/role-mappings/realm"
            self.identity.admin("DELETE", mappings, [self._role(person.spec.role)])
            self.identity.admin("POST", mappings, [self._role(spec.role)])
        person.spec = spec

    def _role(self, name: str) -> dict[str, Any]:
        if name not in self._roles:
            self._roles[name] = self.identity.admin("GET", f"/roles/{urllib.parse.quote(name)}")
        return self._roles[name]

    def _sign_in(self, username: str, person: _Person) -> str:
        tokens = password_grant(self.identity.issuer, username, DEMO_PASSWORD,
                                totp=self.identity.one_time_code(username))
        return self._keep(person, tokens)

    def _keep(self, person: _Person, tokens: dict[str, Any]) -> str:
        person.refresh_token = str(tokens["refresh_token"]) if tokens.get("refresh_token") else None
        person.refresh_until = time.time() + float(str(tokens.get("refresh_expires_in", 0)))
        return str(tokens["access_token"])

    def _refresh(self, person: _Person) -> dict[str, Any] | None:
        """A refresh grant: the realm issues the token from the account as it is now (roles, attributes)."""
        form = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": "tangvat-cli",
                                       "refresh_token": person.refresh_token}).encode()
        try:
            with urllib.request.urlopen(f"{self.identity.issuer}/protocol/openid-connect/token", data=form,
                                        timeout=30) as r:
                body: dict[str, Any] = json.load(r)
                return body
        except urllib.error.HTTPError:
            return None  # the session ended: sign in again


@pytest.fixture(scope="session")
def idp_tokens(identity: Identity) -> Iterator[IdpTokens]:
    """The session's Keycloak-backed factory; the shared services trust Keycloak's tokens while it lives."""
    factory = IdpTokens(identity)
    bind_issuer(identity.issuer, OidcTokenVerifier(OidcKeys(identity.issuer), audience="tangvat"))
    try:
        yield factory
    finally:
        unbind_issuer(identity.issuer)
        print(f"\nidentity-provider tokens: {factory.timings.summary()}")


@pytest.fixture(scope="module", name="token")
def token_from_identity_provider(idp_tokens: IdpTokens) -> TokenFactory:
    """`token` for the module that imports this: the identity provider's tokens in place of the local ones."""
    return idp_tokens


@functools.cache
def _demo_usernames() -> frozenset[str]:
    """The accounts the realm file itself defines (make up's demo people): never taken over by a test."""
    return frozenset(u["username"] for u in json.loads(REALM_FILE.read_text())["users"])
