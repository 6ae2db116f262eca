"""Tokens from an OpenID Connect provider (Keycloak, or an agency's own SSO): the issuer is configuration.

The provider's signing keys come from its discovery document's `jwks_uri`, cached; a token signed
with a key id the cache does not know makes one refetch (at most every `min_refresh_seconds`), so a
key rotated in the provider is accepted without a restart and a flood of forged key ids cannot make
us hammer the provider. Algorithms, audience and issuer are fixed by configuration, never taken
from the token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

import httpx
import jwt

from tangvat_shared.auth import Principal, Role
from tangvat_shared.errors import Unauthenticated

# Asymmetric only: HS* with the public key taken as the secret is a classic forgery.
ALGORITHMS = ("RS256", "ES256", "PS256", "EdDSA")


class ProviderUnavailable(Unauthenticated):
    """The identity provider's keys cannot be read: the caller cannot be authenticated now."""


class OidcKeys:
    """An issuer's signing keys by key id, read through its discovery document."""

    def __init__(self, issuer: str, *, client: httpx.AsyncClient | None = None, min_refresh_seconds: float = 10.0,
                 discovery_url: str | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self._discovery_url = discovery_url or f"{self.issuer}/.well-known/openid-configuration"
        self._client = client
        self._min_refresh = min_refresh_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    def cached(self, kid: str) -> jwt.PyJWK | None:
        return self._keys.get(kid)

    async def key(self, kid: str) -> jwt.PyJWK:
        known = self._keys.get(kid)
        if known is not None:
            return known
        async with self._lock:  # concurrent misses wait for one fetch
            if kid not in self._keys and time.monotonic() - self._fetched_at >= self._min_refresh:
                await self._refresh()
        try:
            return self._keys[kid]
        except KeyError:
            raise Unauthenticated("token signed with a key the provider does not publish",
                                  code="token_invalid") from None

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        client = self._client or httpx.AsyncClient(timeout=10.0)
        try:
            discovery = (await client.get(self._discovery_url)).raise_for_status().json()
            if discovery.get("issuer", "").rstrip("/") != self.issuer:
                raise ProviderUnavailable("the provider's discovery document names another issuer",
                                          code="identity_provider_misconfigured")
            jwks = (await client.get(discovery["jwks_uri"])).raise_for_status().json()
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise ProviderUnavailable(f"identity provider unreachable: {exc}",
                                      code="identity_provider_unavailable") from None
        finally:
            if self._client is None:
                await client.aclose()
        keys: dict[str, jwt.PyJWK] = {}
        for entry in jwks.get("keys", []):
            if entry.get("use", "sig") != "sig" or "kid" not in entry:
                continue
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry)
            except jwt.PyJWTError:
                continue  # a key type this library does not handle is not one our tokens use
        self._keys = keys


class OidcTokenVerifier:
    """Verifies a provider's access tokens into principals; a verified token is cached until it expires."""

    CACHE_SIZE = 10_000

    def __init__(self, keys: OidcKeys, *, audience: str, algorithms: Iterable[str] = ("RS256",),
                 user_claim: str = "preferred_username", leeway_seconds: int = 30) -> None:
        self._keys = keys
        self._audience = audience
        self._algorithms = [a for a in algorithms if a in ALGORITHMS]
        if not self._algorithms:
            raise ValueError(f"no allowed algorithm among {list(algorithms)}")
        self._user_claim = user_claim
        self._leeway = leeway_seconds
        self._verified: dict[str, tuple[Principal, float]] = {}

    async def principal(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            if time.time() <= cached[1]:
                return cached[0]
            del self._verified[token]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}", code="token_invalid") from None
        if header.get("alg") not in self._algorithms or not isinstance(header.get("kid"), str):
            raise Unauthenticated("token algorithm or key id not accepted", code="token_invalid")
        key = await self._keys.key(header["kid"])
        claims = self._decode(token, key)
        principal = principal_of(claims, self._user_claim)
        if len(self._verified) >= self.CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (principal, float(claims["exp"]) + self._leeway)
        return principal

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=self._algorithms, audience=self._audience, issuer=self._keys.issuer,
                leeway=self._leeway, options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired", code="token_expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}", code="token_invalid") from None
        if claims.get("typ", "Bearer") != "Bearer":
            raise Unauthenticated("not an access token", code="token_invalid")  # an ID or refresh token
        return claims


def principal_of(claims: dict[str, Any], user_claim: str = "preferred_username") -> Principal:
    """The principal an access token names: our roles (the provider's own are ignored), units, warehouses."""
    ours = {r.value for r in Role}
    roles = frozenset(Role(r) for r in claims.get("roles", []) if r in ours)
    if not roles:
        raise Unauthenticated("token carries no Tangvat role", code="token_invalid")
    user = claims.get(user_claim) or claims["sub"]
    return Principal(
        user_id=str(user),
        roles=roles,
        warehouses=frozenset(str(w) for w in claims.get("warehouses", [])),
        units=frozenset(str(u) for u in claims.get("units", [])),
    )
