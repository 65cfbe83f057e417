"""The outer ASGI layer: CORS, HEAD, common headers, and prepared responses without a handler.

A GET or HEAD whose exact path and query have a prepared response (a guide, the first page of
/guides, facets, sitemap, health, the OpenAPI document...) is answered here, with the same
negotiation as the handlers (:func:`.http.respond`), without routing or parameter parsing.
Everything else goes to Litestar: HEAD as a GET whose body is dropped, and every response gets
the CORS and security headers on the way out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..config import Settings
from .common import not_loaded_detail
from .http import NOSNIFF, Policy, Prepared, encode, problem, respond, security_headers
from .loader import SiteHolder, workers_ready

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_EXPOSE = (b"access-control-expose-headers", b"ETag, X-Robots-Tag, Content-Encoding")
_PREFLIGHT_METHODS = (b"access-control-allow-methods", b"GET, HEAD, OPTIONS")
_MAX_AGE = (b"access-control-max-age", b"86400")


def request_headers(scope: Scope) -> dict[str, str]:
    """Lower-cased header names to values (repeated headers joined with ', ')."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


class Edge:
    def __init__(self, app: Any, holder: SiteHolder, settings: Settings, static: dict[str, Prepared]) -> None:
        self.app: ASGIApp = app
        self.holder = holder
        #: content-independent prepared responses (the OpenAPI document)
        self.static = static
        origins = settings.cors_origins
        self.any_origin = "*" in origins
        self.origins = frozenset(origins)
        self.policy = Policy(cache_control=settings.cache_control_header.encode())

    def cors(self, origin: str | None) -> list[tuple[bytes, bytes]]:
        if origin is None:
            return []
        if self.any_origin:
            return [(b"access-control-allow-origin", b"*"), _EXPOSE]
        if origin in self.origins:
            return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin"), _EXPOSE]
        return [(b"vary", b"Origin")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        headers = request_headers(scope)
        cors = self.cors(headers.get("origin"))
        if method == "OPTIONS" and "access-control-request-method" in headers and "origin" in headers:
            await self._preflight(send, cors, headers)
            return
        site = self.holder.site
        if site is None and not scope["path"].startswith("/schema"):
            await self._not_loaded(scope["path"], send, cors, head=method == "HEAD")
            return
        if scope["path"] == "/ready" and method in ("GET", "HEAD"):
            ready, expected = workers_ready()
            if ready < expected:
                await self._not_loaded("/ready", send, cors, head=method == "HEAD", detail=(
                    f"{ready} of {expected} workers have loaded the content; retry in a moment"))  # fmt: skip
                return
        if method in ("GET", "HEAD") and site is not None:
            query = scope["query_string"]
            key = scope["path"] + ("?" + query.decode("latin-1") if query else "")
            prepared = site.prepared.get(key) or self.static.get(key) or site.answered.get(key)
            if prepared is not None:
                status, raw, body = respond(prepared, headers, site.policy)
                await send({"type": "http.response.start", "status": status, "headers": raw + cors})
                await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
                return
        await self._downstream(scope, receive, send, cors, head=method == "HEAD")

    async def _not_loaded(
        self, path: str, send: Send, cors: list[tuple[bytes, bytes]], head: bool, detail: str | None = None
    ) -> None:
        """While the content loads: /health says so (alive, 200), everything else is a 503."""
        holder = self.holder
        if path == "/health":
            body = encode(
                {
                    "status": holder.state,
                    "guides": 0,
                    "errors": 0,
                    "warnings": 0,
                    "content_hash": "",
                    "loaded_at": None,
                    "reason": not_loaded_detail(holder),
                }
            )
            status = 503 if holder.state == "failed" else 200
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                       (b"cache-control", b"no-store"), NOSNIFF]  # fmt: skip
        else:
            status, headers, body = problem(503, detail or not_loaded_detail(holder), self.policy)
            headers.append((b"retry-after", b"1"))
        await send({"type": "http.response.start", "status": status, "headers": headers + cors})
        await send({"type": "http.response.body", "body": b"" if head else body})

    async def _preflight(self, send: Send, cors: list[tuple[bytes, bytes]], headers: dict[str, str]) -> None:
        out = [*cors, NOSNIFF, (b"content-length", b"0")]
        if any(name == b"access-control-allow-origin" for name, _ in cors):
            requested = headers.get("access-control-request-headers", "")
            out += [_PREFLIGHT_METHODS, _MAX_AGE]
            if requested:
                out.append((b"access-control-allow-headers", requested.encode("latin-1")))
        await send({"type": "http.response.start", "status": 204, "headers": out})
        await send({"type": "http.response.body", "body": b""})

    async def _downstream(
        self, scope: Scope, receive: Receive, send: Send, cors: list[tuple[bytes, bytes]], head: bool
    ) -> None:
        if head:
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": security_headers(list(message.get("headers", ()))) + cors}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_with_headers)
