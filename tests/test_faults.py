"""Faults under load: rewrites under readers, a worker killed, slow clients.

* a guide rewritten 100 times (in place, as a writer saves) while 8 clients read it: every answer
  is one whole version, old or new, with the ETag of its own bytes, and the last version is served
  in the end;
* one of two workers killed with SIGKILL: the service keeps answering and the worker comes back;
* slow clients (slowloris: request headers trickled a byte at a time) hold no one else up and are
  disconnected after the header timeout;
* 1,100 connections that send nothing do not stop /health from answering, and are closed after
  the header timeout; a worker holds at most MAX_CONNECTIONS, fitted to the open-files limit;
* a worker stuck in a request (its event loop blocked) does not keep the server from stopping on
  SIGTERM within the graceful timeout.

Every test runs on both servers (the connection tests are where they differ most: see
content_api/servers.py); the shutdown test runs the servers' own configuration (``run_server``) on
an application of its own, on each server too.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench.connections import count_closed

from .conftest import ROOT
from .server import SERVERS, children_of, free_port, process_stats, serve

#: the header timeout of these tests, in seconds (the default is 10)
HEADER_TIMEOUT = 2


def version(n: int) -> str:
    lines = "\n".join(f"- point {n}.{i} du guide" for i in range(40))
    return f"---\ntitle: Version {n}\n---\n\n# Début {n}\n\n{lines}\n\nFin de la version {n}.\n"


def blake(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def test_rewrites_under_readers_serve_whole_versions(tmp_path: Path, server_name: str) -> None:
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

    with serve("--content", str(tmp_path), "--watch", server=server_name) as server:
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


def test_a_killed_worker_does_not_take_the_service_down(tmp_path: Path, server_name: str) -> None:
    (tmp_path / "guide.md").write_text(version(1), encoding="utf-8")
    with serve("--content", str(tmp_path), "--workers", "2", server=server_name) as server:
        workers = _workers(server.process.pid, 2)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        answered = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                reply = server.get("/guides/guide")
                answered.append(reply.status)
            except OSError:
                answered.append(0)  # a connection the dead worker held
            else:  # a 503 is the replacement taking a request while its content loads (its OpenAPI 503)
                assert reply.status != 503 or "loading" in reply.json()["detail"], reply.body
            alive = _pids(server.process.pid)
            if len(alive) == 2 and workers[0] not in alive and server.get("/ready").status == 200:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the worker was not replaced: {_pids(server.process.pid)}")
        # at most the one cut connection; the others are the guide or, on a busy machine where the
        # replacement takes requests before its content is loaded, its 503 "still loading"
        assert answered.count(0) <= 1 and set(answered) <= {0, 200, 503}, answered
        assert server.get("/guides/guide").status == 200


def _slow_client(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(b"GET /guides/guide HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return sock


def test_slow_clients_hold_no_one_up_and_are_cut_off(tmp_path: Path, server_name: str) -> None:
    (tmp_path / "guide.md").write_text(version(1), encoding="utf-8")
    timeout = ("--header-timeout", str(HEADER_TIMEOUT))
    with serve("--content", str(tmp_path), *timeout, server=server_name) as server:
        slow = [_slow_client(server.port) for _ in range(200)]
        try:
            started = time.monotonic()
            for _ in range(20):
                for sock in slow[:20]:
                    sock.sendall(b"a")  # keep trickling
                assert server.get("/guides/guide").status == 200
            # 20 requests of a normal client went through while 200 slow ones were open
            assert time.monotonic() - started < HEADER_TIMEOUT
            for sock in slow[:20]:  # bytes that trickle in do not push the deadline back
                sock.sendall(b"a")
            assert _closed_within(slow, started + HEADER_TIMEOUT + 10) == len(slow)
        finally:
            for sock in slow:
                sock.close()


def _closed_within(socks: list[socket.socket], deadline: float) -> int:
    """How many of ``socks`` the server closed (EOF, reset or a 4xx) before ``deadline``."""
    return count_closed(socks, deadline, _closed_or_refused)


def _closed_or_refused(sock: socket.socket) -> bool:
    try:
        data = sock.recv(4096)
    except OSError:  # reset
        data = b""
    return data == b"" or bool(re.match(rb"HTTP/1\.1 4\d\d", data))


def _open_files_for(count: int) -> None:
    """Raise this process's open-files limit for ``count`` sockets, or skip saying why."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = count + 200
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"{count} sockets need {needed} open files; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def test_idle_connections_hold_no_one_up_and_are_closed(tmp_path: Path, server_name: str) -> None:
    """1,100 connections that send nothing: /health answers within 1 s; the server closes them."""
    (tmp_path / "guide.md").write_text(version(1), encoding="utf-8")
    _open_files_for(1100)
    timeout = ("--header-timeout", str(HEADER_TIMEOUT))
    with serve("--content", str(tmp_path), *timeout, server=server_name) as server:
        idle = []
        try:
            for _ in range(1100):
                idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=10))
            opened = time.monotonic()
            time.sleep(0.2)  # every connection is accepted and waiting
            for _ in range(3):
                started = time.monotonic()
                assert server.get("/health").status == 200
                assert time.monotonic() - started < 1
            closed = _closed_within(idle, opened + HEADER_TIMEOUT + 10)
            assert closed == len(idle), f"{closed} of {len(idle)} idle connections were closed"
            assert server.get("/health").status == 200
        finally:
            for sock in idle:
                sock.close()


