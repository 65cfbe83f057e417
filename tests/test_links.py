"""The external link checker (content_api.links), against a real HTTP server on 127.0.0.1.

The servers are on loopback addresses, which the checker refuses by default: the tests of what it
does with answers pass ``allow_private=True`` (``--links-allow-private``); the last tests check
the refusal itself, and that no request reaches the local server without it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import msgspec
import pytest

from content_api import cli, link_addresses, links
from content_api.link_addresses import refusal
from content_api.links import LinkResult, check_links


def check_local(urls: list[str], **options: Any) -> dict[str, LinkResult]:
    """check_links for the test servers, which are on loopback addresses."""
    return check_links(urls, allow_private=True, **options)


REDIRECTS = {
    "/moved": (301, "/ok"),
    "/perm308": (308, "/ok"),
    "/temp": (302, "/ok"),
    "/chain": (301, "/temp"),
    "/loop": (302, "/loop"),
}
STATUSES = {"/ok": 200, "/gone": 410, "/missing": 404, "/error": 500, "/forbidden": 403}


@dataclass
class Recorder:
    """What the server saw: every request, and the most requests in flight at once."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    requests: list[tuple[str, str]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def enter(self, method: str, path: str) -> None:
        with self.lock:
            self.requests.append((method, path))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def paths(self) -> list[str]:
        with self.lock:
            return [path for _, path in self.requests]


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_HEAD(self) -> None:
        self.serve("HEAD")

    def do_GET(self) -> None:
        self.serve("GET")

    def serve(self, method: str) -> None:
        recorder = self.server.recorder
        # In flight from the request line to the moment the answer is ready (before it is sent:
        # once the client has it, it may start its next request while this thread still runs).
        recorder.enter(method, self.path)
        try:
            status, headers = self.answer(method, self.path.split("?", 1)[0], recorder)
        finally:
            recorder.leave()
        self.reply(method, status, headers)

    def answer(self, method: str, path: str, recorder: Recorder) -> tuple[int, dict[str, str]]:
        if path in REDIRECTS:
            status, location = REDIRECTS[path]
            return status, {"Location": location}
        if path in STATUSES:
            return STATUSES[path], {}
        if path == "/nohead":
            return (405 if method == "HEAD" else 200), {}
        if path.startswith("/hop/"):  # /hop/N: 0.3 s, then a redirect to /hop/N-1 (/hop/0 is 200)
            hops = int(path.rsplit("/", 1)[1])
            time.sleep(0.3)
            return (302, {"Location": f"/hop/{hops - 1}"}) if hops else (200, {})
        if path == "/away":  # a redirect to the address the server was given
            return 302, {"Location": self.server.away}
        if path == "/slow":
            recorder.stop.wait(3)
        elif path == "/hold":
            time.sleep(0.3)
        else:
            return 404, {}
        return 200, {}

    def reply(self, method: str, status: int, headers: dict[str, str]) -> None:
        body = f"{status}\n".encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method == "GET":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output quiet


class Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the request threads
    block_on_close = True

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), Handler)
        self.recorder = Recorder()
        self.away = ""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the checker hangs up on purpose (timeouts, GET without reading the body)

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.server_address[0]}:{self.server_address[1]}{path}"


def running(host: str = "127.0.0.1") -> Iterator[Server]:
    httpd = Server(host)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.recorder.stop.set()  # wake /slow
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def server() -> Iterator[Server]:
    yield from running()


@pytest.fixture
def public() -> Iterator[Server]:
    """A server on 127.0.0.2 that the tests make the checker take for a public host."""
    yield from running("127.0.0.2")


def check_one(server: Server, path: str, **options: Any) -> LinkResult:
    url = server.url(path)
    return check_local([url], **options)[url]


@pytest.mark.parametrize(
    ("path", "outcome", "status"),
    [
        ("/ok", "ok", 200),
        ("/temp", "ok", 200),
        ("/gone", "broken", 410),
        ("/missing", "broken", 404),
        ("/error", "broken", 500),
    ],
)
def test_status_outcomes(server: Server, path: str, outcome: str, status: int) -> None:
    result = check_one(server, path)
    assert (result.outcome, result.status) == (outcome, status)
    assert result.detail.startswith(str(status))
    assert result.url == server.url(path)


def test_ok_is_a_single_head(server: Server) -> None:
    result = check_one(server, "/ok")
    assert result == LinkResult(server.url("/ok"), "ok", 200, None, "200 OK", result.checked_at)
    assert server.recorder.requests == [("HEAD", "/ok")]


def test_missing_is_confirmed_with_get(server: Server) -> None:
    assert check_one(server, "/missing").detail == "404 Not Found"
    assert server.recorder.requests == [("HEAD", "/missing"), ("GET", "/missing")]


