"""granian's side of RSGI, in process: a test client for :class:`content_api.web.rsgi.RsgiEdge`.

``RsgiClient(edge)`` is an httpx client, as Litestar's ``TestClient`` is (same base URL, same
default headers, redirects followed), whose transport calls ``RsgiEdge.__rsgi__(scope, protocol)``
with a scope and a protocol shaped like granian's (2.x, RSGI 1.6, as measured on a real granian):
the path percent-decoded (UTF-8, errors replaced), the query string as sent, header names in lower
case, duplicates kept, a header whose value is not visible ASCII dropped; the body read whole
(``await protocol()``) or chunk by chunk (``async for``); one response, by ``response_empty``,
``response_str``, ``response_bytes``, ``response_file`` or ``response_stream``. What the edge
answers itself is its ``response_bytes``; what it passes on reaches Litestar through the real
``AsgiBridge``. The application's lifespan runs in ``__rsgi_init__`` and ``__rsgi_del__`` on an
event loop of its own, which runs in a thread between them, as in granian's workers.

The response's headers are the application's, as it handed them to granian (granian adds
``server``, ``date`` and, when missing, ``content-length``). An exception of the application is
raised in the test, as ``TestClient`` does (granian would answer a 500).

``in_process(edge, interface)`` is either client: ``asgi`` (``TestClient``, ``Edge.__call__``, what
uvicorn runs) or ``rsgi`` (this one, what granian runs).
"""

from __future__ import annotations

import asyncio
import threading
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from content_api.web.edge import Edge
from content_api.web.rsgi import RsgiEdge

#: The interfaces an in-process test runs on: ASGI (uvicorn's) and RSGI (granian's).
INTERFACES = ("asgi", "rsgi")
#: How long a request may take before the test fails (a streamed response that never ends).
TIMEOUT = 30
#: The size of the request body's chunks (``async for chunk in protocol``).
CHUNK = 65_536


class Headers:
    """granian's ``RSGIHeaders``: lower-case names, every value (duplicates in order)."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def keys(self) -> list[str]:
        return [name for name, _ in self._items]

    def values(self) -> list[str]:
        return [value for _, value in self._items]

    def get(self, key: str, default: Any = None) -> Any:
        return next((value for name, value in self._items if name == key.lower()), default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and any(name == key.lower() for name, _ in self._items)


@dataclass(frozen=True)
class Scope:
    """granian's RSGI HTTP scope."""

    method: str
    path: str
    query_string: str
    headers: Headers
    server: str
    proto: str = "http"
    http_version: str = "1.1"
    rsgi_version: str = "1.6"
    scheme: str = "http"
    client: str = "127.0.0.1:50000"
    authority: str | None = None


class ProtocolError(RuntimeError):
    """What granian raises (``RSGIProtocolError``) for a misuse of the protocol."""


@dataclass
class Protocol:
    """granian's RSGI HTTP protocol for one request: the body, then one response."""

    body: bytes
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    gone: asyncio.Event = field(default_factory=asyncio.Event)  # the client has its response

    async def __call__(self) -> bytes:
        return self.body

    def __aiter__(self) -> AsyncIterator[bytes]:
        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(self.body), CHUNK):
                yield self.body[start : start + CHUNK]

        return chunks()

    async def client_disconnect(self) -> None:
        await self.gone.wait()

    def _start(self, status: int, headers: list[tuple[str, str]]) -> None:
        if self.status is not None:
            raise ProtocolError("a second response to one request")
        if not isinstance(status, int):
            raise TypeError(f"status {status!r} is not an int")
        if not isinstance(headers, list) or not all(
            isinstance(item, tuple) and len(item) == 2 and all(isinstance(part, str) for part in item)
            for item in headers
        ):
            raise TypeError(f"headers are not a list of (str, str): {headers!r}")
        self.status, self.headers = status, headers

    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
        self._start(status, headers)

    def response_str(self, status: int, headers: list[tuple[str, str]], body: str) -> None:
        self._start(status, headers)
        self.chunks.append(body.encode("utf-8"))

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        if not isinstance(body, bytes):
            raise TypeError(f"body {type(body).__name__} is not bytes")
        self._start(status, headers)
        self.chunks.append(body)

    def response_file(self, status: int, headers: list[tuple[str, str]], file: str) -> None:
        self._start(status, headers)
        self.chunks.append(Path(file).read_bytes())

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> Stream:
        self._start(status, headers)
        return Stream(self)


