"""The web front's answers are never cached and never type-sniffed: pages, its own API, its errors; a header an
answer sets itself (a proxied service's) is kept."""

from __future__ import annotations

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send
from tangvat_web.api import NoStoreMiddleware, build_app
from tangvat_web.settings import WebSettings

from tangvat_shared.auth import TokenVerifier
from tangvat_shared.keys import generate_private_key


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/", 200), ("GET", "/scan.html", 200), ("GET", "/api/config", 200), ("GET", "/api/session", 401),
    ("GET", "/no-such-page.html", 404), ("PUT", "/api/dev/token", 405),
])
async def test_every_answer_says_no_store_and_nosniff(method: str, path: str, status: int) -> None:
    app = build_app(WebSettings(), TokenVerifier(generate_private_key().public_key()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web") as client:
        response = await client.request(method, path)
    assert response.status_code == status
    assert response.headers.get_list("cache-control") == ["no-store"]
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert response.headers["x-correlation-id"]


async def test_a_cache_header_set_by_the_answer_is_kept() -> None:
    async def upstream(scope: Scope, receive: Receive, send: Send) -> None:
        start: Message = {"type": "http.response.start", "status": 200,
                          "headers": [(b"Cache-Control", b"private, max-age=5"), (b"content-length", b"2")]}
        await send(start)
        await send({"type": "http.response.body", "body": b"ok"})

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=NoStoreMiddleware(upstream)),
                                 base_url="http://web") as client:
        response = await client.get("/")
    assert response.text == "ok"
    assert response.headers.get_list("cache-control") == ["private, max-age=5"]
    assert response.headers["x-content-type-options"] == "nosniff"
