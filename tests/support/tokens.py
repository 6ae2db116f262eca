"""Session keys (auth, and each service's event/label keys) and the token factory every suite shares."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tangvat_shared.auth import Role, mint_token
from tangvat_shared.keys import ensure_key_pair, load_private_key

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
def token(auth_key: Ed25519PrivateKey) -> TokenFactory:
    def make(role: Role | str = Role.INTAKE_OFFICER, *, user: str = "officer-1", units: tuple[str, ...] = ("QLTT-BN",),
             warehouses: tuple[str, ...] = ("KHO-BN-01",), **kwargs: Any) -> str:
        return mint_token(auth_key, subject=user, roles=[role], units=units, warehouses=warehouses, **kwargs)

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
