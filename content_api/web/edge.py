"""The outer layer: CORS, HEAD, common headers, and prepared responses without a handler.

:meth:`Edge.decide` is the one implementation of what the edge answers, whatever the interface:
``Edge.__call__`` sends it over ASGI (uvicorn, in-process clients), ``web/rsgi.py`` over granian's
RSGI; what it passes on (:class:`Pass`) goes to Litestar (:meth:`Edge.downstream`) over ASGI.

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

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from ..config import Settings
from . import ops
from .headers import NOSNIFF, Policy, RawHeaders, security_headers
from .loader import SnapshotHolder, workers_ready
from .negotiation import ANSWERED, negotiate, request_headers
from .prepared import Prepared, encode
from .problems import problem
from .redirects import moved
from .snapshot import Snapshot

Scope = MutableMapping[str, Any]
#: What the edge answers: status, headers (CORS included), body.
Reply = tuple[int, RawHeaders, bytes]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_EXPOSE = (b"access-control-expose-headers", b"ETag, X-Robots-Tag, Content-Encoding")
_PREFLIGHT_METHODS = (b"access-control-allow-methods", b"GET, HEAD, OPTIONS")
_MAX_AGE = (b"access-control-max-age", b"86400")


@dataclass(slots=True)
class Pass:
    """A request the edge passes on to Litestar: the CORS headers its answer gets, and where a
    handler's prepared answer is remembered (a query's: the edge answers it next time)."""

    cors: RawHeaders
    snapshot: Snapshot | None = None
    key: str = ""

    def remember(self, answered: Prepared | None) -> None:
        if answered is not None and self.snapshot is not None:
            self.snapshot.remember(self.key, answered)


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

    def decide(self, method: str, path: str, query: str, headers: Mapping[str, str]) -> Reply | Pass:
        """The edge's answer to a request (status, headers with CORS, body: HEAD's body is the
        caller's to drop), or :class:`Pass`: Litestar answers it. Both interfaces ask this."""
        cors = self.cors(headers.get("origin"))
        if method == "OPTIONS" and "access-control-request-method" in headers and "origin" in headers:
            return self._preflight(cors, headers)
        snapshot = self.holder.snapshot
        if snapshot is None and not path.startswith("/schema"):
            return self._not_loaded(path, cors)
        if path == "/ready" and method in ("GET", "HEAD"):
            ready, expected = workers_ready()
            if ready < expected:
                waiting = f"{ready} of {expected} workers have loaded the content; retry in a moment"
                return self._not_loaded("/ready", cors, waiting)
        if method not in ("GET", "HEAD") or snapshot is None:
            return Pass(cors)
        redirects = snapshot.library.redirects
        if redirects and (target := redirects.get(path) or redirects.get(path.lower())):
            status, raw, body = moved(target, query.encode("latin-1"), snapshot.policy)
            return status, raw + cors, body
        key = path + ("?" + query if query else "")
        prepared = snapshot.prepared.get(key) or self.static.get(key) or snapshot.answered.get(key)
        if prepared is not None:
            status, raw, body = negotiate(prepared, headers, snapshot.policy)
            return status, raw + cors, body
        return Pass(cors, snapshot if query else None, key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI interface (uvicorn; the tests' in-process clients)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        decided = self.decide(
            method, scope["path"], scope["query_string"].decode("latin-1"), request_headers(scope)
        )
        if isinstance(decided, Pass):
            answered = await self.downstream(scope, receive, send, decided.cors, head=method == "HEAD")
            decided.remember(answered)
            return
        status, raw, body = decided
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})

    def _not_loaded(self, path: str, cors: RawHeaders, detail: str | None = None) -> Reply:
        """While the content loads: /health says so (alive, 200), everything else is a 503."""
        holder = self.holder
        if path == "/health":
            failed = holder.state == "failed"
            body = encode(ops.not_loaded("failed" if failed else "loading", holder.not_loaded_detail()))
            status = 503 if holder.state == "failed" else 200
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                       (b"cache-control", b"no-store"), NOSNIFF]  # fmt: skip
        else:
            status, headers, body = problem(503, detail or holder.not_loaded_detail(), self.policy)
            headers.append((b"retry-after", b"1"))
        return status, headers + cors, body

    def _preflight(self, cors: RawHeaders, headers: Mapping[str, str]) -> Reply:
        out = [*cors, NOSNIFF]  # no Content-Length on a 204 (RFC 9110 §8.6)
        if any(name == b"access-control-allow-origin" for name, _ in cors):
            requested = headers.get("access-control-request-headers", "")
            out += [_PREFLIGHT_METHODS, _MAX_AGE]
            if requested:
                out.append((b"access-control-allow-headers", requested.encode("latin-1")))
        return 204, out, b""

    async def downstream(
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
