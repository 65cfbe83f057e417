"""/guides lists: index sets intersected, pre-sorted orders, pre-encoded summaries joined."""

from __future__ import annotations

import itertools
import math
import urllib.parse
from typing import TYPE_CHECKING

import msgspec

from .. import model as m
from .http import Compressor, Prepared, encode
from .search import SearchStopped

if TYPE_CHECKING:
    from .site import Site

SUMMARY_FIELDS = frozenset(m.GuideSummary.__struct_fields__)
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class GuideQuery(msgspec.Struct, frozen=True):
    """A normalized /guides query: tag and API slugs, flags, search, order, page, fields."""

    tags: tuple[str, ...] = ()
    apis: tuple[str, ...] = ()
    publish: bool | None = None
    noindex: bool | None = None
    q: str | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    fields: tuple[str, ...] | None = None

    def link(self, page: int) -> str:
        """The relative URL of ``page`` of this query, parameters in a fixed order."""
        params: list[tuple[str, str]] = [("tag", t) for t in self.tags] + [("api", a) for a in self.apis]
        for name in ("publish", "noindex"):
            value = getattr(self, name)
            if value is not None:
                params.append((name, "true" if value else "false"))
        if self.q is not None:
            params.append(("q", self.q))
        if self.sort is not None:
            params.append(("sort", self.sort))
        if self.fields is not None:
            params.append(("fields", ",".join(self.fields)))
        if page != 1:
            params.append(("page", str(page)))
        if self.per_page != DEFAULT_PER_PAGE:
            params.append(("per_page", str(self.per_page)))
        query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        return "/guides" + ("?" + query if query else "")


def _select(site: Site, query: GuideQuery) -> frozenset[int] | None:
    """The guides that pass the filters (None: all of them), smallest sets intersected first."""
    selected: frozenset[int] | None = None
    empty: frozenset[int] = frozenset()
    sets = [site.by_tag.get(t, empty) for t in query.tags] + [site.by_api.get(a, empty) for a in query.apis]
    if query.publish is not None:
        sets.append(site.published if query.publish else site.unpublished)
    if query.noindex is not None:
        sets.append(site.noindexed if query.noindex else site.indexable)
    for members in sorted(sets, key=len):
        selected = members if selected is None else selected & members
        if not selected:
            break
    return selected


def _page(site: Site, selected: frozenset[int] | None, sort: str, start: int, stop: int) -> list[int]:
    """Positions ``start:stop`` of the selected guides in ``sort`` order, without sorting them all."""
    if start >= len(site.guides):  # past the end (and past what islice takes: ``page`` is unbounded)
        return []
    if selected is None:
        return site.orders[sort][start:stop]
    if len(selected) * 8 < len(site.guides):  # few: sort them by their precomputed rank
        return sorted(selected, key=site.ranks[sort].__getitem__)[start:stop]
    # many: walk the precomputed order until the page is full
    return list(itertools.islice((i for i in site.orders[sort] if i in selected), start, stop))


#: The ``warning`` of a search stopped at its time budget (its page is empty).
STOPPED = (
    "the search was stopped: it took longer than the time allowed to one search; "
    "try fewer or more specific words"
)


def _search(
    site: Site, query: GuideQuery, selected: frozenset[int] | None, deadline: float
) -> tuple[int, list[int], dict[int, str]]:
    """(matches, the page, its snippets) of a query with ``q``; :class:`SearchStopped` past ``deadline``."""
    assert site.search is not None and query.q is not None
    start, per_page = (query.page - 1) * query.per_page, query.per_page
    if selected is None and query.sort is None:  # FTS5 ranks and cuts the page itself
        total, page = site.search.page(query.q, start, per_page, deadline)
    else:
        hits = [i for i in site.search.ranked(query.q, deadline) if selected is None or i in selected]
        total = len(hits)
        if query.sort is None:
            page = hits[start : start + per_page]
        else:
            page = _page(site, frozenset(hits), query.sort, start, start + per_page)
    return total, page, site.search.snippets(query.q, page, deadline)


def guides_page(
    site: Site, query: GuideQuery, compressor: Compressor | None = None, deadline: float = math.inf
) -> tuple[Prepared, bool]:
    """The /guides response for ``query``, and whether its search was stopped at ``deadline``.

    A stopped search answers an empty page whose ``warning`` says so (never an error); it is not
    to be cached: the same query may well finish when the machine is less busy.
    """
    selected = _select(site, query)
    per_page = query.per_page
    start = (query.page - 1) * per_page
    snippets: dict[int, str] = {}
    warning = None
    if query.q is not None:
        try:
            total, page, snippets = _search(site, query, selected, deadline)
        except SearchStopped:
            total, page, warning = 0, [], STOPPED
    else:
        total = len(site.guides) if selected is None else len(selected)
        page = _page(site, selected, query.sort or "title", start, start + per_page)
    pages = math.ceil(total / per_page)
    items = [_item(site, i, query.fields, snippets.get(i, "") if query.q is not None else None) for i in page]
    meta = {"total": total, "page": query.page, "per_page": per_page, "pages": pages}
    links = {
        "self": query.link(query.page),
        "next": query.link(query.page + 1) if query.page < pages else None,
        "prev": query.link(min(query.page - 1, pages)) if query.page > 1 and pages else None,
    }
    body = b'{"data":[' + b",".join(items) + b'],"meta":' + encode(meta) + b',"links":' + encode(links)
    body += (b',"warning":' + encode(warning) if warning else b"") + b"}"
    return Prepared(body, compressor=compressor), warning is not None


def list_response(site: Site, query: GuideQuery, compressor: Compressor | None = None) -> Prepared:
    """The /guides response for ``query``, its search without a time limit."""
    return guides_page(site, query, compressor)[0]


def _item(site: Site, i: int, fields: tuple[str, ...] | None, snippet: str | None) -> bytes:
    if fields is None:
        item = site.summary_json[i]
    else:
        summary = site.summaries[i]
        item = encode({name: getattr(summary, name) for name in ("slug", *fields) if name in SUMMARY_FIELDS})
    if snippet is None:
        return item
    return item[:-1] + b',"snippet":' + encode(snippet) + b"}"