@pytest.mark.parametrize(("path", "status"), [("/moved", 301), ("/perm308", 308), ("/chain", 301)])
def test_permanent_redirect(server: Server, path: str, status: int) -> None:
    result = check_one(server, path)
    assert result.outcome == "redirect"
    assert result.status == 200
    assert result.final_url is not None and result.final_url.endswith("/ok")
    assert result.detail == f"{status} to {server.url('/ok')}"


def test_temporary_redirect_is_ok_not_redirect(server: Server) -> None:
    result = check_one(server, "/temp")
    assert result.outcome == "ok"
    assert result.final_url == server.url("/ok")
    assert server.recorder.paths() == ["/temp", "/ok"]


def test_timeout(server: Server) -> None:
    started = time.monotonic()
    result = check_one(server, "/slow", timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert (result.outcome, result.status, result.detail) == ("timeout", None, "timed out after 0.5 s")


def test_head_not_allowed_falls_back_to_get(server: Server) -> None:
    result = check_one(server, "/nohead")
    assert (result.outcome, result.status) == ("ok", 200)
    assert server.recorder.requests == [("HEAD", "/nohead"), ("GET", "/nohead")]


def test_redirect_loop_is_an_error(server: Server) -> None:
    result = check_one(server, "/loop", max_redirects=5)
    assert result.outcome == "error"
    assert "too many redirects" in result.detail
    assert server.recorder.paths() == ["/loop"] * 6


def test_forbidden_is_an_error_not_broken(server: Server) -> None:
    result = check_one(server, "/forbidden")
    assert (result.outcome, result.status) == ("error", 403)
    assert "refused the checker" in result.detail
    assert server.recorder.requests == [("HEAD", "/forbidden"), ("GET", "/forbidden")]


def test_closed_port_is_an_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    result = check_local([url], timeout=2)[url]
    assert (result.outcome, result.status, result.final_url) == ("error", None, None)
    assert result.detail == "connection refused"


def test_not_http_urls_are_errors_without_request(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    asked = ["mailto:x@y.fr", "not a url", "ftp://127.0.0.1/x", "http://[::1/"]
    results = check_local(asked, cache_file=cache)
    assert list(results) == asked
    for url in asked:
        assert (results[url].outcome, results[url].detail) == ("error", "not an http(s) URL")
    assert server.recorder.requests == []
    assert not cache.exists()  # nothing to cache


def test_dedupe_and_fragments(server: Server) -> None:
    url = server.url("/ok")
    results = check_local([url] * 5 + [url + "#frag"])
    assert server.recorder.requests == [("HEAD", "/ok")]
    assert set(results) == {url, url + "#frag"}
    assert results[url + "#frag"].url == url + "#frag"
    assert results[url].outcome == results[url + "#frag"].outcome == "ok"


def test_per_host_limit(server: Server) -> None:
    urls = [server.url(f"/hold?i={i}") for i in range(8)]
    results = check_local(urls, per_host=2, concurrency=16)
    assert {result.outcome for result in results.values()} == {"ok"}
    assert len(server.recorder.requests) == 8
    assert server.recorder.max_in_flight == 2


def test_global_limit(server: Server) -> None:
    urls = [server.url(f"/hold?i={i}") for i in range(8)]
    check_local(urls, per_host=2, concurrency=1)
    assert len(server.recorder.requests) == 8
    assert server.recorder.max_in_flight == 1


def test_cache(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "nested" / "folder" / "links.json"
    urls = [server.url(path) for path in ("/ok", "/moved", "/missing", "/slow")]
    first = check_local(urls, cache_file=cache, timeout=0.5)
    assert len(server.recorder.requests) > 0
    stored = msgspec.json.decode(cache.read_bytes(), type=dict[str, LinkResult])
    assert set(stored) == set(urls)  # timeouts are cached too
    assert not [name for name in cache.parent.iterdir() if name != cache]  # no temporary file left

    count = len(server.recorder.requests)
    second = check_local(urls, cache_file=cache, timeout=0.5)
    assert len(server.recorder.requests) == count
    assert second == first

    fresh = check_local(urls[:3], cache_file=cache, ttl=0)
    assert len(server.recorder.requests) > count
    assert {url: result.outcome for url, result in fresh.items()} == {
        url: first[url].outcome for url in urls[:3]
    }


def test_corrupt_cache_is_ignored(server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    cache.write_bytes(b"\x00\xffgarbage{")
    url = server.url("/ok")
    assert check_local([url], cache_file=cache)[url].outcome == "ok"
    assert server.recorder.requests == [("HEAD", "/ok")]
    assert set(msgspec.json.decode(cache.read_bytes(), type=dict[str, LinkResult])) == {url}


def test_a_bug_for_one_url_does_not_abort_the_batch(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    classify = links._classify

    def flaky(url: str, *args: Any) -> LinkResult:
        if url.endswith("/gone"):
            raise ZeroDivisionError
        return classify(url, *args)

    monkeypatch.setattr(links, "_classify", flaky)
    ok, gone = server.url("/ok"), server.url("/gone")
    results = check_local([ok, gone])
    assert results[ok].outcome == "ok"
    assert results[gone].outcome == "error"
    assert "ZeroDivisionError" in results[gone].detail


def test_the_time_limit_covers_every_redirect(server: Server) -> None:
    """11 redirects of 0.3 s each (3.6 s with the last answer): the check ends at its 1 s limit."""
    started = time.monotonic()
    result = check_one(server, "/hop/11", timeout=1, max_redirects=20)
    elapsed = time.monotonic() - started
    assert (result.outcome, result.detail) == ("timeout", "timed out after 1 s")
    assert elapsed < 1.8, elapsed
    assert 2 <= len(server.recorder.requests) <= 4  # it did follow redirects, then gave up
    assert check_one(server, "/hop/2", timeout=2).outcome == "ok"  # 0.9 s of redirects fit in 2 s


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.9.9.9", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("169.254.169.254", "link-local"),  # cloud metadata services
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert refusal(address) == kind


def test_loopback_is_refused_without_the_flag(server: Server, tmp_path: Path) -> None:
    url = server.url("/ok")
    cache = tmp_path / "links.json"
    result = check_links([url], cache_file=cache)[url]
    assert (result.outcome, result.status) == ("error", None)
    assert result.detail == "127.0.0.1 is a loopback address: not requested without --links-allow-private"
    assert server.recorder.requests == []  # nothing reached the server
    assert check_local([url], cache_file=cache)[url].outcome == "ok"  # the refusal was not cached


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[list[str]]]:
    """Host names under .test resolve to the addresses listed (one list per lookup, the last one
    repeated), and 127.0.0.2 passes for a public address. Only what the checker connects to was
    resolved here: the system resolver knows no .test name."""
    answers: dict[str, list[list[str]]] = {}
    resolve, kind = link_addresses.resolve, link_addresses.refusal

    async def lookup(host: str, port: int) -> list[str]:
        if host in answers:
            queue = answers[host]
            return queue.pop(0) if len(queue) > 1 else queue[0]
        return await resolve(host, port)

    monkeypatch.setattr(link_addresses, "resolve", lookup)
    monkeypatch.setattr(
        link_addresses, "refusal", lambda address: None if address == "127.0.0.2" else kind(address)
    )
    return answers


def test_a_redirect_to_loopback_is_refused(
    server: Server, public: Server, fake_dns: dict[str, list[list[str]]], tmp_path: Path, capsys: Any
) -> None:
    fake_dns["docs.example.test"] = [["127.0.0.2"]]
    public.away = server.url("/ok")
    content = tmp_path / "content"
    content.mkdir()
    link = public.url("/away", "docs.example.test")
    (content / "g.md").write_text(f"---\ntitle: G\n---\n[La doc]({link})\n", encoding="utf-8")
    status = cli.main(["check", str(content), "--links", "--links-cache", "", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0 and [d["code"] for d in report["diagnostics"]] == ["link-unchecked"]
    assert report["diagnostics"][0]["message"] == (
        f"« {link} » n'a pas pu être vérifié : redirected to {server.url('/ok')}: "
        "127.0.0.1 is a loopback address: not requested without --links-allow-private"
    )
    assert public.recorder.requests == [("HEAD", "/away")]  # the public host was asked
    assert server.recorder.requests == []  # the loopback one never was


def test_a_host_name_that_rebinds_to_loopback_is_refused(
    server: Server, public: Server, fake_dns: dict[str, list[list[str]]]
) -> None:
    """The name answers a public address first, then loopback: the second connection is refused."""
    fake_dns["rebind.test"] = [["127.0.0.2"], ["127.0.0.1"]]
    public.away = server.url("/ok", "rebind.test")  # same name, another port: a new connection
    url = public.url("/away", "rebind.test")
    result = check_links([url])[url]
    assert result.outcome == "error" and "rebind.test (127.0.0.1) is a loopback address" in result.detail
    assert public.recorder.requests == [("HEAD", "/away")] and server.recorder.requests == []


def test_names_resolving_to_public_and_private_addresses_connect_to_the_public_one(
    public: Server, fake_dns: dict[str, list[list[str]]]
) -> None:
    fake_dns["mixed.test"] = [["10.0.0.1", "127.0.0.2"]]
    url = public.url("/ok", "mixed.test")
    assert check_links([url], timeout=2)[url].outcome == "ok"
    assert public.recorder.requests == [("HEAD", "/ok")]
