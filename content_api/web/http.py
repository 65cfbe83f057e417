"""Prepared responses and HTTP negotiation, shared by the edge fast path and the handlers.

A :class:`Prepared` response holds its bytes in every encoding (identity, gzip, br) and a strong
ETag derived from the identity bytes: the same content gives the same ETag on every replica.
:func:`respond` turns it into status, headers and body for one request: conditional requests
(``If-None-Match`` -> 304), content coding (``Accept-Encoding``), media type (``Accept`` -> 406).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from functools import lru_cache
from typing import Any, Literal

import brotli
import msgspec

RawHeaders = list[tuple[bytes, bytes]]

#: Bodies shorter than this are not worth compressing.
MIN_COMPRESS = 512
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"

_encoder = msgspec.json.Encoder()


def encode(value: Any) -> bytes:
    return _encoder.encode(value)


def etag_of(body: bytes) -> str:
    """A strong ETag: the first 128 bits of the body's BLAKE2b hash."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


#: Measured on the real guides (bench/README.md): brotli 5 compresses as well as 9 at 1/19 of the
#: time, gzip 6 as well as 9 at 3/4 of the time.
GZIP_LEVEL = 6
BROTLI_QUALITY = 5

#: The gzip forms of the responses prepared at load are made when first asked for and kept in a
#: least-recently-used cache of this many bytes (their br forms are made at load and always kept).
GZIP_CACHE_BYTES = 64 * 1024 * 1024

#: The identity forms of the responses prepared at load are not kept either once their br form is
#: made: they are decompressed when asked for (about 40 µs for a guide) and the most used kept in a
#: least-recently-used cache of this many bytes. This halves the memory of a large corpus.
IDENTITY_CACHE_BYTES = 64 * 1024 * 1024


class Compressor:
    """br forms of bodies, kept by ETag: a body seen before is not compressed again.

    One compressor lives across snapshots (hot reload) and can be saved with the parse cache
    (warm restart); ``keep_used`` drops the forms no live response uses. Only br is made ahead:
    every browser asks for it, and it is the smaller; gzip, for the clients that only know gzip, is
    made on demand (:data:`GZIP_CACHE`), so that memory does not hold every body three times.
    """

    def __init__(self, forms: dict[str, bytes | None] | None = None) -> None:
        self.forms: dict[str, bytes | None] = forms or {}
        self.used: set[str] = set()
        #: how many bodies were compressed since the last ``keep_used``
        self.fresh = 0

    def __call__(self, etag: str, body: bytes) -> bytes | None:
        self.used.add(etag)
        if etag in self.forms:
            return self.forms[etag]
        form = self.forms[etag] = compress(body)
        self.fresh += 1
        return form

    def prefill(self, bodies: list[bytes], etags: list[str]) -> None:
        """Compress the bodies not seen before, on every core (see content_api.parallel)."""
        from ..parallel import pmap

        missing = {etag: body for etag, body in zip(etags, bodies, strict=True) if etag not in self.forms}
        for etag, form in zip(missing, pmap(compress, list(missing.values())), strict=True):
            self.forms[etag] = form
            self.fresh += 1

    def keep_used(self) -> None:
        """Forget the forms of bodies no longer served (after a new snapshot is built)."""
        self.forms = {etag: form for etag, form in self.forms.items() if etag in self.used}
        self.used = set()


