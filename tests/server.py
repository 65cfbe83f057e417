"""A real `content-api serve` on a free loopback port, and a small HTTP client for the tests."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conftest import ROOT

SETTINGS_ENV = ("CONTENT_DIR", "HOST", "PORT", "WORKERS", "SITE_URL", "ASSET_BASE_URL", "CACHE_MAX_AGE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
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


@contextmanager
def serve(*args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run `python -m content_api serve --port P ARGS` until the block ends."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV and k != "CORS_ORIGINS"}
    process = subprocess.Popen(
        [sys.executable, "-m", "content_api", "serve", "--port", str(port), *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Server(port, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if server.request("GET", "/health").status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _, errors = process.communicate(timeout=10)
                raise RuntimeError(f"the server did not start:\n{errors.decode()}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found
