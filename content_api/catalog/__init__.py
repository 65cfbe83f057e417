"""The catalog: the guides of a loaded library, indexed and queried as plain Python.

Built once per library (:meth:`Catalog.from_library`), never per query: guides in slug order with
their summaries, index sets (tag, API, published, noindex), precomputed sort orders, the editor
rows (the software vendors of the guides' editor tables) and the FTS5 search index. It answers what
the HTTP API answers, without the web: :meth:`Catalog.guides` (filter, search, sort, page),
:meth:`Catalog.editors`, :meth:`Catalog.tags`, :meth:`Catalog.apis`. The HTTP handlers, the static
export and a Python user (a static-site generator, a notebook) all query through it::

    from content_api import Catalog, load_library

    catalog = Catalog.from_library(load_library("content"))
    page = catalog.guides(api="API Particulier", publish=True, sort="-updated")
    [summary.title for summary in page.items], page.total

It imports nothing of the web layer.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

import msgspec

from .. import model as m
from ..config import Settings
from ..ids import api_slug, slugify, strip_accents
from ..library import Library
from ..render import render_text
from .query import DEFAULT_PER_PAGE, MAX_PER_PAGE, SORTS, GuideQuery, Sort, split_values
from .records import COLLECTION_LABEL, SectionRecord, searchable, section_records
from .search import ImageStore, SearchIndex, SearchStopped
from .summaries import ASSET_BASE, Summaries, summarize

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE",
    "SORTS",
    "SUMMARY_FIELDS",
    "Catalog",
    "EditorPage",
    "GuidePage",
    "GuideQuery",
    "SectionRecord",
    "Selection",
    "summarize",
]

SUMMARY_FIELDS = frozenset(m.GuideSummary.__struct_fields__)
#: The ``warning`` of a search stopped at its time budget (its page is empty).
STOPPED = (
    "the search was stopped: it took longer than the time allowed to one search; "
    "try fewer or more specific words"
)
#: An /editors ``q`` is cut to this many characters before it is compared: names are far shorter.
MAX_EDITOR_QUERY = 1000
DEFAULT_EDITORS_PER_PAGE = 100
MAX_EDITORS_PER_PAGE = 1000
#: The needle of a ``q`` longer than every name: no name holds it (nor a NUL).
_NO_NAME = "\x00"


class Selection(msgspec.Struct, frozen=True):
    """The answer to a :class:`GuideQuery` as positions in :attr:`Catalog.entries`.

    ``snippets``: the HTML snippet of each position of the page, with ``q``; ``stopped``: the
    search ran past its deadline (the page is then empty and ``total`` 0).
    """

    total: int
    positions: list[int]
    snippets: dict[int, str]
    stopped: bool = False

    def pages(self, per_page: int) -> int:
        return math.ceil(self.total / per_page)


class GuidePage(msgspec.Struct, frozen=True):
    """A page of guides: summaries (with their ``snippet`` when searched), the total and the pages."""

    items: list[m.GuideHit]
    total: int
    page: int
    per_page: int
    pages: int
    #: set when the search was stopped at its deadline (``items`` is then empty)
    warning: str | None = None


class EditorPage(msgspec.Struct, frozen=True):
    """Editor rows by editor name; ``page`` and ``per_page`` only when a page was asked for."""

    rows: list[m.EditorRow]
    total: int
    page: int | None = None
    per_page: int | None = None
    pages: int | None = None


def editor_filters(
    api: str | Iterable[str] | None, guide: str | Iterable[str] | None
) -> tuple[list[str], list[str]]:
    """The API and guide slugs of /editors filters as users write them (a value without letter or
    digit normalizes to ``""``, which no row has)."""
    return [api_slug(value) for value in split_values(api)], [slugify(value) for value in split_values(guide)]


def window(rows: Sequence[int], page: int, per_page: int) -> tuple[Sequence[int], int]:
    """Page ``page`` of ``rows`` (``per_page`` a page), and how many pages there are."""
    return rows[(page - 1) * per_page : page * per_page], math.ceil(len(rows) / per_page)


def _index(values: Iterable[tuple[str, int]]) -> dict[str, frozenset[int]]:
    found: dict[str, set[int]] = {}
    for key, i in values:
        found.setdefault(key, set()).add(i)
    return {key: frozenset(members) for key, members in found.items()}


class Catalog:
    """The guides of one library, indexed for every query of the API (see the module's doc)."""

    def __init__(
        self, library: Library, asset_base: str = ASSET_BASE, search_store: ImageStore | None = None
    ) -> None:
        self.library, self._search_store = library, search_store
        #: the served guides, in slug order: a guide's position is its number everywhere here
        self.entries: list[m.Guide] = [library.guides[slug] for slug in sorted(library.guides)]
        #: the positions, one int object each that every index and order below holds (each held
        #: its own: 30 bytes a guide each)
        self._numbers = list(range(len(self.entries)))
        self.position: dict[str, int] = {guide.slug or "": i for i, guide in self._numbered()}
        #: position -> the guide's summary, made when asked for (each is the guide's fields and
        #: two URLs: a list of them all held 440 bytes a guide)
        self.summaries = Summaries(self.entries, asset_base)
        self._search: SearchIndex | None = None
        #: how many section records :meth:`records` last gave (a served library releases the
        #: bodies they are made of: the export counts its pages with this)
        self.record_total: int | None = None
        self._search_thread = threading.Thread(target=self._build_search, name="search-index", daemon=True)
        self._search_thread.start()  # SQLite releases the GIL: the index builds while the rest does
        self._index_sets()
        self._orders()
        self._editor_rows()

    @classmethod
    def from_library(
        cls, library: Library, asset_base: str = ASSET_BASE, search_store: ImageStore | None = None
    ) -> Catalog:
        """The catalog of ``library``; ``asset_base`` prefixes the summaries' image URLs (the
        ``ASSET_BASE_URL`` setting's default: the site's); ``search_store`` keeps the search index."""
        return cls(library, asset_base, search_store)

    # --- building -------------------------------------------------------------------------------

    def _numbered(self) -> Iterable[tuple[int, m.Guide]]:
        return zip(self._numbers, self.entries, strict=True)

    def _index_sets(self) -> None:
        self.by_tag = _index((tag.slug, i) for i, g in self._numbered() for tag in g.tags)
        self.by_api = _index((api.slug, i) for i, g in self._numbered() for api in g.apis)
        everyone = frozenset(self._numbers)
        self.published = frozenset(i for i, g in self._numbered() if g.publish)
        self.noindexed = frozenset(i for i, g in self._numbered() if g.noindex)
        self.unpublished, self.indexable = everyone - self.published, everyone - self.noindexed

    def _orders(self) -> None:
        """Each sort's order of positions, and each position's rank in it."""
        entries = self.entries
        keys: dict[str, Callable[[int], Any]] = {
            "title": lambda i: (strip_accents(entries[i].title or "").casefold(), entries[i].slug),
            "slug": lambda i: entries[i].slug,
            "updated": lambda i: (entries[i].updated or "", entries[i].slug),
        }
        self.orders: dict[str, list[int]] = {}
        self.ranks: dict[str, list[int]] = {}
        numbers = self._numbers
        for name, key in keys.items():
            order = sorted(numbers, key=key)
            self.orders[name], self.orders["-" + name] = order, order[::-1]
            rank = [0] * len(order)
            for place, i in zip(numbers, order, strict=True):
                rank[i] = place
            self.ranks[name] = rank
            self.ranks["-" + name] = [numbers[-1 - r] for r in rank]

    def _editor_rows(self) -> None:
        rows = [row for guide in self.entries for row in guide.editors]
        rows.sort(key=lambda r: (strip_accents(r.editor).casefold(), r.guide or ""))
        self.editor_rows = rows
        self.editor_keys = [strip_accents(f"{r.editor} {r.solution or ''}").casefold() for r in rows]
        #: the length of the longest editor key: a longer ``q`` matches nothing
        self.editor_key_longest = max(map(len, self.editor_keys), default=0)
        self.editors_by_api: dict[str, list[int]] = {}
        self.editors_by_guide: dict[str, list[int]] = {}
        for n, row in enumerate(rows):
            for api in row.apis:
                self.editors_by_api.setdefault(api.slug, []).append(n)
            self.editors_by_guide.setdefault(row.guide or "", []).append(n)

    def _build_search(self) -> None:
        library = self.library

        def text(slug: str) -> str:
            return library.texts.get(slug) or render_text(library.body(slug))

        documents = [
            (i, guide.title or "", guide.tagline or "", text(guide.slug or ""))
            for i, guide in enumerate(self.entries)
        ]
        self._search = SearchIndex(documents, self._search_store)  # kept: not built again

    def wait(self) -> SearchIndex:
        """The FTS5 index, once built (it builds in a thread); RuntimeError if that failed."""
        self._search_thread.join()
        if self._search is None:
            raise RuntimeError("the search index could not be built (see the log)")
        return self._search

    @property
    def search(self) -> SearchIndex:
        """The FTS5 index (waited for when it is still being built)."""
        return self.wait()

    # --- guides ---------------------------------------------------------------------------------

    def guide(self, slug: str) -> m.Guide | None:
        """The served guide ``slug`` (case-insensitive), or None."""
        i = self.position.get(slug.lower())
        return None if i is None else self.entries[i]

    def guides(
        self,
        *,
        tag: str | Iterable[str] | None = None,
        api: str | Iterable[str] | None = None,
        publish: bool | None = None,
        noindex: bool | None = None,
        q: str | None = None,
        sort: Sort | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> GuidePage:
        """A page of guides, as ``GET /guides`` gives it (same filters, order and pages).

        Repeated ``tag`` and ``api`` values must all match; values are normalized like the API's.
        With ``q``, the order is relevance unless ``sort`` is given, and each item has a snippet.
        Raises ValueError on a bad ``sort``, ``page`` or ``per_page``.
        """
        query = GuideQuery.of(
            tag=tag, api=api, publish=publish, noindex=noindex, q=q, sort=sort, page=page, per_page=per_page
        )
        found = self.select(query)
        hits = [
            m.GuideHit(
                **msgspec.structs.asdict(self.summaries[i]),
                snippet=found.snippets.get(i, "") if query.q is not None else None,
            )
            for i in found.positions
        ]
        return GuidePage(
            hits,
            found.total,
            query.page,
            query.per_page,
            found.pages(query.per_page),
            STOPPED if found.stopped else None,
        )

    def select(self, query: GuideQuery, deadline: float = math.inf) -> Selection:
        """The page of ``query`` as positions (a search stopped at ``deadline``: an empty page)."""
        members = self.members(query)
        start, stop = (query.page - 1) * query.per_page, query.page * query.per_page
        if query.q is None:
            total = len(self.entries) if members is None else len(members)
            return Selection(total, self._page(members, query.sort or "title", start, stop), {})
        try:
            return self._search_page(query, members, deadline)
        except SearchStopped:
            return Selection(0, [], {}, stopped=True)

    def listed(self, order: str) -> list[m.Guide]:
        """The published guides that are not ``noindex`` (what the sitemap and llms.txt list), in
        one of :data:`.query.SORTS`'s orders."""
        listed = self.members(GuideQuery(publish=True, noindex=False)) or frozenset()
        return [self.entries[i] for i in self.orders[order] if i in listed]

    def members(self, query: GuideQuery) -> frozenset[int] | None:
        """The positions that pass the filters (None: all of them), smallest sets intersected first."""
        selected: frozenset[int] | None = None
        empty: frozenset[int] = frozenset()
        sets = [self.by_tag.get(t, empty) for t in query.tags] + [
            self.by_api.get(a, empty) for a in query.apis
        ]
        if query.publish is not None:
            sets.append(self.published if query.publish else self.unpublished)
        if query.noindex is not None:
            sets.append(self.noindexed if query.noindex else self.indexable)
        for found in sorted(sets, key=len):
            selected = found if selected is None else selected & found
            if not selected:
                break
        return selected

    def count(self, query: GuideQuery) -> int:
        """How many guides pass the filters of ``query`` (its search aside)."""
        members = self.members(query)
        return len(self.entries) if members is None else len(members)

    def _page(self, selected: Collection[int] | None, sort: str, start: int, stop: int) -> list[int]:
        """Positions ``start:stop`` of the selected guides in ``sort`` order, without sorting them all."""
        if start >= len(self.entries):  # past the end (and past what islice takes: ``page`` is unbounded)
            return []
        if selected is None:
            return self.orders[sort][start:stop]
        if len(selected) * 8 < len(self.entries):  # few: sort them by their precomputed rank
            return sorted(selected, key=self.ranks[sort].__getitem__)[start:stop]
        # many: walk the precomputed order until the page is full
        return list(itertools.islice((i for i in self.orders[sort] if i in selected), start, stop))

    def _search_page(self, query: GuideQuery, selected: frozenset[int] | None, deadline: float) -> Selection:
        """The page of a query with ``q``; :class:`SearchStopped` past ``deadline``."""
        assert query.q is not None
        search = self.search
        start, per_page = (query.page - 1) * query.per_page, query.per_page
        if selected is None and query.sort in (None, "slug", "-slug"):  # positions are in slug order
            total, page = search.page(query.q, start, per_page, deadline, query.sort)
        else:  # the matches and the best, kept once computed (.ranked): filtered and sorted here
            hits = search.matches(query.q, deadline, every=True).among(selected)
            total = len(hits)
            if query.sort is not None:
                page = self._page(hits, query.sort, start, start + per_page)
            else:
                page = search.best(query.q, selected, start, per_page, deadline)
        return Selection(total, page, search.snippets(query.q, page, deadline))

    # --- search records -------------------------------------------------------------------------

    def records(
        self, site_url: str = Settings().site_url, label: str = COLLECTION_LABEL
    ) -> list[SectionRecord]:
        """The section records of the guides a site search shows (published, indexable, not
        ``search: false``), guide by guide in slug order, each guide's in document order; URLs
        under ``site_url``, ``hierarchy.lvl0`` is ``label`` (see :mod:`.records`). Made from the
        guides' bodies: call it before ``library.release()`` (the server does, at load)."""
        shown = [guide for guide in self.entries if searchable(guide)]
        records = [
            record
            for guide in shown
            for record in section_records(guide, self.library.body(guide.slug or ""), site_url, label)
        ]
        self.record_total = len(records)
        return records

    # --- editors, tags, APIs --------------------------------------------------------------------

    def editor_needle(self, q: str | None) -> str | None:
        """``q`` as compared with the editor names (accents and case aside), bounded by the longest."""
        if q is None:
            return None
        needle = strip_accents(q[:MAX_EDITOR_QUERY]).casefold().strip()
        return _NO_NAME if len(needle) > self.editor_key_longest else needle

    def editor_positions(
        self, apis: Sequence[str], guides: Sequence[str], needle: str | None
    ) -> Sequence[int]:
        """Rows (positions in :attr:`editor_rows`) of any of ``apis`` and any of ``guides`` (slugs)
        whose name holds ``needle`` (see :meth:`editor_needle`); an empty filter filters nothing."""
        chosen: Sequence[int]
        if len(apis) == 1 and not guides:
            chosen = self.editors_by_api.get(apis[0], [])  # already in row order: no set, no sort
        else:
            rows: set[int] | None = None
            if apis:
                rows = {n for slug in apis for n in self.editors_by_api.get(slug, ())}
            if guides:
                by_guide = {n for slug in guides for n in self.editors_by_guide.get(slug, ())}
                rows = by_guide if rows is None else rows & by_guide
            chosen = range(len(self.editor_rows)) if rows is None else sorted(rows)
        if needle:
            chosen = [n for n in chosen if needle in self.editor_keys[n]]
        return chosen

    def editors(
        self,
        *,
        api: str | Iterable[str] | None = None,
        guide: str | Iterable[str] | None = None,
        q: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> EditorPage:
        """Editor rows, as ``GET /editors`` gives them: of any of the APIs (names or slugs), of any
        of the guides, whose editor or solution name holds ``q``; every row, or one page of them."""
        apis, guides = editor_filters(api, guide)
        chosen = self.editor_positions(apis, guides, self.editor_needle(q))
        if page is None and per_page is None:
            return EditorPage([self.editor_rows[n] for n in chosen], len(chosen))
        page, per_page = page or 1, per_page or DEFAULT_EDITORS_PER_PAGE
        rows, pages = window(chosen, page, per_page)
        return EditorPage([self.editor_rows[n] for n in rows], len(chosen), page, per_page, pages)

    def tags(self) -> list[m.TagFacet]:
        """Every tag of the published guides with how many carry it, the most used first (a tag
        that only drafts carry is not listed: the facets describe the published site)."""
        tags = []
        for slug, members in self.by_tag.items():
            if shown := members & self.published:
                label = next(t.label for t in self.entries[min(shown)].tags if t.slug == slug)
                tags.append(m.TagFacet(slug, label, len(shown)))
        tags.sort(key=lambda f: (-f.guides, f.slug))
        return tags

    def apis(self) -> list[m.ApiFacet]:
        """Every API of the published guides with how many of them and how many editor rows
        (``/editors?api=``'s) name it, the most used first."""
        apis = []
        for slug, members in self.by_api.items():
            if shown := members & self.published:
                name = next(a.name for a in self.entries[min(shown)].apis if a.slug == slug)
                apis.append(m.ApiFacet(slug, name, len(shown), len(self.editors_by_api.get(slug, ()))))
        apis.sort(key=lambda f: (-f.guides, f.slug))
        return apis
