"""An RSGI app for tests/test_rsgi.py: an ASGI app that reads the request body through
:class:`content_api.web.rsgi.AsgiBridge` and answers its size, its chunk count and its SHA-256."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from content_api.web.rsgi import AsgiBridge


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    digest, size, chunks = hashlib.sha256(), 0, 0
    while True:
        message = await receive()
        digest.update(message.get("body", b""))
        size += len(message.get("body", b""))
        chunks += 1
        if not message.get("more_body"):
            break
    body = json.dumps({"size": size, "chunks": chunks, "sha256": digest.hexdigest()}).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


class App:
    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        bridge = AsgiBridge(protocol)
        try:
            await echo({"type": "http"}, bridge.receive, bridge.send)
        finally:
            bridge.finish()


app = App()