class Stream:
    """granian's ``RSGIHTTPStreamTransport``: the chunks of a streamed response."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol

    async def send_bytes(self, data: bytes) -> None:
        if self.protocol.gone.is_set():
            raise ProtocolError("the client is gone")  # granian: RSGIProtocolClosed
        self.protocol.chunks.append(bytes(data))

    async def send_str(self, data: str) -> None:
        await self.send_bytes(data.encode("utf-8"))


def _visible(value: bytes) -> bool:
    """What granian hands the application: a header value of visible ASCII, spaces and tabs."""
    return all(32 <= byte < 127 or byte == 9 for byte in value)


class RsgiTransport(httpx.BaseTransport):
    """httpx's requests, answered by an RSGI application on its own event loop."""

    def __init__(self, app: RsgiEdge, loop: asyncio.AbstractEventLoop) -> None:
        self.app, self.loop = app, loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raw_path, _, _ = request.url.raw_path.partition(b"?")
        headers = [
            (name.decode("latin-1").lower(), value.decode("latin-1"))
            for name, value in request.headers.raw
            if _visible(value)
        ]
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        scope = Scope(
            method=request.method,
            path=urllib.parse.unquote(raw_path.decode("latin-1"), errors="replace"),
            query_string=request.url.query.decode("latin-1"),
            headers=Headers(headers),
            server=f"{request.url.host}:{port}",
            scheme=request.url.scheme,
        )
        protocol = asyncio.run_coroutine_threadsafe(self._call(scope, request.read()), self.loop).result(
            TIMEOUT
        )
        if protocol.status is None:  # granian answers a bare 500 to an application that did not
            return httpx.Response(500, request=request)
        return httpx.Response(
            protocol.status, headers=protocol.headers, content=b"".join(protocol.chunks), request=request
        )

    async def _call(self, scope: Scope, body: bytes) -> Protocol:
        protocol = Protocol(body)
        try:
            await self.app.__rsgi__(scope, protocol)
        finally:
            protocol.gone.set()  # the response is whole: the client reads it and goes
        return protocol


class RsgiClient(httpx.Client):
    """A test client of ``edge`` through its RSGI interface (see the module's docstring)."""

    def __init__(self, edge: Edge) -> None:
        self.app = RsgiEdge(edge)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="rsgi-client", daemon=True)
        super().__init__(
            base_url="http://testserver.local",
            headers={"user-agent": "testclient"},
            follow_redirects=True,
            transport=RsgiTransport(self.app, self.loop),
        )

    def __enter__(self) -> RsgiClient:
        self.app.__rsgi_init__(self.loop)  # the lifespan's start, before the loop serves
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None = None,
        error: BaseException | None = None,
        trace: TracebackType | None = None,
    ) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        self.app.__rsgi_del__(self.loop)  # the lifespan's end, once the loop has stopped
        self.loop.close()
        super().__exit__(kind, error, trace)


@contextmanager
def in_process(edge: Edge, interface: str) -> Iterator[httpx.Client]:
    """A test client of ``edge`` through ``interface``: ``asgi`` (Litestar's ``TestClient``, the
    edge's ``__call__``) or ``rsgi`` (:class:`RsgiClient`). Each edge is asked through one interface
    only: the edge remembers the answers of Litestar's handlers, and would give them to the other."""
    if interface == "rsgi":
        with RsgiClient(edge) as rsgi:
            yield rsgi
        return
    if interface != "asgi":
        raise ValueError(f"interface={interface!r}: one of {', '.join(INTERFACES)}")
    from litestar.testing import TestClient

    with TestClient(app=edge) as asgi:  # type: ignore[type-var]
        yield asgi