def _sockets(pid: int) -> int:
    """How many sockets process ``pid`` holds."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:  # closed meanwhile
            continue
    return count


def test_a_worker_holds_at_most_max_connections(tmp_path: Path, server_name: str) -> None:
    """300 silent connections against a cap of 100: the worker holds 100 of them at most.

    Granian leaves the others in the listen queue (a newcomer waits for idle ones to time out:
    backpressure); uvicorn closes the oldest idle connection for each newcomer, so /health is
    answered at once.
    """
    (tmp_path / "guide.md").write_text(version(1), encoding="utf-8")
    limits = ("--header-timeout", str(HEADER_TIMEOUT), "--max-connections", "100")
    with serve("--content", str(tmp_path), *limits, server=server_name) as server:
        (worker,) = _workers(server.process.pid, 1)
        before = _sockets(worker)
        # The most the worker holds at once, sampled from the first connection on (a busy machine
        # accepts slowly, and the header timeout closes idle connections after 2 s): it took them.
        peak, done = [0], threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _sockets(worker) - before)
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(300)]
        try:
            deadline = time.monotonic() + 15
            while peak[0] < 90 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)  # time to take more, were there no cap (still within the header timeout)
            held = _sockets(worker) - before  # settled: uvicorn accepts a newcomer, then closes the oldest
            done.set()
            sampler.join()
            assert peak[0] >= 90 and held <= 100, (peak[0], held)
            if server_name == "granian":  # granian does not accept past its cap: never more
                assert peak[0] <= 100, peak[0]
            started = time.monotonic()
            assert server.get("/health").status == 200
            waited = time.monotonic() - started
            if server_name == "uvicorn":
                assert waited < 1, waited
            else:  # three rounds of 100 idle connections, each closed after the header timeout
                assert waited < 3 * HEADER_TIMEOUT + 5, waited
        finally:
            for sock in idle:
                sock.close()


def _session(leader: int) -> list[int]:
    """The live (not zombie) processes of the session ``leader`` started."""
    return [pid for pid, fields in process_stats() if int(fields[3]) == leader and fields[0] != "Z"]


GRACEFUL_TIMEOUT = 2
RUN_BLOCKING_APP = """
import sys
from content_api.config import Settings
from content_api.servers import run_server

settings = Settings(port=int(sys.argv[1]), server=sys.argv[2], workers=2, graceful_timeout={graceful})
run_server(settings, "tests.blocking_app:create_app")
"""


# Not through serve(): the servers' own configuration on an application of its own, on each server
# (SERVERS, not the server_name fixture: CONTENT_API_TEST_SERVER does not narrow it).
@pytest.mark.parametrize("server_name", SERVERS)
def test_sigterm_stops_a_worker_stuck_in_a_request(tmp_path: Path, server_name: str) -> None:
    """The servers' own configuration (run_server) on an app whose request blocks its event loop."""
    port, mark = free_port(), tmp_path / "blocked"
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_BLOCKING_APP.format(graceful=GRACEFUL_TIMEOUT), str(port), server_name],
        cwd=ROOT,
        env={**os.environ, "BLOCKED_MARK": str(mark)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    blocked = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                blocked = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        blocked.sendall(b"GET /block HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        while not mark.exists():
            assert time.monotonic() < deadline, "the request did not reach the application"
            time.sleep(0.05)
        assert len(_session(process.pid)) >= 3  # the server and its two workers, one of them stuck
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        while _session(process.pid) and time.monotonic() - started < GRACEFUL_TIMEOUT + 30:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        assert _session(process.pid) == [], f"still running {elapsed:.1f} s after SIGTERM"
        assert elapsed < GRACEFUL_TIMEOUT + 3, f"stopped {elapsed:.1f} s after SIGTERM"
    finally:
        if blocked is not None:
            blocked.close()
        if _session(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_the_open_files_limit_is_raised_and_the_cap_fits_it(capsys: pytest.CaptureFixture[str]) -> None:
    from content_api.config import Settings
    from content_api.servers import RESERVED_FILES, connection_cap

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard <= 1024:
        pytest.skip(f"the hard open-files limit ({hard}) leaves nothing to raise")

    def lowered() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))

    script = (
        "import resource; from content_api.servers import raise_open_files_limit as r;"
        "soft = lambda: resource.getrlimit(resource.RLIMIT_NOFILE)[0]; print(soft(), r(), soft())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=lowered,
        timeout=60,
    )
    before, said, after = map(int, result.stdout.split())
    assert before == 1024 and said == after and after > 1024
    assert connection_cap(Settings(), 100_000) == 2048
    assert connection_cap(Settings(), 1024) == 1024 - RESERVED_FILES
    assert "MAX_CONNECTIONS=2048 lowered to 768" in capsys.readouterr().err
