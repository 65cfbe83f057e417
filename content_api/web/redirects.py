"""The ``301`` of a redirect (see content_api/redirects.py), answered by the edge before routing.

Its ``Location`` is the target, with the request's query string kept (``/guides/old?x=1`` ->
``/guides/new?x=1``); its body a small JSON object saying the same (``Moved``); its headers the
ones every response has (``Cache-Control`` from the settings, nosniff, the operator's extra ones;
the edge adds CORS). HEAD gets the same headers and no body.
"""

from __future__ import annotations

import msgspec

from ..redirects import location
from .headers import NOSNIFF, Policy, RawHeaders
from .prepared import encode


class Moved(msgspec.Struct):
    """The body of a ``301``: the same address as its ``Location`` header."""

    status: int
    title: str
    location: str


def moved(target: str, query: bytes, policy: Policy) -> tuple[int, RawHeaders, bytes]:
    """The status, headers and body of a ``301`` to ``target`` for a request with ``query``."""
    where = location(target, query.decode("latin-1"))
    body = encode(Moved(status=301, title="Moved Permanently", location=where))
    headers: RawHeaders = [
        (b"location", where.encode("latin-1")),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", policy.cache_control),
        NOSNIFF,
        *policy.extra,
    ]
    return 301, headers, body


def nginx_redirects(table: dict[str, str], indent: str = "    ") -> str:
    """The ``location`` blocks of nginx's ``server`` that answer each redirect of ``table`` as the
    edge does (the query kept); its targets are percent-encoded already (no ``"``, ``$``, space)."""
    lines = []
    for path, target in sorted(table.items()):
        base, hash_, fragment = target.partition("#")
        joined = f"{base}{'&' if '?' in base else '$is_args'}$args{hash_}{fragment}"
        answer = f'return 301 "{joined}";'
        if "?" in base:  # the target's own query, and the request's (if any) after it
            answer = f'if ($args) {{ return 301 "{joined}"; }} return 301 "{target}";'
        lines.append(f"{indent}location = {path} {{ {answer} }}")
    return "\n".join(lines) + ("\n" if lines else "")
