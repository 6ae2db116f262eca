"""Same-origin pass-through to the services: the caller's bearer token (an API client's, or the signed-in
session's access token) goes on; the services' own operational pages stay private; their redirects name
the front's paths, never an internal address."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlsplit

import httpx
from fastapi import Request, Response
from fastapi.responses import JSONResponse

from tangvat_shared.http import error_body

# Only what the services read or a browser needs; hop-by-hop headers never cross. The bearer is added apart.
REQUEST_HEADERS = ("idempotency-key", "content-type", "accept", "x-correlation-id")
PATH_SAFE = "/:@!$&'()*+,;=~"
RESPONSE_HEADERS = ("content-type", "content-disposition", "x-correlation-id", "www-authenticate")
# A service's metrics, API documents and probes are for operators on its own port, not for whoever reaches the front.
PRIVATE = frozenset({"metrics", "docs", "redoc", "openapi.json", "healthz", "readyz"})


def not_found(message: str) -> JSONResponse:
    return JSONResponse(error_body("not_found", message), status_code=404)


def private_path(path: str) -> bool:
    """Whether a proxied path names a service's operational page (or hides one behind dot segments)."""
    segments = path.split("/")
    if any(s in (".", "..") for s in segments):
        return True  # an HTTP client may resolve "a/../metrics" after our check
    first = next((s for s in segments if s), "")
    return first.lower() in PRIVATE


class Upstreams:
    """The services behind `/api/<name>/...`, with one pooled HTTP client."""

    def __init__(self, urls: Mapping[str, str], timeout: float) -> None:
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}
        self.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def close(self) -> None:
        await self.client.aclose()

    async def forward(self, name: str, path: str, request: Request, bearer: str) -> Response:
        base = self.urls.get(name)
        if base is None:
            return not_found(f"no service {name!r}")
        if private_path(path):
            return not_found("no such page")
        headers = {h: v for h in REQUEST_HEADERS if (v := request.headers.get(h)) is not None}
        headers["authorization"] = f"Bearer {bearer}"
        # The path arrives decoded: encode it again, so that a "?" or "#" in a segment stays in that segment.
        url = f"{base}/{quote(path, safe=PATH_SAFE)}"
        try:
            # Every value of a repeated parameter (?code=A&code=B), not only the last.
            upstream = await self.client.request(
                request.method, url, params=str(request.query_params), content=await request.body(),
                headers=headers)
        except httpx.TransportError as exc:
            # The scan station's offline queue keys on this: the request never reached the service.
            return JSONResponse(error_body("upstream_unavailable", f"{name} unreachable: {type(exc).__name__}"),
                                status_code=502)
        out = {h: v for h in RESPONSE_HEADERS if (v := upstream.headers.get(h)) is not None}
        location = upstream.headers.get("location")
        if location is not None and (public := self.public_location(name, location)) is not None:
            out["location"] = public
        return Response(upstream.content, status_code=upstream.status_code, headers=out)

    def public_location(self, name: str, location: str) -> str | None:
        """A service's Location as the front's path (`http://127.0.0.1:8001/seizures` -> `/api/intake/seizures`);
        None for one that points anywhere else (it is dropped, not passed on)."""
        target, base = urlsplit(location), urlsplit(self.urls[name])
        if target.scheme or target.netloc:
            if (target.scheme, target.netloc) != (base.scheme, base.netloc):
                return None
        elif not target.path.startswith("/"):
            return None  # relative to a path the browser does not know
        path = target.path
        prefix = base.path.rstrip("/")
        if prefix and not path.startswith(prefix + "/"):
            return None
        path = path[len(prefix):]
        return f"/api/{name}{path}" + (f"?{target.query}" if target.query else "")
