"""The RSGI edge (issue 17, point 1): granian answers through RSGI what uvicorn answers through
ASGI, byte for byte (one implementation of the edge's decisions), and what the edge passes on
reaches Litestar through the ASGI bridge: request bodies, streamed responses, disconnects. So does
the in-process RSGI client of the tests (tests/rsgi_client.py) against Litestar's TestClient.

These tests start both servers themselves (not the ``server_name`` fixture); the last two are
about granian alone: its query strings and its request bodies."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from content_api.config import Settings
from content_api.web.app import create_app
from content_api.web.negotiation import header_map
from content_api.web.rsgi import AsgiBridge, ascii_query

from .conftest import ROOT, SEED, write
from .rsgi_client import RsgiClient, in_process
from .server import Server, free_port, serve

#: (method, path, request headers): prepared, negotiated, conditional, CORS, redirects, handlers' errors
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/guides/ccas", {}),
    ("GET", "/guides/ccas", {"Accept-Encoding": "br"}),
    ("GET", "/guides/ccas", {"Accept-Encoding": "gzip"}),
    ("HEAD", "/guides/ccas", {}),
    ("GET", "/guides/ccas", {"Accept": "text/markdown"}),
    ("GET", "/guides/ccas", {"Accept": "image/png"}),
    ("GET", "/guides/CCAS", {}),
    ("GET", "/guides/nope", {}),
    ("GET", "/guides?tag=famille&page=2", {}),
    ("GET", "/guides?per_page=abc", {}),
    ("GET", "/guides?unknown=1", {}),
    ("GET", "/guides?q=caf", {"Origin": "https://exemple.gouv.fr"}),
    ("OPTIONS", "/guides", {"Origin": "https://exemple.gouv.fr", "Access-Control-Request-Method": "GET"}),
    ("POST", "/guides", {}),
    ("GET", "/editors?api=particulier", {}),
    ("GET", "/ready", {}),
    ("GET", "/sitemap.xml", {}),
    ("GET", "/schema/openapi.json", {}),
    ("GET", "/nowhere", {}),
]
#: Headers that differ by server or by second, not by the application. (/health is not compared:
#: it says when each process loaded.)
OWN = {"server", "date"}


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rsgi")
    write(folder, "ccas.md", SEED.read_bytes())
    return folder


@pytest.fixture(scope="module")
def servers(content: Path) -> Iterator[dict[str, Server]]:
    env = {"CORS_ORIGINS": "https://exemple.gouv.fr"}
    with (
        serve("--content", str(content), env=env, server="granian") as rsgi,
        serve("--content", str(content), env=env, server="uvicorn") as asgi,
    ):
        yield {"granian": rsgi, "uvicorn": asgi}


def answer(
    server: Server, method: str, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    reply = server.request(method, path, headers)
    return reply.status, {k: v for k, v in reply.headers.items() if k not in OWN}, reply.body


@pytest.mark.parametrize(
    ("method", "path", "headers"), REQUESTS, ids=[f"{m} {p} {h}" for m, p, h in REQUESTS]
)
def test_granian_over_rsgi_answers_what_uvicorn_over_asgi_does(
    servers: dict[str, Server], method: str, path: str, headers: dict[str, str]
) -> None:
    rsgi = answer(servers["granian"], method, path, headers)
    asgi = answer(servers["uvicorn"], method, path, headers)
    assert rsgi == asgi


def test_a_revalidation_is_a_304_over_both(servers: dict[str, Server]) -> None:
    for server in servers.values():
        etag = server.get("/guides/ccas").headers["etag"]
        assert server.get("/guides/ccas", if_none_match=etag).status == 304


def in_process_answers(content: Path, interface: str) -> list[tuple[int, dict[str, str], bytes]]:
    edge = create_app(Settings(content_dir=str(content), cors_origins=("https://exemple.gouv.fr",)))
    with in_process(edge, interface) as client:
        found = []
        for method, path, headers in REQUESTS:
            reply = client.request(method, path, headers=headers)
            found.append((reply.status_code, dict(reply.headers), reply.content))
        return found


def test_the_in_process_rsgi_client_answers_what_the_asgi_test_client_does(content: Path) -> None:
    """The in-process twin of the comparison above: what the route tests run on RSGI with."""
    assert in_process_answers(content, "rsgi") == in_process_answers(content, "asgi")


def test_the_in_process_rsgi_client_goes_through_the_edge_and_the_bridge(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prepared answer is the edge's own ``response_bytes``; a query it has not prepared reaches
    Litestar through :class:`AsgiBridge`, and the edge remembers the answer."""
    bridged: list[str] = []
    send = AsgiBridge.send

    async def counted(bridge: AsgiBridge, message: dict[str, Any]) -> None:
        bridged.append(message["type"])
        await send(bridge, message)

    monkeypatch.setattr(AsgiBridge, "send", counted)
    with RsgiClient(create_app(Settings(content_dir=str(content)))) as client:
        assert client.get("/guides/ccas").json()["slug"] == "ccas" and bridged == []
        first = client.get("/guides?q=quotient")
        assert first.status_code == 200 and bridged == ["http.response.start", "http.response.body"]
        assert client.get("/guides?q=quotient").content == first.content and len(bridged) == 2
        assert client.get("/guides?per_page=abc").status_code == 400 and len(bridged) == 4
        assert client.post("/guides", content=b"a=1").status_code == 405 and len(bridged) == 6


