"""A real `content-api serve` on a free loopback port, and a small HTTP client for the tests."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

#: The checkout, where the servers run (tests/conftest.py takes it from here).
ROOT = Path(__file__).resolve().parent.parent
SETTINGS_ENV = ("CONTENT_DIR", "HOST", "PORT", "WORKERS", "SITE_URL", "ASSET_BASE_URL", "CACHE_MAX_AGE")


#: The folder of the servers' bytecode (tests/conftest.py makes one a run). Each server would
#: otherwise compile content_api again (PYTHONDONTWRITEBYTECODE=1, as in CI), in each of its
#: processes, at each of the run's 140 starts; an installed package has its bytecode (pip compiles
#: it). With PYTHONPYCACHEPREFIX, nothing is written in the checkout.
PYCACHE = "CONTENT_API_TEST_PYCACHE"


def free_port() -> int:
    """A free loopback port, left in TIME_WAIT: for a minute the kernel gives it to no other bind to
    port 0 nor outgoing connection, while a server binding it (SO_REUSEADDR, as uvicorn, granian and
    nginx do) may. Without this, a port chosen here could be chosen again before the server binds it
    (tests run in parallel workers), and granian (SO_REUSEPORT) would then share it, unnoticed."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port: int = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)):
            accepted, _ = listener.accept()
            accepted.close()  # this side closes first: it is the one left in TIME_WAIT, on the port
        return port


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]

    def request(self, method: str, path: str, headers: dict[str, str] | None = None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            body = response.read()
            found = {name.lower(): value for name, value in response.getheaders()}
            return Reply(response.status, found, body)
        finally:
            connection.close()

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, {k.replace("_", "-"): v for k, v in headers.items()})


#: The HTTP servers content-api runs on: granian through its RSGI interface (the default), uvicorn
#: through ASGI. Every test that starts a real server runs on each (the ``server_name`` fixture of
#: tests/conftest.py), but those about one server's own behaviour, which name it.
SERVERS = ("granian", "uvicorn")
#: ``CONTENT_API_TEST_SERVER=uvicorn`` runs those tests on that server only.
TEST_SERVER = "CONTENT_API_TEST_SERVER"


def servers_under_test() -> tuple[str, ...]:
    """The servers the real-server tests run on: both, or ``CONTENT_API_TEST_SERVER``'s only."""
    only = os.environ.get(TEST_SERVER)
    if not only:
        return SERVERS
    if only not in SERVERS:
        raise ValueError(f"{TEST_SERVER}={only}: one of {', '.join(SERVERS)}")
    return (only,)


def default_server() -> str:
    """The server of a test in which the server plays no part (it checks the test's own harness):
    granian, or ``CONTENT_API_TEST_SERVER``'s."""
    return servers_under_test()[0]


@contextmanager
def serve(*args: str, server: str, env: dict[str, str] | None = None, ready: bool = True) -> Iterator[Server]:
    """Run `python -m content_api serve --port P ARGS` on ``server`` (granian or uvicorn: every
    caller names it) until the block ends.

    The server runs in a session of its own, so that it and its workers are stopped together.
    """
    if server not in SERVERS:
        raise ValueError(f"server={server!r}: one of {', '.join(SERVERS)}")
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV and k != "CORS_ORIGINS"}
    if os.environ.get(PYCACHE):
        clean.pop("PYTHONDONTWRITEBYTECODE", None)
        clean["PYTHONPYCACHEPREFIX"] = os.environ[PYCACHE]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "content_api", "serve", "--port", str(port), *args],
            cwd=ROOT,
            env={**clean, **(env or {}), "SERVER": server},
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
        )
        running = Server(port, process)
        try:
            _wait_until_up(running, errors, "/ready" if ready else "/health")
            yield running
        finally:
            _stop(process)


def _wait_until_up(server: Server, errors: IO[bytes], path: str) -> None:
    """Until ``path`` answers 200; for /ready, also until the pages of a site layout are parsed
    (/health's ``pages``: a first load serves the guides before the pages' Markdown is parsed)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            if server.request("GET", path).status == 200 and (path != "/ready" or _pages_ready(server)):
                return
        except OSError:
            pass
        if server.process.poll() is not None or time.monotonic() > deadline:
            _stop(server.process)
            errors.seek(0)
            raise RuntimeError(f"the server did not start:\n{errors.read().decode(errors='replace')}")
        time.sleep(0.02)  # a server is up in 1.5 to 3 s: each test waits for it, 140 times a run


def _pages_ready(server: Server) -> bool:
    reply = server.request("GET", "/health")
    return reply.status == 200 and json.loads(reply.body).get("pages") != "loading"


def _stop(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/PID/stat after the command name) of every process (Linux)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # it ended while we looked
            yield int(entry.name), fields


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    return [child for child, fields in process_stats() if int(fields[1]) == pid]
