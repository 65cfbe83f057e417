"""A tiny ASGI application whose ``/block`` blocks its event loop for an hour (tests/test_faults.py).

``/block`` first creates the file named by ``BLOCKED_MARK``, so that a test knows the request is
being handled, then calls ``time.sleep(3600)``: the worker's event loop is stuck, as it is in a
request that runs on the CPU for minutes. Every other path answers ``ok``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["path"] == "/block":
        Path(os.environ["BLOCKED_MARK"]).touch()
        time.sleep(3600)  # blocks the event loop: no signal handler of the worker can run
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def create_app() -> Callable[[dict[str, Any], Receive, Send], Awaitable[None]]:
    return app
