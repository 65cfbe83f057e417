"""Resilience figures of issue 12: idle connections, SIGTERM with a stuck request, slow redirects.

    python bench/resilience.py [--servers granian,uvicorn] [--idle 1100]

For each server, with its default settings:

* opens ``--idle`` TCP connections that send nothing to `content-api serve` (the content/ folder),
  times ``GET /health`` three times (the worst is reported), then times until the server has
  closed every idle connection (``HEADER_TIMEOUT``, 10 s by default);
* runs the server configuration of `content-api serve` (``content_api.servers.run_server``) on
  ``tests/blocking_app.py``, whose ``/block`` blocks its worker's event loop, sends SIGTERM while a
  request is stuck there, and times until every process of the server is gone
  (``GRACEFUL_TIMEOUT``, 10 s by default).

Then checks one URL that goes through 11 redirects of 5 s each (a local server) with
``check --links``' defaults (``--links-timeout 10``), and times it. Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cli import doc_parser  # noqa: E402
from bench.connections import count_closed  # noqa: E402
from bench.load import free_port  # noqa: E402
from content_api.links import check_links  # noqa: E402


def _start(command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _get(port: int, path: str, timeout: float = 60) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _wait_up(port: int, path: str = "/ready") -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if _get(port, path, timeout=2) == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _live(session: int) -> int:
    """Processes of ``session`` still running (zombies aside)."""
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            count += int(fields[3]) == session and fields[0] != "Z"
    return count


def idle_connections(server: str, count: int) -> str:
    port = free_port()
    process = _start([sys.executable, "-m", "content_api", "serve", "--server", server, "--port", str(port)])
    idle: list[socket.socket] = []
    try:
        _wait_up(port)
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]
        opened = time.monotonic()
        time.sleep(0.5)
        worst = 0.0
        for _ in range(3):
            started = time.monotonic()
            try:
                _get(port, "/health", timeout=30)
                worst = max(worst, time.monotonic() - started)
            except OSError:
                worst = float("inf")
        closed = count_closed(idle, opened + 60)
        shut = time.monotonic() - opened
        health = "no answer in 30 s" if worst == float("inf") else f"{worst * 1000:.1f} ms"
        return (
            f"{server}: {count} idle connections, /health worst of 3: {health}; "
            f"{closed} closed by the server after {shut:.1f} s"
        )
    finally:
        for sock in idle:
            sock.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)


RUN_BLOCKING_APP = """
import sys
from content_api.config import Settings
from content_api.servers import run_server
run_server(Settings(port=int(sys.argv[1]), server=sys.argv[2], workers=2), "tests.blocking_app:create_app")
"""


def stuck_sigterm(server: str) -> str:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        mark = Path(folder, "blocked")
        process = _start(
            [sys.executable, "-c", RUN_BLOCKING_APP, str(port), server], env={"BLOCKED_MARK": str(mark)}
        )
        try:
            _wait_up(port, "/")
            with socket.create_connection(("127.0.0.1", port)) as blocked:
                blocked.sendall(b"GET /block HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                while not mark.exists():
                    time.sleep(0.02)
                started = time.monotonic()
                process.send_signal(signal.SIGTERM)
                while _live(process.pid) and time.monotonic() - started < 120:
                    time.sleep(0.02)
                elapsed = time.monotonic() - started
                return f"{server}: SIGTERM with a stuck request: gone after {elapsed:.2f} s"
        finally:
            if _live(process.pid):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


class _Hops(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        hops = int(self.path.rsplit("/", 1)[1])
        time.sleep(5)
        self.send_response(302 if hops else 200)
        if hops:
            self.send_header("Location", f"/r/{hops - 1}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def slow_redirects() -> str:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hops)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/r/11"
        started = time.monotonic()
        result = check_links([url], allow_private=True)[url]
        elapsed = time.monotonic() - started
        return f"check --links, 11 redirects of 5 s: {elapsed:.1f} s ({result.outcome}: {result.detail})"
    finally:
        httpd.shutdown()
        httpd.server_close()


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--servers", default="granian,uvicorn")
    parser.add_argument("--idle", type=int, default=1100)
    args = parser.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    for server in args.servers.split(","):
        print(idle_connections(server, args.idle), flush=True)
        print(stuck_sigterm(server), flush=True)
    print(slow_redirects(), flush=True)


if __name__ == "__main__":
    main()
