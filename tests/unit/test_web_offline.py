"""The web front's offline pieces: the service worker's script names this deploy's shell and its version, the label
keys go only to a signed-in caller, and the vendored decoder is byte for byte the pinned npm package's file."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tangvat_web import offline
from tangvat_web.api import STATIC, build_app
from tangvat_web.settings import WebSettings

from tangvat_shared.auth import Role, TokenVerifier, mint_token
from tangvat_shared.keys import ensure_key_pair, generate_private_key, load_private_key
from tangvat_shared.labels import sign_label

ROOT = Path(__file__).resolve().parents[2]
KEY = generate_private_key()
VENDORED = {"zxing-library-0.23.0.min.js": ("@zxing/library", "umd/index.min.js"),
            "zxing-library-0.23.0.LICENSE.txt": ("@zxing/library", "LICENSE"),
            "jsqr-1.4.0.js": ("jsqr", "dist/jsQR.js"), "jsqr-1.4.0.LICENSE.txt": ("jsqr", "LICENSE"),
            "signature_pad-5.1.4.umd.min.js": ("signature_pad", "dist/signature_pad.umd.min.js"),
            "signature_pad-5.1.4.LICENSE.txt": ("signature_pad", "LICENSE")}


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    for name in ("intake", "custody"):
        ensure_key_pair(tmp_path, name)
    app = build_app(WebSettings(allowed_hosts=["web"]), TokenVerifier(KEY.public_key()), keys_dir=tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web") as client:
        client.keys_dir = tmp_path  # type: ignore[attr-defined]
        yield client


def _bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(KEY, subject='kho-1', roles=[Role.WAREHOUSE_STAFF])}"}


async def test_the_workers_script_lists_every_page_and_script_and_is_versioned_by_their_bytes(
        web: httpx.AsyncClient) -> None:
    answer = await web.get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    head, _, rest = answer.text.partition("\n")
    shell = json.loads(head.removeprefix("self.TV_SHELL = ").removesuffix(";"))
    for page in ("/", "/scan.html", "/scan.js", "/app.js", "/app.css", "/i18n.js", "/i18n/offline.js",
                 "/camera.js", "/offline.js", "/vendor/zxing-library-0.23.0.min.js", "/item.html"):
        assert page in shell["files"], page
    assert "/sw.js" not in shell["files"]
    assert shell["version"] == offline.shell_version(STATIC, shell["files"])
    assert rest == (STATIC / "sw.js").read_text()
    # Same-origin script at the root: scope / needs no Service-Worker-Allowed header.
    assert "service-worker-allowed" not in answer.headers
    assert "script-src 'self'" in answer.headers["content-security-policy"]


async def test_label_keys_are_served_to_a_signed_in_caller_only_and_verify_a_real_label(
        web: httpx.AsyncClient) -> None:
    assert (await web.get("/api/label-keys")).status_code == 401
    answer = await web.get("/api/label-keys", headers=_bearer())
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    keys = {k["prefix"]: k for k in answer.json()["keys"]}
    assert set(keys) == {"TV1", "TVL1"}
    assert keys["TV1"]["signer"] == "intake" and keys["TV1"]["algorithm"] == "Ed25519"
    raw = base64.urlsafe_b64decode(keys["TV1"]["public_key"] + "==")
    private = load_private_key((web.keys_dir / "intake.pem").read_bytes())  # type: ignore[attr-defined]
    label = sign_label(private, uuid.uuid4(), "UX1-0001")
    signed, signature = label.rsplit(".", 1)
    Ed25519PublicKey.from_public_bytes(raw).verify(base64.urlsafe_b64decode(signature + "=="), signed.encode())


def test_no_keys_dir_serves_no_keys() -> None:
    assert offline.label_keys(None) == []


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_the_vendored_decoder_is_the_pinned_packages_file(name: str) -> None:
    package, path = VENDORED[name]
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"][f"node_modules/{package}"]["version"]
    assert pinned in name  # the vendored file's name says the version package-lock.json pins
    manifest = json.loads((ROOT / "package.json").read_text())
    assert manifest["dependencies"][package] == pinned  # exact, not a range
    installed = ROOT / "node_modules" / package / path
    if not installed.exists():
        pytest.fail(f"{installed} missing: run `make install` (npm ci)")
    vendored = STATIC / "vendor" / name
    assert hashlib.sha256(vendored.read_bytes()).hexdigest() == hashlib.sha256(installed.read_bytes()).hexdigest()
