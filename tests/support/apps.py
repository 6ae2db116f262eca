"""Every service's FastAPI app, built without infrastructure (nothing connects until the app starts)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from tangvat_web.api import build_app as build_web
from tangvat_web.settings import WebSettings

from tangvat_audit.api import build_app as build_audit
from tangvat_custody.api import build_app as build_custody
from tangvat_disposal.api import build_app as build_disposal
from tangvat_intake.api import build_app as build_intake
from tangvat_shared.auth import TokenVerifier
from tangvat_shared.keys import generate_private_key

UNUSED_DSN = "postgresql://nobody@127.0.0.1:1/none"


def every_app(key: Ed25519PrivateKey | None = None) -> dict[str, FastAPI]:
    """The five apps by service name, as their routes and OpenAPI documents stand; `key` signs their tokens."""
    key = key or generate_private_key()
    verifier = TokenVerifier(key.public_key())
    return {
        "intake": build_intake(UNUSED_DSN, verifier, key),
        "custody": build_custody(UNUSED_DSN, verifier, key.public_key()),
        "disposal": build_disposal(UNUSED_DSN, verifier),
        "audit": build_audit(UNUSED_DSN, verifier, "127.0.0.1:1", Path("/nonexistent")),
        "web": build_web(WebSettings(allowed_hosts=["testserver"]), verifier),
    }