class _LruCache:
    """Bytes by key, the least recently used dropped beyond ``limit`` bytes in all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()  # a reload's build thread may prepare while requests read

    def get(self, key: str, make: Callable[[], bytes]) -> bytes:
        found = self.items.get(key)
        if found is not None:
            with suppress(KeyError):  # dropped by another thread in between: still a good answer
                self.items.move_to_end(key)
            return found
        made = make()
        with self._lock:
            if key not in self.items:
                self.items[key] = made
                self.size += len(made)
            while self.size > self.limit and len(self.items) > 1:
                _, dropped = self.items.popitem(last=False)
                self.size -= len(dropped)
        return made


GZIP_CACHE = _LruCache(GZIP_CACHE_BYTES)
IDENTITY_CACHE = _LruCache(IDENTITY_CACHE_BYTES)


def _gzip(body: bytes) -> bytes:
    # mtime=0: the same bytes on every machine, so the ETags of the encodings agree too.
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def _br(body: bytes) -> bytes:
    return bytes(brotli.compress(body, quality=BROTLI_QUALITY))


def compress(body: bytes) -> bytes | None:
    """The br form of ``body``, or None when it is too short to be worth it."""
    return _br(body) if len(body) >= MIN_COMPRESS else None


class Prepared:
    """One response body, encoded once, in every content coding it is worth sending in.

    With a ``compressor`` (the responses prepared at load), the br form is made at once (or found
    again by ETag) and kept; the identity form is then dropped and comes back, decompressed, from
    :data:`IDENTITY_CACHE`, the gzip form from :data:`GZIP_CACHE`. Without (a response made for
    one query), each form is made the first time a client asks for it and kept with the response:
    nobody waits for a coding nobody wants.
    """

    __slots__ = ("_body", "_br", "_gzip", "_shared", "_size", "etag", "headers", "media_type")

    def __init__(
        self,
        body: bytes,
        media_type: str = JSON,
        headers: Iterable[tuple[bytes, bytes]] = (),
        *,
        compressor: Compressor | None = None,
        etag: str | None = None,
    ) -> None:
        self._body: bytes | None = body
        self._size = len(body)
        self.media_type = media_type
        self.headers: tuple[tuple[bytes, bytes], ...] = tuple(headers)
        self.etag = etag or etag_of(body)
        self._gzip: bytes | Literal[False] | None = False  # False: not made yet
        self._br: bytes | Literal[False] | None = False
        self._shared = compressor is not None
        if compressor is not None:
            self._br = compressor(self.etag, body)
            if self._br:
                self._body = None

    @property
    def body(self) -> bytes:
        """The identity bytes."""
        if self._body is not None:
            return self._body
        form = self._br
        assert form, "the identity form is only dropped when a br form is kept"
        return IDENTITY_CACHE.get(self.etag, lambda: brotli.decompress(form))

    @property
    def compressible(self) -> bool:
        return self._size >= MIN_COMPRESS

    @property
    def gzip(self) -> bytes | None:
        if not self.compressible:
            return None
        if self._shared:
            return GZIP_CACHE.get(self.etag, lambda: _gzip(self.body))
        if self._gzip is False:
            self._gzip = _gzip(self.body)
        return self._gzip

    @property
    def br(self) -> bytes | None:
        if self._br is False:
            self._br = _br(self.body) if self.compressible else None
        return self._br

    @classmethod
    def json(
        cls, value: Any, headers: Iterable[tuple[bytes, bytes]] = (), *, compressor: Compressor | None = None
    ) -> Prepared:
        return cls(encode(value), JSON, headers, compressor=compressor)


# --- negotiation ----------------------------------------------------------------------------------


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
def accepts(accept: str | None, media_type: str) -> bool:
    """True when an ``Accept`` value allows ``media_type`` (wildcards and q=0 honored)."""
    if not accept:
        return True
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
    return best > 0.0


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


class Policy(msgspec.Struct, frozen=True):
    """Headers every response carries, from the settings."""

    cache_control: bytes
    extra: tuple[tuple[bytes, bytes], ...] = ()


NOSNIFF = (b"x-content-type-options", b"nosniff")
#: The policy of the HTML pages (API reference, previews): scripts and styles from this origin only
#: (no inline script), images and embedded widgets over HTTPS, no plugins, never framed elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
    "frame-src https:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HTML_SECURITY = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


def security_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``raw`` with ``nosniff``, and for an HTML page the headers above, unless already there."""
    names = {name.lower() for name, _ in raw}
    out = list(raw)
    if b"x-content-type-options" not in names:
        out.append(NOSNIFF)
    is_html = any(name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in raw)
    if is_html and b"content-security-policy" not in names:
        out.extend(HTML_SECURITY)
    return out


VARY = (b"vary", b"Accept-Encoding")


def respond(
    prepared: Prepared, request_headers: Mapping[str, str], policy: Policy, status: int = 200
) -> tuple[int, RawHeaders, bytes]:
    """Status, headers and body of ``prepared`` for a request with ``request_headers``."""
    if not accepts(request_headers.get("accept"), prepared.media_type):
        return not_acceptable(f"this resource is {prepared.media_type}", policy)
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
        VARY,
        NOSNIFF,
        *prepared.headers,
        *policy.extra,
        *(HTML_SECURITY if prepared.media_type == "text/html" else ()),
    ]
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None and status == 200 and etag_matches(if_none_match, prepared.etag):
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


# --- problems (RFC 9457) --------------------------------------------------------------------------

_TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class ParamError(msgspec.Struct):
    param: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem: ``type``, ``title``, ``status``, ``detail`` and, for 400, ``errors``."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ParamError] = msgspec.field(default_factory=list)
    diagnostics: str | None = None


def problem_body(status: int, detail: str, errors: list[ParamError] | None = None, **extra: Any) -> bytes:
    title = _TITLES.get(status, "Error")
    return encode(
        Problem(type="about:blank", title=title, status=status, detail=detail, errors=errors or [], **extra)
    )


def problem(
    status: int, detail: str, policy: Policy, errors: list[ParamError] | None = None, **extra: Any
) -> tuple[int, RawHeaders, bytes]:
    body = problem_body(status, detail, errors, **extra)
    headers: RawHeaders = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        NOSNIFF,
        *policy.extra,
    ]
    return status, headers, body


def not_acceptable(detail: str, policy: Policy) -> tuple[int, RawHeaders, bytes]:
    return problem(406, detail, policy)
