"""Bearer tokens (JWT, EdDSA) and the principal every route acts for.

Tokens are signed by the issuer's Ed25519 key; services hold only the public key. The
algorithm, audience and issuer are fixed: `alg=none`, HMAC tricks and tokens minted for
another audience are refused.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tangvat_shared.envelope import Actor
from tangvat_shared.errors import Forbidden, NotFound, Unauthenticated
from tangvat_shared.units import ALL as ALL  # re-exported: the scope of every unit and warehouse
from tangvat_shared.units import covers_any

ALGORITHM = "EdDSA"
AUDIENCE = "tangvat"
ISSUER = "tangvat-auth"


class Role(StrEnum):
    INTAKE_OFFICER = "intake_officer"
    WAREHOUSE_STAFF = "warehouse_staff"
    AUDITOR = "auditor"
    BOARD_MEMBER = "board_member"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    user_id: str
    roles: frozenset[Role]
    warehouses: frozenset[str]
    units: frozenset[str]

    @property
    def primary_role(self) -> Role:
        for role in Role:
            if role in self.roles:
                return role
        raise Forbidden("token carries no role")

    @property
    def actor(self) -> Actor:
        """Who an event records as having acted."""
        return Actor(user_id=self.user_id, role=self.primary_role.value)

    def has_any(self, roles: Iterable[Role]) -> bool:
        return bool(self.roles.intersection(roles))

    # Admin is no super-user of the work: its scopes are the warehouses and units its token names, like anyone's.
    def may_act_in_warehouse(self, warehouse_id: str) -> bool:
        return ALL in self.warehouses or warehouse_id in self.warehouses

    def may_act_for_unit(self, unit: str) -> bool:
        """A unit scope reaches its own unit and every unit below it (tangvat_shared.units)."""
        return covers_any(self.units, unit)

    @property
    def of_every_unit(self) -> bool:
        """Scoped to `*`: what reads across every unit (a whole-log audit) is for these principals only."""
        return ALL in self.units

    @property
    def manages_registry(self) -> bool:
        """An admin keeps the registry (accounts, boards, warehouses and their locations) of every unit and
        warehouse; nothing else (custody, disposal and audit work needs its own role)."""
        return Role.ADMIN in self.roles

    def require_registry_warehouse(self, warehouse_id: str) -> None:
        """The warehouse's registry (its locations): an admin anywhere, staff in their warehouses."""
        if not self.manages_registry:
            self.require_warehouse(warehouse_id)

    def require_registry_unit(self, unit: str) -> None:
        """The unit's registry (its board): an admin of any unit (the route admits admins only)."""
        if not self.manages_registry:
            self.require_unit(unit)

    def require_warehouse(self, warehouse_id: str) -> None:
        """A warehouse the caller named itself (a path's or a body's warehouse id): the caller knows it exists, so
        403 `warehouse_scope`, whose message says back only the id the caller sent."""
        if not self.may_act_in_warehouse(warehouse_id):
            raise Forbidden(f"not allowed in warehouse {warehouse_id}", code="warehouse_scope")

    def require_visible_warehouse(self, warehouse_id: str, unknown: NotFound, *, registry: bool = False) -> None:
        """Something kept in `warehouse_id` that the caller named by its own id, code or label (not by the
        warehouse): outside the caller's warehouses it does not exist for them. `unknown` is the very answer an
        unknown id of that kind gets, so a refusal never says where something is kept. `registry`: an admin
        keeping the registry sees every warehouse's locations."""
        if not (self.may_act_in_warehouse(warehouse_id) or (registry and self.manages_registry)):
            raise unknown

    def require_unit(self, unit: str) -> None:
        if not self.may_act_for_unit(unit):
            raise Forbidden(f"not allowed for unit {unit}", code="unit_scope")

    def require_visible_unit(self, unit: str | None, unknown: NotFound) -> None:
        """Something kept for `unit` that the caller named by its id: outside the caller's units it does not
        exist for them. `unknown` is the very answer an unknown id gets, so a refusal never says where
        something is. `unit` None (nothing known of where it belongs) is visible to all-unit callers only."""
        if not (self.may_act_for_unit(unit) if unit is not None else self.of_every_unit):
            raise unknown


def canonical_user_id(user_id: str) -> str:
    """A person's id as compared by the rules: the identity provider's usernames are lower-case and unique,
    and an id that differs from one only by case or surrounding whitespace is that same person."""
    return user_id.strip().lower()


class Verifier(Protocol):
    """What the HTTP layer asks of a token verifier: the principal a bearer token names, or Unauthenticated."""

    async def principal(self, token: str) -> Principal: ...


class TokenVerifier:
    """Verifies bearer tokens of the local issuer (tests, benchmarks; an OIDC provider in production:
    tangvat_shared.oidc); a token already verified is not verified again until it expires.

    A scanner sends the same token with every scan, and an Ed25519 verification costs more than
    the rest of the scan's Python work: the cache maps the exact token string to its principal
    and expiry, so a changed byte is a cache miss and gets the full check."""

    CACHE_SIZE = 10_000

    def __init__(self, public_key: Ed25519PublicKey, *, leeway_seconds: int = 30) -> None:
        self._key = public_key
        self._leeway = leeway_seconds
        self._verified: dict[str, tuple[Principal, float, float]] = {}

    async def principal(self, token: str) -> Principal:
        return self.verify(token)

    def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            principal, not_before, expires = cached
            if not_before <= time.time() <= expires:
                return principal
            del self._verified[token]
        principal, claims = self._verify(token)
        if len(self._verified) >= self.CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (principal, float(claims.get("nbf", 0)) - self._leeway,
                                 float(claims["exp"]) + self._leeway)
        return principal

    def _verify(self, token: str) -> tuple[Principal, dict[str, Any]]:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired", code="token_expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}", code="token_invalid") from None
        try:
            roles = frozenset(Role(r) for r in claims.get("roles", []))
        except ValueError:
            raise Unauthenticated("token names an unknown role", code="token_invalid") from None
        if not roles:
            raise Unauthenticated("token carries no role", code="token_invalid")
        return Principal(
            user_id=str(claims["sub"]),
            roles=roles,
            warehouses=frozenset(str(w) for w in claims.get("warehouses", [])),
            units=frozenset(str(u) for u in claims.get("units", [])),
        ), claims


def mint_token(
    key: Ed25519PrivateKey,
    *,
    subject: str,
    roles: Iterable[Role | str],
    warehouses: Iterable[str] = (),
    units: Iterable[str] = (),
    ttl_seconds: int = 3600,
    now: float | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": [Role(r).value for r in roles],
        "warehouses": list(warehouses),
        "units": list(units),
        "aud": AUDIENCE,
        "iss": ISSUER,
        "iat": issued,
        "exp": issued + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    claims.update(extra or {})
    return jwt.encode(claims, key, algorithm=ALGORITHM)
