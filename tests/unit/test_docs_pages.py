"""A service's /docs: its assets come from the service itself and its policy admits exactly its inline script."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tangvat_shared.auth import TokenVerifier
from tangvat_shared.docs import inline_script_hashes
from tangvat_shared.http import create_app
from tangvat_shared.keys import generate_private_key


def _client() -> TestClient:
    verifier = TokenVerifier(generate_private_key().public_key())

    async def ready() -> None:
        return None

    return TestClient(create_app(title="Tangvat test", version="1", token_verifier=verifier, readiness=ready))


def test_the_docs_page_names_only_local_assets_and_they_are_served() -> None:
    client = _client()
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 1000, source
    assert client.get("/redoc").status_code == 404  # one documentation page, not a second CDN-bound one


def test_the_docs_policy_admits_its_inline_script_by_hash_and_nothing_inline_else() -> None:
    page = _client().get("/docs")
    policy = page.headers["content-security-policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src")).split()[1:]
    assert "'unsafe-inline'" not in script_src
    assert sorted(script_src) == sorted(["'self'", *inline_script_hashes(page.text)])
    assert len(script_src) == 2  # Swagger UI's one start-up script
    assert "frame-ancestors 'none'" in policy


def test_inline_script_hashes_are_the_browsers_sha256_source_expressions() -> None:
    # The CSP3 example: sha256 of `alert('Hello, world.');`
    assert inline_script_hashes("<script>alert('Hello, world.');</script>") == [
        "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"]
