"""The Snapshot: one loaded library's responses, prepared for serving. Built at load, never per request.

It holds the library's :class:`~content_api.catalog.Catalog` (the index and the queries), the
responses prepared at load (each route of :mod:`.routes` that has a ``prepare`` step adds its own,
by exact path and query: what the edge serves without a handler), the pieces the handlers join per
request (each summary and editor row already encoded) and two bounded caches: the responses to the
queries seen (normalized), and the exact requests answered (the edge's memo).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeAlias

import msgspec
from litestar.di import NamedDependency

from .. import model as m
from .. import status
from ..catalog import Catalog
from ..catalog.graph import SiteCatalog
from ..catalog.search import ImageStore
from ..changes import History
from ..config import Settings
from ..dates import epoch_of, newest
from ..library import Library
from .caches import ResponseCache
from .headers import Policy
from .prepared import Compressor, Prepared, encode
from .record_store import RecordStore

#: The edge memo keeps no request whose path and query are longer than this (in characters): a
#: client's absurdly long query string is answered, not remembered.
MAX_MEMO_KEY = 2048

#: A step of the build: the responses it prepares, by exact path (and query).
Preparer = Callable[["Snapshot"], dict[str, Prepared]]


class _DetailBody(msgspec.Struct):
    body: m.Root


class _DetailToc(msgspec.Struct):
    toc: list[m.TocEntry]


@dataclass(eq=False)
class Snapshot:
    """What the edge and the handlers read for one version of the content."""

    library: Library
    settings: Settings
    catalog: Catalog
    policy: Policy
    compressor: Compressor
    #: the content graph of a site-layout folder, queried (None: a folder of guides)
    site: SiteCatalog | None = None
    #: position in ``catalog.entries`` -> the summary's JSON (a /guides item)
    summary_json: list[bytes] = field(default_factory=list)
    #: position in ``catalog.entries`` -> the guide's ``updated`` in seconds since the epoch (its
    #: ``Last-Modified``; None when it is not a date), never later than the snapshot's build
    modified: list[int | None] = field(default_factory=list)
    #: position in ``catalog.editor_rows`` -> the row's JSON
    editor_json: list[bytes] = field(default_factory=list)
    #: position in ``catalog.records()`` -> the section record's JSON (a /search/records item),
    #: kept compressed guide by guide (see :mod:`.record_store`)
    record_json: RecordStore = field(default_factory=RecordStore)
    #: every section record as JSON Lines: /search/records for ``Accept: application/x-ndjson``
    records_ndjson: Prepared | None = None
    #: the change feed's history, this snapshot's state last (see :mod:`.changes`); before the
    #: build, the history of the snapshot it follows (None: the first)
    history: History | None = None
    #: the last delivery to each webhook URL, for /health (see :mod:`content_api.webhooks`)
    deliveries: Callable[[], list[status.WebhookDelivery]] = list
    #: why a later reload did not replace this snapshot (/health's and /diagnostics' ``reason``)
    reload_error: str | None = None
    #: exact "path" or "path?query" -> response: what the edge serves without a handler
    prepared: dict[str, Prepared] = field(default_factory=dict)
    #: normalized query -> response (QUERY_CACHE_BYTES)
    cache: ResponseCache = field(default_factory=lambda: ResponseCache(Settings().query_cache_bytes))
    #: "path?raw query" -> response already given: the edge answers the same request again
    #: (EDGE_CACHE_BYTES)
    answered: ResponseCache = field(default_factory=lambda: ResponseCache(Settings().edge_cache_bytes))

    def newest(self, positions: Iterable[int]) -> int | None:
        """The ``Last-Modified`` of a list of the guides at ``positions`` (in ``catalog.entries``):
        the newest of theirs; None for an empty list. A handler building a list's response gives
        it to :class:`.prepared.Prepared` as ``last_modified``."""
        modified = self.modified
        return newest(modified[i] for i in positions)

    def cached(self, key: str, build: Callable[[], Prepared]) -> Prepared:
        """The response for ``key`` (a normalized query) from the per-query cache, else built."""
        return self.cache.cached(key, build)

    def remember(self, key: str, prepared: Prepared) -> None:
        """Let the edge answer ``key`` (an exact path and query) without a handler next time."""
        if len(key) <= MAX_MEMO_KEY:
            self.answered.put(key, prepared)

    @property
    def diagnostics(self) -> list[m.Diagnostic]:
        """The library's diagnostics, files relative to the content folder: made when asked for
        (/diagnostics, the preview), not kept (a snapshot of 100,000 generated guides held 160 MB
        of them, beside the library's own)."""
        return _relative(self.library)

    def detail(self, i: int) -> Prepared:
        """The prepared /guides/{slug} response of the guide at position ``i``."""
        return self.prepared[f"/guides/{self.catalog.entries[i].slug}"]

    def body(self, i: int) -> m.Root:
        """The AST of the guide at position ``i``: from the library, or decoded from its detail."""
        slug = self.catalog.entries[i].slug or ""
        if self.library.bodies.get(slug):
            return self.library.body(slug)
        return msgspec.json.decode(self.detail(i).body, type=_DetailBody).body

    def toc(self, i: int) -> list[m.TocEntry]:
        """The TOC of the guide at position ``i``: from the library, or decoded from its detail
        (a released library keeps none)."""
        slug = self.catalog.entries[i].slug or ""
        if self.library.bodies.get(slug):
            return self.library.toc(slug)
        return msgspec.json.decode(self.detail(i).body, type=_DetailToc).toc


#: A handler's parameter that receives the snapshot being served (the app provides it).
Current: TypeAlias = NamedDependency[Snapshot]


def _relative(library: Library) -> list[m.Diagnostic]:
    root, relative = library.root, {}  # file -> its path from the root (a file has many diagnostics)
    for d in library.diagnostics:
        if d.file and d.file not in relative:
            relative[d.file] = os.path.relpath(d.file, root)
    return [
        m.Diagnostic(relative.get(d.file or ""), d.line, d.column, d.severity, d.code, d.message)
        for d in library.diagnostics
    ]


def _modified(catalog: Catalog) -> list[int | None]:
    """Each guide's ``updated`` as a ``Last-Modified``: a date in the future is now (RFC 9110
    §8.8.2.1: never later than the response)."""
    now = int(time.time())
    found = [epoch_of(guide.updated) for guide in catalog.entries]
    return [None if stamp is None else min(stamp, now) for stamp in found]


def build_snapshot(
    library: Library,
    settings: Settings,
    preparers: Iterable[Preparer],
    compressor: Compressor | None = None,
    history: History | None = None,
    deliveries: Callable[[], list[status.WebhookDelivery]] = list,
    search_store: ImageStore | None = None,
) -> Snapshot:
    """Prepare ``library`` to be served with ``settings``: the catalog, then each of ``preparers``
    in order (``compressor`` remembers the compressed forms across snapshots; ``history`` is the
    change feed's, which the build extends with this snapshot's state; ``search_store`` keeps the
    search index, the parse cache's folder)."""
    catalog = Catalog.from_library(library, settings.asset_base_url, search_store)
    snapshot = Snapshot(
        library=library,
        settings=settings,
        catalog=catalog,
        site=SiteCatalog.of(catalog),
        policy=Policy(cache_control=settings.cache_control_header.encode()),
        compressor=compressor or Compressor(),
        summary_json=[encode(summary) for summary in catalog.summaries],
        modified=_modified(catalog),
        editor_json=[encode(row) for row in catalog.editor_rows],
        cache=ResponseCache(settings.query_cache_bytes),
        answered=ResponseCache(settings.edge_cache_bytes),
        history=history,
        deliveries=deliveries,
    )
    for prepare in preparers:
        snapshot.prepared.update(prepare(snapshot))
    catalog.wait()  # a snapshot is served whole or not at all
    return snapshot
