"""Schemathesis against intake, custody and disposal served for real (uvicorn, a fresh migrated database
each): every check, the coverage, fuzzing and stateful phases, a few examples per operation and a fixed
seed, so CI guards what `make fuzz` finds on a whole stack: no server error, no answer the OpenAPI does
not describe, no schema-valid request refused by the request validation (deploy/fuzz_checks.py)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from tangvat_custody.api import build_app as build_custody
from tangvat_disposal.api import build_app as build_disposal
from tangvat_intake.api import build_app as build_intake
from tangvat_shared.auth import Role, TokenVerifier, mint_token
from tangvat_shared.keys import load_private_key, load_public_key
from tests.support.databases import migrated_database
from tests.support.waiting import eventually

REPO = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = "5"
SEED = "20261201"


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """The app behind a real socket, in a thread with its own event loop (its pool lives there)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="fuzzed-app", daemon=True)
    thread.start()

    async def started() -> bool:
        return server.started or not thread.is_alive()

    await eventually(started, timeout=60, what="the app to listen")
    assert server.started, "the app did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join)


Builder = Callable[[str, Path], FastAPI]
APPS: dict[str, tuple[str, Builder]] = {
    "intake": ("tangvat_intake", lambda dsn, keys: build_intake(
        dsn, _verifier(keys), load_private_key((keys / "intake.pem").read_bytes()))),
    "custody": ("tangvat_custody", lambda dsn, keys: build_custody(
        dsn, _verifier(keys), load_public_key((keys / "intake.pub.pem").read_bytes()))),
    "disposal": ("tangvat_disposal", lambda dsn, keys: build_disposal(dsn, _verifier(keys))),
}


def _verifier(keys: Path) -> TokenVerifier:
    return TokenVerifier(load_public_key((keys / "auth.pub.pem").read_bytes()))


@pytest.mark.parametrize("service", sorted(APPS))
async def test_schemathesis_finds_nothing_with_every_check_and_the_stateful_phase(
    service: str, infra: Any, keys_dir: Path, auth_key: Any
) -> None:
    package, build = APPS[service]
    dsn = await migrated_database(infra.pg_admin_dsn, f"fuzz_{service}", package)
    # Every role of every scope (admin alone is refused the work): the fuzzer reaches every route's checks.
    token = mint_token(auth_key, subject="fuzzer", roles=list(Role), units=("*",), warehouses=("*",))
    async with serving(build(dsn, keys_dir)) as base:
        process = await asyncio.create_subprocess_exec(
            str(SCHEMATHESIS), "run", f"{base}/openapi.json", "--checks", "all",
            "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", EXAMPLES, "--seed", SEED,
            "--no-color", "--request-timeout", "60", "-H", f"Authorization: Bearer {token}",
            cwd=REPO, env={**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_checks"},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await process.communicate()
    report = output.decode(errors="replace")
    assert process.returncode == 0, report[report.find("= FAILURES ="):][:8000] or report[-4000:]
    assert "Tested:" in report and " passed" in report, report[-2000:]
