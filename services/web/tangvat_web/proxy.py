"""Same-origin pass-through to intake, custody and disposal: the caller's bearer token goes on unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

import httpx
from fastapi import Request, Response
from fastapi.responses import JSONResponse

from tangvat_shared.http import error_body

# Only what the services read or a browser needs; hop-by-hop headers never cross.
REQUEST_HEADERS = ("authorization", "idempotency-key", "content-type", "accept", "x-correlation-id")
PATH_SAFE = "/:@!$&'()*+,;=~"
RESPONSE_HEADERS = ("content-type", "content-disposition", "x-correlation-id", "location", "www-authenticate")


class Upstreams:
    """The services behind `/api/<name>/...`, with one pooled HTTP client."""

    def __init__(self, urls: Mapping[str, str], timeout: float) -> None:
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}
        self.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def close(self) -> None:
        await self.client.aclose()

    async def forward(self, name: str, path: str, request: Request) -> Response:
        base = self.urls.get(name)
        if base is None:
            return JSONResponse(error_body("not_found", f"no service {name!r}"), status_code=404)
        headers = {h: v for h in REQUEST_HEADERS if (v := request.headers.get(h)) is not None}
        # The path arrives decoded: encode it again, so that a "?" or "#" in a segment stays in that segment.
        url = f"{base}/{quote(path, safe=PATH_SAFE)}"
        try:
            upstream = await self.client.request(
                request.method, url, params=request.query_params, content=await request.body(),
                headers=headers)
        except httpx.TransportError as exc:
            # The scan station's offline queue keys on this: the request never reached the service.
            return JSONResponse(error_body("upstream_unavailable", f"{name} unreachable: {type(exc).__name__}"),
                                status_code=502)
        out = {h: v for h in RESPONSE_HEADERS if (v := upstream.headers.get(h)) is not None}
        return Response(upstream.content, status_code=upstream.status_code, headers=out)
