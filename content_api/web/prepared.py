"""Prepared responses: a body encoded once, in every content coding worth sending, with its ETag.

A :class:`Prepared` response holds its bytes in every encoding (identity, gzip, br) and a strong
ETag derived from the identity bytes: the same content gives the same ETag on every replica. The
responses prepared at load share one :class:`Compressor` (kept across reloads and warm restarts);
their gzip and identity forms live in bounded least-recently-used caches.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import lru_cache
from typing import Any, Literal

import brotli
import msgspec

from ..dates import http_date
from .record_store import RecordBlock

#: Bodies shorter than this are not worth compressing.
MIN_COMPRESS = 512
JSON = "application/json"

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

    def __init__(
        self,
        forms: dict[str, bytes | None] | None = None,
        records: dict[str, RecordBlock] | None = None,
        joined: dict[str, tuple[str, int]] | None = None,
    ) -> None:
        self.forms: dict[str, bytes | None] = forms or {}
        self.used: set[str] = set()
        #: how many bodies were compressed (or guides' records made) since the last ``keep_used``
        self.fresh = 0
        #: a guide's search records, encoded and packed, by its detail's ETag and the site's URL
        #: (web/records.py): kept and saved like the forms, so that a warm restart does not make them
        self.records: dict[str, RecordBlock] = records or {}
        self.used_records: set[str] = set()
        #: the ETag and size of a body joined from parts, by a key of its parts (``prepared_join``)
        self.joined: dict[str, tuple[str, int]] = joined or {}
        self.used_joined: set[str] = set()

    def records_of(self, key: str, make: Callable[[], RecordBlock]) -> RecordBlock:
        """The records kept under ``key``, else made now (and kept)."""
        self.used_records.add(key)
        found = self.records.get(key)
        if found is None:
            found = self.records[key] = make()
            self.fresh += 1
        return found

    def prepared_join(
        self, key: str, join: Callable[[], bytes], media_type: str, last_modified: int | None
    ) -> Prepared:
        """The response whose body ``join`` makes, ``key`` naming what it is made of: when a body
        of that key was compressed before, its br form is taken by the ETag and size kept for the
        key, and ``join`` is not called (a warm start joins no large body only to hash it again)."""
        self.used_joined.add(key)
        kept = self.joined.get(key)
        if kept is not None and self.forms.get(kept[0]):
            return Prepared.compressed(kept[0], kept[1], media_type, self, last_modified)
        prepared = Prepared(join(), media_type, compressor=self, last_modified=last_modified)
        self.joined[key] = (prepared.etag, prepared._size)
        return prepared

    def __call__(self, etag: str, body: bytes) -> bytes | None:
        self.used.add(etag)
        if etag in self.forms:
            return self.forms[etag]
        form = self.forms[etag] = compress(body)
        self.fresh += 1
        return form

    def prefill(self, bodies: list[bytes], etags: list[str]) -> None:
        """Compress the bodies not seen before, on every core (see content_api.parallel)."""
        from ..parallel import COMPRESS_SECONDS_PER_BYTE, pmap

        missing = {etag: body for etag, body in zip(etags, bodies, strict=True) if etag not in self.forms}
        work = sum(map(len, missing.values()))  # a pool is started for it only if the bytes pay for it
        forms = pmap(compress, list(missing.values()), work=work, seconds_per_byte=COMPRESS_SECONDS_PER_BYTE)
        for etag, form in zip(missing, forms, strict=True):
            self.forms[etag] = form
            self.fresh += 1

    def release(self) -> None:
        """Forget every form and record kept: nothing will be prepared again with this compressor
        (its snapshot is served as it is, and saved). The responses keep their own forms."""
        self.forms, self.records, self.joined = {}, {}, {}

    def keep_used(self) -> None:
        """Forget the forms of bodies no longer served (after a new snapshot is built)."""
        self.forms = {etag: form for etag, form in self.forms.items() if etag in self.used}
        self.used = set()
        self.records = {key: found for key, found in self.records.items() if key in self.used_records}
        self.used_records = set()
        self.joined = {key: found for key, found in self.joined.items() if key in self.used_joined}
        self.used_joined = set()


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


@lru_cache(maxsize=8192)
def _last_modified(stamp: int) -> tuple[bytes, bytes]:
    """The ``Last-Modified`` header of ``stamp``: one tuple for the responses of the same date (a
    guide's detail and source, the guides of one day), not one each."""
    return b"last-modified", http_date(stamp).encode()


class Prepared:
    """One response body, encoded once, in every content coding it is worth sending in.

    With a ``compressor`` (the responses prepared at load), the br form is made at once (or found
    again by ETag) and kept; the identity form is then dropped and comes back, decompressed, from
    :data:`IDENTITY_CACHE`, the gzip form from :data:`GZIP_CACHE`. Without (a response made for
    one query), each form is made the first time a client asks for it and kept with the response:
    nobody waits for a coding nobody wants.

    ``last_modified`` (seconds since the epoch, or None) is when the resource last changed: its
    ``Last-Modified`` header, which ``If-Modified-Since`` is compared with (see
    :func:`.negotiation.negotiate`). A guide's is its ``updated``, a list's the newest of its
    items' (:meth:`.snapshot.Snapshot.newest`).
    """

    __slots__ = (
        "_body",
        "_br",
        "_gzip",
        "_shared",
        "_size",
        "alternatives",
        "etag",
        "headers",
        "last_modified",
        "last_modified_header",
        "media_type",
    )

    def __init__(
        self,
        body: bytes,
        media_type: str = JSON,
        headers: Iterable[tuple[bytes, bytes]] = (),
        *,
        compressor: Compressor | None = None,
        etag: str | None = None,
        alternatives: tuple[Prepared, ...] = (),
        last_modified: int | None = None,
    ) -> None:
        self._body: bytes | None = body
        self.last_modified = last_modified
        #: the ``Last-Modified`` header (an IMF-fixdate), or None
        self.last_modified_header = None if last_modified is None else _last_modified(last_modified)
        #: the same resource in other media types, chosen by the request's ``Accept`` (this one
        #: when it is acceptable and none is preferred; see :func:`.negotiation.negotiate`)
        self.alternatives = alternatives
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

    @classmethod
    def compressed(
        cls, etag: str, size: int, media_type: str, compressor: Compressor, last_modified: int | None
    ) -> Prepared:
        """A response whose br form ``compressor`` keeps for ``etag`` (a body of ``size`` bytes),
        made without its identity bytes (decompressed from br when asked for, as any other)."""
        prepared = cls(b"", media_type, last_modified=last_modified, etag=etag)
        prepared._size, prepared._shared = size, True
        prepared._br = compressor(etag, b"")
        prepared._body = None
        return prepared

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
        cls,
        value: Any,
        headers: Iterable[tuple[bytes, bytes]] = (),
        *,
        compressor: Compressor | None = None,
        last_modified: int | None = None,
    ) -> Prepared:
        return cls(encode(value), JSON, headers, compressor=compressor, last_modified=last_modified)
