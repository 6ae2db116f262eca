"""API documentation pages served by the service itself, never from a CDN: an agency's network is closed, and a
page's scripts must come from here. The page's one inline script is admitted by its hash, nothing else."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

# Swagger UI's bundle, stylesheet and icon as the pinned fastapi-offline package ships them.
ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
DOCS_URL = "/docs"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def inline_script_hashes(html: str) -> list[str]:
    """CSP source expressions ('sha256-…') of a page's inline scripts, as a browser hashes them."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
            for s in _INLINE_SCRIPT.findall(html)]


def docs_policy(html: str) -> str:
    # Swagger UI sets style attributes and draws its icons as data: images; it fetches only this origin's schema.
    return (f"default-src 'self'; script-src 'self' {' '.join(inline_script_hashes(html))}; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'")


def add_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) from this process; the app must be built with docs_url=None and redoc_url=None."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", ""))
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} — API",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters)
        html = bytes(page.body).decode()
        return HTMLResponse(html, headers={"content-security-policy": docs_policy(html)})
