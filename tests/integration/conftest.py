"""A service wired to the real test broker and database: intake's API in-process, its relay running."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tangvat_intake.api import build_app
from tangvat_shared.files import LocalFileStore
from tangvat_shared.keys import load_private_key
from tangvat_shared.relay import Relay
from tests.support.databases import migrated_database
from tests.support.running import running_app, running_relay
from tests.support.tokens import TokenFactory, bearer, verifier_for

__all__ = ["TokenFactory", "bearer"]  # keys_dir, auth_key and token come from tests/conftest.py


@pytest.fixture(scope="session")
async def intake_dsn(infra: Any) -> str:
    return await migrated_database(infra.pg_admin_dsn, "intake", "tangvat_intake")


@pytest.fixture(scope="session")
def intake_files(tmp_path_factory: pytest.TempPathFactory) -> LocalFileStore:
    """Intake's file store (its seizures' photos and documents), a directory of this test session."""
    return LocalFileStore(tmp_path_factory.mktemp("intake-files"))


@pytest.fixture(scope="session")
async def intake_client(intake_dsn: str, keys_dir: Path, intake_files: LocalFileStore
                        ) -> AsyncIterator[httpx.AsyncClient]:
    verifier = verifier_for(keys_dir)
    app = build_app(intake_dsn, verifier, load_private_key((keys_dir / "intake.pem").read_bytes()),
                    files=intake_files)
    async with running_app(app) as client:
        yield client


@pytest.fixture(scope="session")
async def intake_relay(infra: Any, intake_dsn: str, keys_dir: Path) -> AsyncIterator[Relay]:
    async with running_relay(infra, intake_dsn, "intake", load_private_key((keys_dir / "intake.pem").read_bytes()),
                             holder="test-relay") as relay:
        yield relay
