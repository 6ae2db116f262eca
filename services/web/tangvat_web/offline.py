"""What the pages need to work without a network: the service worker, told which files make the app shell and
which version of them this deploy serves, and the public keys that tell a genuine label from a forged one."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from tangvat_shared.keys import load_public_key
from tangvat_web import signin_routes

router = APIRouter()
SHELL_SUFFIXES = (".html", ".js", ".css", ".svg", ".png", ".woff2", ".txt")
# Label prefix -> the service whose key signs it: intake signs item labels; custody signs location labels.
LABEL_SIGNERS = {"TV1": "intake", "TVL1": "custody"}


def shell_files(static: Path) -> list[str]:
    """Every page, script, style sheet and vendored file under static/ (sw.js itself aside), as URL paths."""
    files = sorted(p.relative_to(static).as_posix() for p in static.rglob("*")
                   if p.is_file() and p.suffix in SHELL_SUFFIXES and p.name != "sw.js")
    return ["/", *(f"/{f}" for f in files)]


def shell_version(static: Path, files: list[str]) -> str:
    """A digest of the shell's names and bytes: any file a deploy changes changes the worker's script, so the
    browser installs it again and drops the old cache."""
    digest = hashlib.sha256()
    for name in files:
        if name == "/":
            continue
        digest.update(name.encode() + b"\0" + (static / name[1:]).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def worker_script(static: Path) -> bytes:
    files = shell_files(static)
    shell = {"version": shell_version(static, files), "files": files}
    return f"self.TV_SHELL = {json.dumps(shell)};\n".encode() + (static / "sw.js").read_bytes()


@router.get("/sw.js", include_in_schema=False)
async def service_worker(request: Request) -> Response:
    # Built at each request: cheap (a few hundred kB hashed) and never stale after a deploy that kept the process.
    body: bytes = worker_script(request.app.state.static)
    return Response(body, media_type="text/javascript", headers={"cache-control": "no-cache"})


def raw_key(key: Ed25519PublicKey) -> str:
    return base64.urlsafe_b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode().rstrip("=")


def label_keys(keys_dir: Path | None) -> list[dict[str, str]]:
    keys = []
    for prefix, signer in LABEL_SIGNERS.items():
        path = keys_dir / f"{signer}.pub.pem" if keys_dir else None
        if path is not None and path.exists():
            keys.append({"prefix": prefix, "signer": signer, "algorithm": "Ed25519",
                         "public_key": raw_key(load_public_key(path.read_bytes()))})
    return keys


class LabelKey(BaseModel):
    prefix: str
    signer: str
    algorithm: str
    public_key: str  # the raw 32-byte Ed25519 key, base64url without padding (WebCrypto's "raw" import)


class LabelKeys(BaseModel):
    keys: list[LabelKey]


@router.get("/api/label-keys", response_model=LabelKeys,
            summary="The public keys that sign labels, for a signed-in station to verify labels while offline",
            responses={401: {"description": "not signed in"}})
async def keys(request: Request, signed: signin_routes.Signed) -> dict[str, Any]:
    return {"keys": label_keys(request.app.state.keys_dir)}
