"""Session keys (auth, and each service's event/label keys), the token factory every suite shares, and the
verifier the suites' services use: the local test issuer always, the suite's Keycloak once a test binds it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tangvat_shared.auth import Principal, Role, TokenVerifier, Verifier, mint_token
from tangvat_shared.keys import ensure_key_pair, load_private_key, load_public_key

TokenFactory = Callable[..., str]


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    for name in ("auth", "intake", "custody", "disposal"):
        ensure_key_pair(directory, name)
    return directory


@pytest.fixture(scope="session")
def auth_key(keys_dir: Path) -> Ed25519PrivateKey:
    return load_private_key((keys_dir / "auth.pem").read_bytes())


@pytest.fixture(scope="session")
def local_token(auth_key: Ed25519PrivateKey) -> TokenFactory:
    """Tokens of the local test issuer. Session fixtures that set up shared state take this one, so a module that
    swaps `token` for the identity provider's (tests/support/idp_tokens.py) swaps only its own tests' callers."""

    def make(role: Role | str = Role.INTAKE_OFFICER, *, user: str = "officer-1", units: tuple[str, ...] = ("QLTT-BN",),
             warehouses: tuple[str, ...] = ("KHO-BN-01",), **kwargs: Any) -> str:
        return mint_token(auth_key, subject=user, roles=[role], units=units, warehouses=warehouses, **kwargs)

    return make


@pytest.fixture(scope="session")
def token(local_token: TokenFactory) -> TokenFactory:
    return local_token


# Issuers other than the local one whose tokens the suites' services accept now: bound by the identity provider's
# token factory when a test first uses it, so a run that never asks for Keycloak never starts it.
_BOUND: dict[str, Verifier] = {}


def bind_issuer(issuer: str, verifier: Verifier) -> None:
    _BOUND[issuer] = verifier


def unbind_issuer(issuer: str) -> None:
    _BOUND.pop(issuer, None)


class IssuerRouter:
    """Test support only (each product service trusts one configured issuer): a token goes to the verifier of the
    issuer it names when that issuer is bound, else to the local issuer's verifier, which refuses what is not its
    own exactly as it always did."""

    def __init__(self, local: TokenVerifier) -> None:
        self.local = local

    async def principal(self, token: str) -> Principal:
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            issuer = None  # not even a JWT: the local verifier says so
        bound = _BOUND.get(issuer) if isinstance(issuer, str) else None
        return await (bound or self.local).principal(token)


def verifier_for(keys_dir: Path) -> IssuerRouter:
    """The verifier a suite's in-process service is built with (the session's auth key, plus bound issuers)."""
    return IssuerRouter(TokenVerifier(load_public_key((keys_dir / "auth.pub.pem").read_bytes())))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