class FakeProtocol:
    """The part of granian's RSGI HTTP protocol the bridge uses."""

    def __init__(self, body: bytes = b"", disconnect: asyncio.Event | None = None) -> None:
        self.body, self.disconnect = body, disconnect or asyncio.Event()
        self.responses: list[tuple[str, int, list[tuple[str, str]], bytes]] = []
        self.streamed: list[bytes] = []

    def __aiter__(self) -> Any:
        async def chunks() -> Any:
            for start in range(0, len(self.body), 2):  # two bytes a chunk, as a network may cut it
                yield self.body[start : start + 2]

        return chunks()

    async def client_disconnect(self) -> None:
        await self.disconnect.wait()

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.responses.append(("bytes", status, headers, body))

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> Any:
        self.responses.append(("stream", status, headers, b""))
        protocol = self

        class Transport:
            async def send_bytes(self, data: bytes) -> None:
                if protocol.disconnect.is_set():
                    raise RuntimeError("closed")
                protocol.streamed.append(data)

        return Transport()


def test_the_bridge_hands_the_body_over_chunk_by_chunk_then_the_disconnect() -> None:
    async def run() -> list[Any]:
        gone = asyncio.Event()
        bridge = AsgiBridge(FakeProtocol(b"a=1", gone))
        body = [await bridge.receive() for _ in range(3)]
        waiting = asyncio.ensure_future(bridge.receive())
        await asyncio.sleep(0)
        assert not waiting.done()  # no disconnect until the client goes
        gone.set()
        return [*body, await waiting]

    assert asyncio.run(run()) == [
        {"type": "http.request", "body": b"a=", "more_body": True},
        {"type": "http.request", "body": b"1", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": False},
        {"type": "http.disconnect"},
    ]


def test_the_bridge_answers_whole_or_streamed() -> None:
    start = {"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"text/plain")]}

    async def whole() -> FakeProtocol:
        protocol = FakeProtocol()
        bridge = AsgiBridge(protocol)
        await bridge.send(start)
        await bridge.send({"type": "http.response.body", "body": b"done"})
        bridge.finish()
        return protocol

    async def streamed() -> FakeProtocol:
        protocol = FakeProtocol()
        bridge = AsgiBridge(protocol)
        await bridge.send(start)
        for part in (b"data: 1\n\n", b"data: 2\n\n"):
            await bridge.send({"type": "http.response.body", "body": part, "more_body": True})
        protocol.disconnect.set()  # the client goes: the next send is dropped, not raised
        await bridge.send({"type": "http.response.body", "body": b"data: 3\n\n", "more_body": True})
        bridge.finish()
        return protocol

    assert asyncio.run(whole()).responses == [("bytes", 201, [("content-type", "text/plain")], b"done")]
    protocol = asyncio.run(streamed())
    assert [kind for kind, *_ in protocol.responses] == ["stream"]
    assert protocol.streamed == [b"data: 1\n\n", b"data: 2\n\n"]


def test_an_application_that_answers_nothing_is_a_500_and_a_started_one_is_ended() -> None:
    async def run(messages: list[dict[str, Any]]) -> FakeProtocol:
        protocol = FakeProtocol()
        bridge = AsgiBridge(protocol)
        for message in messages:
            await bridge.send(message)
        bridge.finish()
        return protocol

    nothing = asyncio.run(run([]))
    assert [(kind, status) for kind, status, *_ in nothing.responses] == [("bytes", 500)]
    started = asyncio.run(run([{"type": "http.response.start", "status": 204, "headers": []}]))
    assert started.responses == [("bytes", 204, [], b"")]


def test_request_headers_are_read_as_over_asgi() -> None:
    found = header_map([("Accept", "a"), ("if-none-match", '"x"'), ("If-None-Match", '"y"')])
    assert found == {"accept": "a", "if-none-match": '"x", "y"'}


def raw_get(server: Server, target: bytes, whole: bool = False) -> bytes:
    """The body of a GET of ``target`` as is (``whole``: status line and headers too)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    return data if whole else data.partition(b"\r\n\r\n")[2]


def test_a_raw_query_beyond_latin_1_is_no_500_on_granian(servers: dict[str, Server]) -> None:
    """A query of raw UTF-8 bytes (not percent-encoded): uvicorn refuses it (its own 400); granian
    takes it, and must not fail on it."""
    reply = raw_get(servers["granian"], "/guides?q=€".encode(), whole=True)
    assert not reply.startswith(b"HTTP/1.1 5"), reply[:200]


def test_a_query_of_raw_utf8_bytes_reaches_the_handlers_as_sent(servers: dict[str, Server]) -> None:
    """granian hands RSGI the query decoded as UTF-8: the edge takes it back to its bytes, which
    Litestar gets as sent, beyond Latin-1 too (``€`` was a UnicodeEncodeError, granian's bare 500;
    uvicorn refuses such a request line: a 400 of its own)."""
    server = servers["granian"]
    for raw, escaped in (("café", b"caf%C3%A9"), ("€uro", b"%E2%82%ACuro")):
        answer = raw_get(server, f"/guides?q={raw}&per_page=3".encode())
        assert answer == raw_get(server, b"/guides?q=" + escaped + b"&per_page=3"), raw
        assert json.loads(answer)["links"]["self"].startswith("/guides?"), answer[:200]


def test_a_request_body_reaches_the_application_through_granian_in_chunks(tmp_path: Path) -> None:
    """On a real granian (RSGI) server: a 3 MB body read chunk by chunk through the bridge, whole."""
    port = free_port()
    granian = str(Path(sys.executable).with_name("granian"))
    command = [granian, "--interface", "rsgi", "--port", str(port), "--workers", "1", "--no-ws"]
    process = subprocess.Popen(
        [*command, "tests.rsgi_echo_app:app"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        body = bytes(range(256)) * 12_288  # 3 MiB
        deadline = time.monotonic() + 30
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("POST", "/", body=body)
                found = json.loads(connection.getresponse().read())
                break
            except OSError:
                assert time.monotonic() < deadline, "granian did not start"
                time.sleep(0.1)
            finally:
                connection.close()
        assert found["size"] == len(body) and found["sha256"] == hashlib.sha256(body).hexdigest()
        assert found["chunks"] > 2  # more than one chunk and the end: never held whole by the bridge
    finally:
        process.terminate()
        process.wait(10)


def test_a_query_outside_ascii_is_percent_encoded_as_sent() -> None:
    assert ascii_query("q=api&tag=ccas") == "q=api&tag=ccas"
    assert ascii_query("q=café") == "q=caf%C3%A9"
    assert ascii_query("q=€&x=%20") == "q=%E2%82%AC&x=%20"
    assert ascii_query("q=\udcff") == "q=%FF"  # a byte that was no UTF-8, kept by surrogateescape
