"""POST /audits refuses bad parameters before it replays anything: this auditor's broker does not exist, so
any attempt to read the log would fail, and a refusal proves the parameters were checked first."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tangvat_audit.api import build_app
from tangvat_shared.auth import TokenVerifier
from tangvat_shared.keys import load_public_key
from tests.support.databases import migrated_database
from tests.support.running import running_app
from tests.support.tokens import TokenFactory, bearer

NO_BROKER = "127.0.0.1:9"  # discard port: nothing answers Kafka there


@pytest.fixture(scope="module")
async def brokerless_auditor(infra: Any, keys_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    dsn = await migrated_database(infra.pg_admin_dsn, f"audit_first_{uuid.uuid4().hex[:6]}", "tangvat_audit")
    verifier = TokenVerifier(load_public_key((keys_dir / "auth.pub.pem").read_bytes()))
    async with running_app(build_app(dsn, verifier, NO_BROKER, keys_dir), "auditor") as client:
        yield client


@pytest.mark.parametrize(("params", "field", "said"), [
    ({"until": "9999-12-31T23:59:59-14:00"}, "until", "between the years 1900 and 9000"),
    ({"until": "0001-01-01T00:00:00+14:00"}, "until", "between the years 1900 and 9000"),
    ({"until": "2024-05-01T08:30:00"}, "until", "timezone"),
    ({"location": "KHO\x00A"}, "location", "pattern"),
    ({"location": "x" * 65}, "location", "at most 64 characters"),
])
async def test_bad_parameters_are_refused_before_the_log_is_replayed(
        brokerless_auditor: httpx.AsyncClient, token: TokenFactory, params: dict[str, str], field: str,
        said: str) -> None:
    response = await brokerless_auditor.post("/audits", params=params,
                                             headers=bearer(token("auditor", units=("*",))))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert [d["loc"] for d in error["details"]] == [["query", field]]
    assert said in error["details"][0]["message"]
