"""Content negotiation: one prepared response, answered to one request.

:func:`negotiate` turns a :class:`.prepared.Prepared` response into status, headers and body for a
request's headers: conditional requests (``If-None-Match``, else ``If-Modified-Since`` -> 304;
``Last-Modified`` from the prepared response), content coding (``Accept-Encoding``), media type
(``Accept`` -> 406). The edge's fast path sends its result itself; a handler returns an
:class:`Answer`, the ASGI response that sends it: both through this one function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from ..dates import parse_http_date
from .headers import HTML_SECURITY, NOSNIFF, VARY, VARY_ACCEPT, Policy, RawHeaders
from .prepared import Prepared
from .problems import not_acceptable


def _params(header: str) -> list[tuple[str, float]]:
    """``a;q=0.5, b`` -> [("a", 0.5), ("b", 1.0)] (names lower-cased)."""
    out = []
    for part in header.split(","):
        name, _, rest = part.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        quality = 1.0
        for param in rest.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    quality = 0.0
        out.append((name, quality))
    return out


@lru_cache(maxsize=512)
def choose_encoding(accept_encoding: str | None) -> str | None:
    """``br``, ``gzip`` or ``identity`` for an ``Accept-Encoding`` value; None if none is acceptable."""
    if accept_encoding is None:
        return "identity"
    qualities = dict(_params(accept_encoding))
    star = qualities.get("*")
    best, best_q = None, 0.0
    for coding in ("br", "gzip"):
        quality = qualities.get(coding, star if star is not None else 0.0)
        if quality > best_q:
            best, best_q = coding, quality
    # identity is acceptable unless excluded (identity;q=0, or *;q=0 without identity listed)
    identity = qualities.get("identity", 0.0 if star == 0.0 else None)
    if best is not None and (identity is None or best_q >= identity):
        return best
    return "identity" if identity is None or identity > 0.0 else None


@lru_cache(maxsize=512)
def quality(accept: str | None, media_type: str) -> float:
    """The quality an ``Accept`` value gives ``media_type``: that of its most specific range
    matching it (wildcards included), -1.0 if none does; 1.0 without ``Accept``."""
    if not accept:
        return 1.0
    main = media_type.split("/", 1)[0]
    best = -1.0
    best_specificity = -1
    for name, quality in _params(accept):
        name = name.split(";", 1)[0]
        if name == media_type:
            specificity = 2
        elif name == f"{main}/*":
            specificity = 1
        elif name == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best, best_specificity = quality, specificity
    return best


def choose(prepared: Prepared, accept: str | None) -> Prepared | None:
    """``prepared`` or the one of its alternatives ``accept`` prefers (the first of equals: the
    main one), or None when none is acceptable."""
    best, best_quality = None, 0.0
    for option in (prepared, *prepared.alternatives):
        found = quality(accept, option.media_type)
        if found > best_quality:
            best, best_quality = option, found
    return best


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): any listed tag equal to ours, ignoring W/ and the coding."""
    if if_none_match.strip() == "*":
        return True
    opaque = etag.strip('"')
    for tag in if_none_match.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        if tag == opaque or tag.rsplit("-", 1)[0] == opaque:
            return True
    return False


def not_modified(prepared: Prepared, request_headers: Mapping[str, str]) -> bool:
    """Whether a GET or HEAD of ``prepared`` is a 304 (RFC 9110 §13.2.2): ``If-None-Match``, when
    sent, decides alone; else ``If-Modified-Since``, when it is a valid HTTP-date and the response
    has a ``Last-Modified`` no later than it (an invalid date is ignored)."""
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, prepared.etag)
    if prepared.last_modified is None:
        return False
    since = parse_http_date(request_headers.get("if-modified-since"))
    return since is not None and prepared.last_modified <= since


def negotiate(
    prepared: Prepared, request_headers: Mapping[str, str], policy: Policy, status: int = 200
) -> tuple[int, RawHeaders, bytes]:
    """Status, headers and body of ``prepared`` for a request with ``request_headers``."""
    chosen = choose(prepared, request_headers.get("accept"))
    if chosen is None:
        types = " or ".join(option.media_type for option in (prepared, *prepared.alternatives))
        return not_acceptable(f"this resource is {types}", policy)
    vary = VARY_ACCEPT if prepared.alternatives else VARY
    prepared = chosen
    coding = choose_encoding(request_headers.get("accept-encoding"))
    if coding is None:
        return not_acceptable("no acceptable content coding (identity is refused)", policy)
    if coding == "identity" or not prepared.compressible:
        coding, etag = "identity", prepared.etag
    else:
        etag = f'{prepared.etag[:-1]}-{coding}"'
    body = b""  # the encoded form is made (if it must be) only for a 200, below
    headers: RawHeaders = [
        (b"etag", etag.encode()),
        (b"cache-control", policy.cache_control),
        vary,
        NOSNIFF,
        *prepared.headers,
        *policy.extra,
        *(HTML_SECURITY if prepared.media_type == "text/html" else ()),
    ]
    if prepared.last_modified_header is not None:
        headers.append(prepared.last_modified_header)
    if status == 200 and not_modified(prepared, request_headers):
        return 304, headers, b""
    if coding == "identity":
        body = prepared.body
    else:
        body = (prepared.br if coding == "br" else prepared.gzip) or prepared.body
    headers.append((b"content-type", _content_type(prepared.media_type)))
    if coding != "identity":
        headers.append((b"content-encoding", coding.encode()))
    headers.append((b"content-length", str(len(body)).encode()))
    return status, headers, body


@lru_cache(maxsize=32)
def _content_type(media_type: str) -> bytes:
    if media_type.startswith("text/") or media_type.endswith(("xml", "javascript")):
        return f"{media_type}; charset=utf-8".encode()
    return media_type.encode()


def request_headers(scope: Mapping[str, Any]) -> dict[str, str]:
    """An ASGI request's headers as :func:`header_map` gives them."""
    return header_map((name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"])


def header_map(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased header names to values (repeated headers joined with ', '): an ASGI request's,
    an RSGI one's (``web/rsgi.py``)."""
    headers: dict[str, str] = {}
    for raw_name, value in items:
        name = raw_name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


#: Where an :class:`Answer` leaves its prepared response in the request's scope, for the edge to
#: answer the same request again without a handler (see :class:`.edge.Edge`).
ANSWERED = "content_api.answered"


class Answer:
    """A handler's response: ``prepared``, negotiated for the request (200, 304 or 406).

    With ``memo`` (the default), the edge keeps it for the same path and query; without (an answer
    of the moment: a search stopped at its time budget), it is sent with ``Cache-Control:
    no-store`` and not kept, so that neither the edge nor a cache gives it again.
    """

    __slots__ = ("memo", "policy", "prepared")

    def __init__(self, prepared: Prepared, policy: Policy, *, memo: bool = True) -> None:
        self.prepared = prepared
        self.memo = memo
        self.policy = policy if memo else Policy(b"no-store", policy.extra)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        status, headers, body = negotiate(self.prepared, request_headers(scope), self.policy)
        if self.memo:
            scope[ANSWERED] = self.prepared
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
