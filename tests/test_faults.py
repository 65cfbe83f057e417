"""Faults under load: rewrites under readers, a worker killed, slow clients.

* a guide rewritten 100 times (in place, as an editor saves) while 8 clients read it: every answer
  is one whole version, old or new, with the ETag of its own bytes, and the last version is served
  in the end;
* one of two workers killed with SIGKILL: the service keeps answering and the worker comes back;
* slow clients (slowloris: request headers trickled a byte at a time) hold no one else up and are
  disconnected after the header timeout.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import signal
import socket
import threading
import time
from pathlib import Path

import pytest

from content_api.cli import HEADER_TIMEOUT_MS

from .server import children_of, serve


def version(n: int) -> str:
    lines = "\n".join(f"- point {n}.{i} du guide" for i in range(40))
    return f"---\ntitle: Version {n}\n---\n\n# Début {n}\n\n{lines}\n\nFin de la version {n}.\n"


def blake(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def test_rewrites_under_readers_serve_whole_versions(tmp_path: Path) -> None:
    guide = tmp_path / "guide.md"
    guide.write_text(version(0), encoding="utf-8")
    seen: list[tuple[int, str | None, bytes]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader(port: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            while not stop.is_set():
                connection.request("GET", "/guides/guide")
                response = connection.getresponse()
                seen.append((response.status, response.getheader("etag"), response.read()))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    with serve("--content", str(tmp_path), "--watch") as server:
        readers = [threading.Thread(target=reader, args=(server.port,)) for _ in range(8)]
        for thread in readers:
            thread.start()
        for n in range(1, 101):
            guide.write_text(version(n), encoding="utf-8")  # in place: truncate, then write
            time.sleep(0.02)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and b"Version 100" not in server.get("/guides/guide").body:
            time.sleep(0.1)
        stop.set()
        for thread in readers:
            thread.join(timeout=20)
        final = server.get("/guides/guide").json()
    assert errors == []
    assert final["title"] == "Version 100"
    versions = set()
    for status, etag, body in seen:
        assert status == 200 and etag == blake(body)
        detail = json.loads(body)
        n = int(detail["title"].removeprefix("Version "))
        text = json.dumps(detail["body"], ensure_ascii=False)
        assert f"Début {n}" in text and f"Fin de la version {n}." in text and f"point {n}.39" in text
        versions.add(n)
    assert len(seen) > 100 and len(versions) > 1, (len(seen), versions)


def _pids(server_pid: int) -> list[int]:
    """The server's worker processes (a child may end between listing and reading: skipped)."""
    found = []
    for pid in children_of(server_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"content_api" in command or b"spawn_main" in command:
            found.append(pid)
    return found


def _workers(server_pid: int, count: int) -> list[int]:
    """The workers, once ``count`` of them run (a few seconds at most)."""
    deadline = time.monotonic() + 10
    while len(workers := _pids(server_pid)) != count and time.monotonic() < deadline:
        time.sleep(0.05)
    return workers


def test_a_killed_worker_does_not_take_the_service_down(tmp_path: Path) -> None:
    (tmp_path / "guide.md").write_text(version(1), encoding="utf-8")
    with serve("--content", str(tmp_path), "--workers", "2") as server:
        workers = _workers(server.process.pid, 2)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        answered = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                answered.append(server.get("/guides/guide").status)
            except OSError:
                answered.append(0)  # a connection the dead worker held
            alive = _pids(server.process.pid)
            if len(alive) == 2 and workers[0] not in alive and server.get("/ready").status == 200:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the worker was not replaced: {_pids(server.process.pid)}")
        assert answered.count(200) >= len(answered) - 1, answered  # at most the one cut connection
        assert server.get("/guides/guide").status == 200


def _slow_client(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(b"GET /guides/guide HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return sock


def test_slow_clients_hold_no_one_up_and_are_cut_off(tmp_path: Path) -> None:
    (tmp_path / "guide.md").write_text(version(1), encoding="utf-8")
    with serve("--content", str(tmp_path)) as server:
        slow = [_slow_client(server.port) for _ in range(200)]
        try:
            started = time.monotonic()
            for _ in range(20):
                for sock in slow[:20]:
                    sock.sendall(b"a")  # keep trickling
                assert server.get("/guides/guide").status == 200
            # 20 requests of a normal client went through while 200 slow ones were open
            assert time.monotonic() - started < HEADER_TIMEOUT_MS / 1000
            deadline = started + HEADER_TIMEOUT_MS / 1000 + 10
            closed = 0
            for sock in slow:
                sock.settimeout(max(0.1, deadline - time.monotonic()))
                try:
                    data = sock.recv(4096)
                except ConnectionResetError:
                    data = b""
                except TimeoutError:
                    continue  # still open: counted as not cut off
                closed += data == b"" or bool(re.match(rb"HTTP/1\.1 4\d\d", data))
            assert closed == len(slow), f"{closed} of {len(slow)} slow clients were cut off"
        finally:
            for sock in slow:
                sock.close()
