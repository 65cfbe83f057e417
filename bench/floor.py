"""The floor of a Python server on this machine: granian with an app that does nothing but answer.

    granian --interface asgi bench.floor:asgi      # or --interface rsgi bench.floor:rsgi

Both answer every request with the bytes of the file named by ``FLOOR_BODY`` and the headers
content-api sends (type, length, ETag, Cache-Control, Vary, nosniff): no routing, no lookup, no
negotiation. bench/throughput.py times them beside content-api to show how much of the gap to
nginx is the server's own cost per request, which no application code can remove.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BODY = Path(os.environ.get("FLOOR_BODY", __file__)).read_bytes()
_HEADERS = [
    ("content-type", "application/json"),
    ("etag", '"0123456789abcdef0123456789abcdef"'),
    ("cache-control", "public, max-age=60, stale-while-revalidate=300"),
    ("vary", "Accept-Encoding"),
    ("x-content-type-options", "nosniff"),
]
ASGI_HEADERS = [(k.encode(), v.encode()) for k, v in _HEADERS]
ASGI_HEADERS.append((b"content-length", str(len(BODY)).encode()))
START = {"type": "http.response.start", "status": 200, "headers": ASGI_HEADERS}
END = {"type": "http.response.body", "body": BODY}


async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send(START)
    await send(END)


class _Rsgi:
    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        protocol.response_bytes(200, _HEADERS, BODY)


rsgi = _Rsgi()
