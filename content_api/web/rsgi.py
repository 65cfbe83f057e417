"""granian's RSGI interface to the edge (issue 17): the edge's decisions answered without ASGI.

:meth:`.edge.Edge.decide` is the one implementation of what the edge answers (prepared responses,
ETag/304, HEAD, negotiation, CORS, redirects, the 503 while loading, the remembered answers); over
RSGI its answer is one ``protocol.response_bytes`` call. What it passes on goes to Litestar through
:class:`AsgiBridge`, a small ASGI server over the RSGI protocol: the request body, the response
whole or streamed (server-sent events), the client's disconnect. Litestar's lifespan (the loader's
start, the webhooks' stop) runs in granian's worker hooks, ``__rsgi_init__`` and ``__rsgi_del__``.
uvicorn keeps the ASGI interface (``Edge.__call__``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import quote

from .edge import Edge, Pass, Reply
from .negotiation import header_map

log = logging.getLogger("content_api")

Message = MutableMapping[str, Any]
StrHeaders = list[tuple[str, str]]


def str_headers(raw: list[tuple[bytes, bytes]]) -> StrHeaders:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]


#: Every ASCII character: ``quote`` then escapes only the bytes outside ASCII.
_ASCII = "".join(map(chr, range(128)))


def ascii_query(query: str) -> str:
    """The query granian hands over (decoded as UTF-8) as a client should have sent it: a byte
    outside ASCII percent-encoded (``q=café`` is ``q=caf%C3%A9``, ``€`` no UnicodeEncodeError),
    so that Litestar reads it as UTF-8 and the edge keys it as the escaped form (uvicorn refuses
    such a request line)."""
    if query.isascii():
        return query
    return quote(query, safe=_ASCII, errors="surrogateescape")


def _address(value: str | None) -> tuple[str, int] | None:
    """``host:port`` (``[v6]:port``) as ASGI's (host, port)."""
    if not value:
        return None
    host, _, port = value.rpartition(":")
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        return value, 0


class AsgiBridge:
    """One request, passed on to an ASGI application over the RSGI protocol."""

    __slots__ = ("body", "done", "head", "protocol", "received", "stream")

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self.body: Any = None  # the request body's chunks, as the application asks for them
        self.received = False
        self.head: tuple[int, StrHeaders] | None = None  # the response's status and headers
        self.stream: Any = None
        self.done = False

    async def receive(self) -> Message:
        """The body chunk by chunk (never held whole: the application's own size limit applies as
        it reads), then the client's disconnect."""
        if not self.received:
            if self.body is None:
                self.body = self.protocol.__aiter__()
            try:
                return {"type": "http.request", "body": await self.body.__anext__(), "more_body": True}
            except StopAsyncIteration:
                self.received = True
                return {"type": "http.request", "body": b"", "more_body": False}
        await self.protocol.client_disconnect()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.head = message["status"], str_headers(list(message.get("headers", ())))
            return
        if message["type"] != "http.response.body" or self.done or self.head is None:
            return
        body, more = message.get("body", b""), message.get("more_body", False)
        status, headers = self.head
        if self.stream is None and not more:
            self.protocol.response_bytes(status, headers, body)
            self.done = True
            return
        if self.stream is None:
            self.stream = self.protocol.response_stream(status, headers)
        try:
            if body:
                await self.stream.send_bytes(body)
        except RuntimeError:  # the client went away (RSGIProtocolClosed): the app hears it from receive
            self.done = True
            return
        self.done = not more

    def finish(self) -> None:
        """An application that ended without a whole response: what it started, else a 500."""
        if self.done or self.stream is not None:
            return
        if self.head is not None:
            self.protocol.response_bytes(*self.head, b"")
        else:
            self.protocol.response_bytes(500, [("content-type", "text/plain")], b"Internal Server Error")


class RsgiEdge:
    """The RSGI application granian runs: the edge's answers, and Litestar behind it."""

    def __init__(self, edge: Edge) -> None:
        self.edge = edge
        self._lifespan: Any = None

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        from granian.asgi import LifespanProtocol

        self._lifespan = LifespanProtocol(self.edge.app)  # type: ignore[no-untyped-call]
        loop.run_until_complete(self._lifespan.startup())
        if self._lifespan.interrupt:
            raise RuntimeError(f"the application failed to start: {self._lifespan.exc}")

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._lifespan is not None:
            loop.run_until_complete(self._lifespan.shutdown())

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        method, items = scope.method, scope.headers.items()
        query = ascii_query(scope.query_string)
        decided: Reply | Pass = self.edge.decide(method, scope.path, query, header_map(items))
        if isinstance(decided, Pass):
            await self._downstream(scope, protocol, items, query, decided)
            return
        status, raw, body = decided
        protocol.response_bytes(status, str_headers(raw), b"" if method == "HEAD" else body)

    async def _downstream(
        self, scope: Any, protocol: Any, items: list[tuple[str, str]], query: str, decided: Pass
    ) -> None:
        asgi_scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": scope.http_version,
            "method": scope.method,
            "scheme": scope.scheme,
            "path": scope.path,
            "raw_path": scope.path.encode("utf-8", "surrogateescape"),
            "query_string": query.encode("latin-1"),  # (one char a byte: the bytes as sent)
            "root_path": "",
            "headers": [
                (name.lower().encode("latin-1"), value.encode("latin-1", "replace")) for name, value in items
            ],
            "client": _address(scope.client),
            "server": _address(scope.server),
            "state": dict(self._lifespan.state) if self._lifespan is not None else {},
        }
        bridge = AsgiBridge(protocol)
        try:
            answered = await self.edge.downstream(
                asgi_scope, bridge.receive, bridge.send, decided.cors, scope.method == "HEAD"
            )
        finally:
            bridge.finish()
        decided.remember(answered)
