"""Connections a server closes: what bench/resilience.py and tests/test_faults.py both count."""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Callable


def _any_event(sock: socket.socket) -> bool:
    return True


def count_closed(
    socks: list[socket.socket], deadline: float, closed_by: Callable[[socket.socket], bool] = _any_event
) -> int:
    """How many of ``socks`` the server closed before ``deadline`` (monotonic seconds).

    Each socket is looked at once, at its first event (readable: EOF, a reset, or bytes); it counts
    when ``closed_by(sock)`` says that event is the server closing it (by default, any event does).
    """
    closed = 0
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        while closed < len(socks) and time.monotonic() < deadline:
            for key, _ in selector.select(max(0.01, deadline - time.monotonic())):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                selector.unregister(sock)
                closed += closed_by(sock)
    return closed
