"""The outer ASGI layer: CORS, HEAD, common headers, and prepared responses without a handler.

A GET or HEAD of a redirect's path (content_api/redirects.py) is a ``301`` at once. A GET or HEAD
whose exact path and query have a prepared response (a guide, the first page of
/guides, facets, sitemap, health, the OpenAPI document...) is answered here, with the same
negotiation as the handlers (:func:`.negotiation.negotiate`), without routing or parameter
parsing; so is a request a handler answered before (the memo: a handler's :class:`.negotiation.Answer`
leaves its response in the scope, and the edge keeps it for the same path and query). Everything
else goes to Litestar: HEAD as a GET whose body is dropped, and every response gets the CORS and
security headers on the way out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..config import Settings
from . import ops
from .headers import NOSNIFF, Policy, security_headers
from .loader import SnapshotHolder, workers_ready
from .negotiation import ANSWERED, negotiate, request_headers
from .prepared import Prepared, encode
from .problems import problem
from .redirects import moved

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_EXPOSE = (b"access-control-expose-headers", b"ETag, X-Robots-Tag, Content-Encoding")
_PREFLIGHT_METHODS = (b"access-control-allow-methods", b"GET, HEAD, OPTIONS")
_MAX_AGE = (b"access-control-max-age", b"86400")


class Edge:
    def __init__(
        self, app: Any, holder: SnapshotHolder, settings: Settings, static: dict[str, Prepared]
    ) -> None:
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
        snapshot = self.holder.snapshot
        if snapshot is None and not scope["path"].startswith("/schema"):
            await self._not_loaded(scope["path"], send, cors, head=method == "HEAD")
            return
        if scope["path"] == "/ready" and method in ("GET", "HEAD"):
            ready, expected = workers_ready()
            if ready < expected:
                await self._not_loaded("/ready", send, cors, head=method == "HEAD", detail=(
                    f"{ready} of {expected} workers have loaded the content; retry in a moment"))  # fmt: skip
                return
        if method not in ("GET", "HEAD") or snapshot is None:
            await self._downstream(scope, receive, send, cors, head=method == "HEAD")
            return
        query = scope["query_string"]
        redirects = snapshot.library.redirects
        if redirects and (target := redirects.get(scope["path"]) or redirects.get(scope["path"].lower())):
            status, raw, body = moved(target, query, snapshot.policy)
            await send({"type": "http.response.start", "status": status, "headers": raw + cors})
            await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
            return
        key = scope["path"] + ("?" + query.decode("latin-1") if query else "")
        prepared = snapshot.prepared.get(key) or self.static.get(key) or snapshot.answered.get(key)
        if prepared is not None:
            status, raw, body = negotiate(prepared, headers, snapshot.policy)
            await send({"type": "http.response.start", "status": status, "headers": raw + cors})
            await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
            return
        answered = await self._downstream(scope, receive, send, cors, head=method == "HEAD")
        if answered is not None and query:
            snapshot.remember(key, answered)

    async def _not_loaded(
        self, path: str, send: Send, cors: list[tuple[bytes, bytes]], head: bool, detail: str | None = None
    ) -> None:
        """While the content loads: /health says so (alive, 200), everything else is a 503."""
        holder = self.holder
        if path == "/health":
            body = encode(
                ops.not_loaded(
                    "failed" if holder.state == "failed" else "loading", holder.not_loaded_detail()
                )
            )
            status = 503 if holder.state == "failed" else 200
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                       (b"cache-control", b"no-store"), NOSNIFF]  # fmt: skip
        else:
            status, headers, body = problem(503, detail or holder.not_loaded_detail(), self.policy)
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
    ) -> Prepared | None:
        """Litestar's answer, with the common headers; the prepared response a handler answered with."""
        if head:
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": security_headers(list(message.get("headers", ()))) + cors}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_with_headers)
        answered: Prepared | None = scope.get(ANSWERED)
        return answered
