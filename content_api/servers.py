"""Running the HTTP server, granian (default) or uvicorn, with the same bounds on connections.

Both servers get, from the settings:

* ``HEADER_TIMEOUT``: a connection must have sent whole request headers within this many seconds
  of being accepted, or of the end of its previous response (keep-alive); otherwise it is closed.
  An idle connection that sends nothing is closed after it too.
* ``MAX_CONNECTIONS``: connections held at once per worker process. Granian stops accepting at
  the cap (``backpressure``): newcomers wait in the listen backlog until a connection closes.
  Uvicorn closes the oldest connection that has no request in progress to make room (a new
  connection is refused only when every connection is busy with a request).
* ``GRACEFUL_TIMEOUT``: after SIGTERM, a worker that has not stopped within this many seconds
  (a request stuck on the CPU, an event loop blocked) is killed; the server is gone by then.

The open-files limit is raised to its hard limit at start (each connection is a file
descriptor) and the cap lowered to fit it.

Granian is run in HTTP/1.1 mode: in its default ``auto`` mode, hyper-util waits for the first
bytes of a connection (to tell HTTP/1.1 from HTTP/2) without any timer, so a connection that
sends nothing was held forever; in HTTP/1.1 mode hyper's header timer starts at acceptance.
Uvicorn always runs under its process supervisor (even with one worker), so that the process
that receives SIGTERM never runs the application and can kill a stuck worker.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import sys
import time
from typing import ClassVar

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors.multiprocess import Multiprocess

from .config import Settings

log = logging.getLogger("content_api")

#: The application the servers run: a factory that builds it from the environment; granian runs
#: its RSGI interface (``web/rsgi.py``), uvicorn its ASGI one.
APP = "content_api.web.app:create_app_from_env"
RSGI_APP = "content_api.web.app:create_rsgi_app_from_env"
#: File descriptors kept for everything but connections (content files, pipes, logs).
RESERVED_FILES = 256


def raise_open_files_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard one (workers inherit it); the soft limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1_048_576
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return soft if soft != resource.RLIM_INFINITY else wanted
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ValueError, OSError):
        return soft
    return wanted


def connection_cap(settings: Settings, open_files: int) -> int:
    """MAX_CONNECTIONS, lowered to what the open-files limit allows (with a warning)."""
    fits = max(16, open_files - RESERVED_FILES)
    if settings.max_connections > fits:
        print(
            f"content-api serve: MAX_CONNECTIONS={settings.max_connections} lowered to {fits}: "
            f"a process may open {open_files} files (ulimit -n)",
            file=sys.stderr,
        )
        return fits
    return settings.max_connections


def run_server(settings: Settings, target: str | None = None) -> None:
    """Serve content-api (or ``target``, an ASGI application factory, ``module:function``) until
    SIGTERM or SIGINT: under granian, content-api through its RSGI interface."""
    cap = connection_cap(settings, raise_open_files_limit())
    if settings.server == "uvicorn":
        _run_uvicorn(settings, target or APP, cap)
    else:
        _run_granian(settings, target or RSGI_APP, cap, rsgi=target is None)


def _run_granian(settings: Settings, target: str, cap: int, rsgi: bool) -> None:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    Granian(
        target,
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.RSGI if rsgi else Interfaces.ASGI,
        workers=settings.workers,
        websockets=False,
        # HTTP/1.1 only: the header timer then starts when the connection is accepted (see above)
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=settings.header_timeout * 1000),
        backlog=max(1024, min(cap, 4096)),
        backpressure=cap,  # connections held at once by one worker
        respawn_failed_workers=True,  # a worker that dies is replaced; the others serve meanwhile
        workers_kill_timeout=settings.graceful_timeout,
    ).serve()


def _run_uvicorn(settings: Settings, target: str, cap: int) -> None:
    config = _UvicornConfig(
        target,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        http=BoundedHttpTools,
        ws="none",
        log_level="info",
        server_header=False,
        backlog=max(1024, min(cap, 4096)),
        timeout_keep_alive=settings.header_timeout,
        # the worker gives up on its requests a second before the supervisor kills it
        timeout_graceful_shutdown=max(1, settings.graceful_timeout - 1),
    )
    config.max_connections = cap
    config.graceful_timeout = settings.graceful_timeout
    sock = config.bind_socket()
    try:
        _Supervisor(config, sockets=[sock]).run()
    finally:
        sock.close()


class _UvicornConfig(Config):
    """Uvicorn's config, with what the bounded protocol and the supervisor read (pickled to workers)."""

    max_connections: int = 0
    graceful_timeout: int = 10


class _Supervisor(Multiprocess):
    """Uvicorn's process supervisor, whose wait for its workers after SIGTERM is bounded."""

    def join_all(self) -> None:
        deadline = time.monotonic() + getattr(self.config, "graceful_timeout", 10)
        for process in self.processes:
            process.process.join(max(0.0, deadline - time.monotonic()))
            if process.process.is_alive():
                log.warning("worker %s did not stop within GRACEFUL_TIMEOUT: killed", process.pid)
                process.process.kill()
                process.process.join()


class BoundedHttpTools(HttpToolsProtocol):
    """Uvicorn's httptools protocol with a header deadline and a cap on connections.

    The deadline is armed when the connection is made and when a response is complete; when it
    passes with no request in progress (nothing sent, headers incomplete, or idle keep-alive),
    the connection is closed. Unlike uvicorn's keep-alive timer, bytes that trickle in do not
    push it back.
    """

    #: connections of this worker waiting for request headers, oldest first
    waiting: ClassVar[dict[BoundedHttpTools, None]] = {}
    deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        cap = getattr(self.config, "max_connections", 0)
        if cap and len(self.connections) >= cap and not self._evict_one():
            self.transport = transport  # connection_lost closes it
            transport.close()  # every connection is busy with a request: refuse this one
            return
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self._busy():
            self._arm()

    def _busy(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self.deadline = self.loop.call_later(self.config.timeout_keep_alive, self._expire)
        self.waiting[self] = None

    def _disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        self.waiting.pop(self, None)

    def _expire(self) -> None:
        self.deadline = None
        self.waiting.pop(self, None)
        if not self._busy() and not self.transport.is_closing():
            self.transport.close()

    def _evict_one(self) -> bool:
        """Close the connection that has waited longest for a request; False when none waits."""
        for connection in list(self.waiting):
            del self.waiting[connection]
            if connection._busy() or connection.transport.is_closing():
                continue
            if connection.deadline is not None:
                connection.deadline.cancel()
                connection.deadline = None
            connection.transport.close()
            connection.connections.discard(connection)  # counted out now, not at connection_lost
            return True
        return False
