"""The Site: one Library made ready to serve. Built once at startup, never per request.

Every response that does not depend on the query is encoded here, in identity, gzip and br,
with its ETag: guide details, facets, editors per API, sitemap, robots.txt, health,
diagnostics. Lists are built per request from pre-encoded summaries and index sets, and the
responses to the queries seen are kept in a bounded cache. The build steps run as a list.
"""

from __future__ import annotations

import math
import os
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import msgspec

from .. import model as m
from ..config import Settings
from ..ids import strip_accents
from ..library import Library
from ..render import render_html, render_text
from .caches import ResponseCache
from .http import JSON, Compressor, Policy, Prepared, encode, etag_of
from .queries import GuideQuery, list_response
from .search import SearchIndex

#: /editors pages, when a page is asked for (without, every row is returned).
DEFAULT_EDITORS_PER_PAGE = 100
MAX_EDITORS_PER_PAGE = 1000

SORTS = ("title", "-title", "slug", "-slug", "updated", "-updated")


class _DetailBody(msgspec.Struct):
    body: m.Root


#: The edge memo keeps no request whose path and query are longer than this (in characters): a
#: client's absurdly long query string is answered, not remembered.
MAX_MEMO_KEY = 2048


@dataclass
class Site:
    """Everything the handlers read: guides by index, index sets, prepared responses."""

    library: Library
    settings: Settings
    policy: Policy
    guides: list[m.Guide] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    summaries: list[m.GuideSummary] = field(default_factory=list)
    summary_json: list[bytes] = field(default_factory=list)
    details: list[Prepared] = field(default_factory=list)
    by_tag: dict[str, frozenset[int]] = field(default_factory=dict)
    by_api: dict[str, frozenset[int]] = field(default_factory=dict)
    published: frozenset[int] = frozenset()
    noindexed: frozenset[int] = frozenset()
    unpublished: frozenset[int] = frozenset()
    indexable: frozenset[int] = frozenset()
    orders: dict[str, list[int]] = field(default_factory=dict)
    ranks: dict[str, list[int]] = field(default_factory=dict)
    editors: list[m.EditorRow] = field(default_factory=list)
    editor_json: list[bytes] = field(default_factory=list)
    editor_keys: list[str] = field(default_factory=list)
    #: the length of the longest editor key: a longer /editors ``q`` matches nothing
    editor_key_longest: int = 0
    editors_by_api: dict[str, list[int]] = field(default_factory=dict)
    editors_by_guide: dict[str, list[int]] = field(default_factory=dict)
    diagnostics: list[m.Diagnostic] = field(default_factory=list)
    #: exact "path" or "path?query" -> response: what the edge serves without a handler
    prepared: dict[str, Prepared] = field(default_factory=dict)
    search: SearchIndex | None = None
    search_thread: threading.Thread | None = None
    #: normalized query -> response (QUERY_CACHE_BYTES)
    cache: ResponseCache = field(default_factory=lambda: ResponseCache(Settings().query_cache_bytes))
    compressor: Compressor | None = None
    #: "path?raw query" -> response already given: the edge answers the same request again
    #: (EDGE_CACHE_BYTES)
    answered: ResponseCache = field(default_factory=lambda: ResponseCache(Settings().edge_cache_bytes))

    # --- the bounded caches of query-dependent responses -----------------------------------------

    def cached(self, key: str, build: Callable[[], Prepared]) -> Prepared:
        """The response for ``key`` (a normalized query) from the per-query cache, else built."""
        return self.cache.cached(key, build)

    def remember(self, key: str, prepared: Prepared) -> None:
        """Let the edge answer ``key`` (an exact path and query) without a handler next time."""
        if len(key) <= MAX_MEMO_KEY:
            self.answered.put(key, prepared)

    def detail(self, i: int, include: frozenset[str] = frozenset()) -> Prepared:
        if not include:
            return self.details[i]
        key = f"/guides/{self.guides[i].slug}?include={','.join(sorted(include))}"
        return self.cached(key, lambda: self._detail(i, include))

    def body(self, i: int) -> m.Root:
        """The AST of guide ``i``: from the library, or decoded from its served detail."""
        slug = self.guides[i].slug or ""
        if self.library.bodies.get(slug):
            return self.library.body(slug)
        return msgspec.json.decode(self.details[i].body, type=_DetailBody).body

    def _detail_body(self, i: int) -> bytes:
        """The JSON of guide ``i``'s detail: its body spliced in as it was encoded at parse time.

        For the build only: a served library may have released its bodies (without --watch), and a
        lean guide holds none; once built, ``details[i]`` is the guide's detail in every mode.
        """
        guide = self.guides[i]
        value = m.GuideDetail(
            **{name: getattr(self.summaries[i], name) for name in m.GuideSummary.__struct_fields__},
            body=msgspec.Raw(self.library.bodies.get(guide.slug or "") or encode(guide.body)),  # type: ignore[arg-type]
            toc=guide.toc,
            related_guides=[self.summaries[self.index[s]] for s in guide.related if s in self.index],
            editors=guide.editors,
        )
        return encode(value)

    def _detail(self, i: int, include: frozenset[str] = frozenset()) -> Prepared:
        guide = self.guides[i]
        body = self.details[i].body  # the served detail: whole whether or not the library is lean
        if include:
            extra: dict[str, str] = {}
            ast = self.body(i)
            if "html" in include:
                extra["html"] = render_html(ast, heading_ids=True)
            if "text" in include:
                extra["text"] = render_text(ast)
            body = body[:-1] + b"," + encode(extra)[1:]
        headers = [(b"x-robots-tag", b"noindex")] if guide.noindex else []
        return Prepared(body, JSON, headers, compressor=None if include else self.compressor)


# --- build steps ----------------------------------------------------------------------------------


def _asset_urls(image: str | None, base: str) -> tuple[str | None, str | None]:
    if not image:
        return None, None
    if "://" in image or image.startswith("//"):
        return image, None  # an absolute URL: no thumbnail is known for it
    name = image.lstrip("/")
    directory, _, file = name.rpartition("/")
    thumbnail = f"{directory}/thumbnail_{file}" if directory else f"thumbnail_{file}"
    return base + urllib.parse.quote(name), base + urllib.parse.quote(thumbnail)


def summarize(guide: m.Guide, asset_base: str) -> m.GuideSummary:
    assert guide.slug is not None and guide.title is not None
    image_url, thumbnail_url = _asset_urls(guide.image, asset_base)
    return m.GuideSummary(
        slug=guide.slug,
        path=f"/guides/{guide.slug}",
        title=guide.title,
        tagline=guide.tagline,
        tags=guide.tags,
        apis=guide.apis,
        image=guide.image,
        image_url=image_url,
        thumbnail_url=thumbnail_url,
        publish=guide.publish,
        noindex=guide.noindex,
        related=guide.related,
        updated=guide.updated,
        excerpt=guide.excerpt,
        reading_time=guide.reading_time,
        extra=guide.extra,
    )


def _summaries(site: Site) -> None:
    site.guides = [site.library.guides[slug] for slug in sorted(site.library.guides)]
    site.index = {guide.slug or "": i for i, guide in enumerate(site.guides)}
    base = site.settings.asset_base_url
    site.summaries = [summarize(guide, base) for guide in site.guides]
    site.summary_json = [encode(summary) for summary in site.summaries]


def _indexes(site: Site) -> None:
    by_tag: dict[str, set[int]] = {}
    by_api: dict[str, set[int]] = {}
    for i, guide in enumerate(site.guides):
        for tag in guide.tags:
            by_tag.setdefault(tag.slug, set()).add(i)
        for api in guide.apis:
            by_api.setdefault(api.slug, set()).add(i)
    site.by_tag = {k: frozenset(v) for k, v in by_tag.items()}
    site.by_api = {k: frozenset(v) for k, v in by_api.items()}
    site.published = frozenset(i for i, g in enumerate(site.guides) if g.publish)
    site.noindexed = frozenset(i for i, g in enumerate(site.guides) if g.noindex)
    everyone = frozenset(range(len(site.guides)))
    site.unpublished, site.indexable = everyone - site.published, everyone - site.noindexed
    keys: dict[str, Callable[[int], Any]] = {
        "title": lambda i: (strip_accents(site.guides[i].title or "").casefold(), site.guides[i].slug),
        "slug": lambda i: site.guides[i].slug,
        "updated": lambda i: (site.guides[i].updated or "", site.guides[i].slug),
    }
    for name, key in keys.items():
        order = sorted(range(len(site.guides)), key=key)
        site.orders[name] = order
        site.orders["-" + name] = order[::-1]
        rank = [0] * len(order)
        for position, i in enumerate(order):
            rank[i] = position
        site.ranks[name] = rank
        site.ranks["-" + name] = [len(order) - 1 - r for r in rank]


def _details(site: Site) -> None:
    bodies = [site._detail_body(i) for i in range(len(site.guides))]
    etags = [etag_of(body) for body in bodies]
    compressor = site.compressor or Compressor()
    compressor.prefill(bodies, etags)  # the new ones, on every core
    robots = [(b"x-robots-tag", b"noindex")]
    site.details = [
        Prepared(body, JSON, robots if guide.noindex else (), compressor=compressor, etag=etag)
        for guide, body, etag in zip(site.guides, bodies, etags, strict=True)
    ]
    for i, guide in enumerate(site.guides):
        site.prepared[f"/guides/{guide.slug}"] = site.details[i]


def _editors(site: Site) -> None:
    rows = [row for guide in site.guides for row in guide.editors]
    rows.sort(key=lambda r: (strip_accents(r.editor).casefold(), r.guide or ""))
    site.editors = rows
    site.editor_json = [encode(row) for row in rows]
    site.editor_keys = [strip_accents(f"{r.editor} {r.solution or ''}").casefold() for r in rows]
    site.editor_key_longest = max(map(len, site.editor_keys), default=0)
    for n, row in enumerate(rows):
        for api in row.apis:
            site.editors_by_api.setdefault(api.slug, []).append(n)
        site.editors_by_guide.setdefault(row.guide or "", []).append(n)
    site.prepared["/editors"] = editors_response(site, range(len(rows)), site.compressor)


def editors_response(
    site: Site,
    rows: Sequence[int],
    compressor: Compressor | None = None,
    *,
    window: tuple[int, int] | None = None,
) -> Prepared:
    """The /editors body for ``rows`` (positions in ``site.editors``): all, or one ``(page, per_page)``."""
    meta: dict[str, int] = {"total": len(rows)}
    if window is not None:
        page, per_page = window
        meta |= {"page": page, "per_page": per_page, "pages": math.ceil(len(rows) / per_page)}
        rows = rows[(page - 1) * per_page : page * per_page]
    body = b'{"data":[' + b",".join(site.editor_json[n] for n in rows) + b'],"meta":'
    return Prepared(body + encode(meta) + b"}", compressor=compressor)


def _facets(site: Site) -> None:
    tags: list[dict[str, Any]] = []
    for slug, members in site.by_tag.items():
        label = next(t.label for t in site.guides[min(members)].tags if t.slug == slug)
        tags.append({"slug": slug, "label": label, "guides": len(members)})
    apis: list[dict[str, Any]] = []
    editor_counts = {slug: len(rows) for slug, rows in site.editors_by_api.items()}
    for slug, members in site.by_api.items():
        name = next(a.name for a in site.guides[min(members)].apis if a.slug == slug)
        apis.append(
            {"slug": slug, "name": name, "guides": len(members), "editors": editor_counts.get(slug, 0)}
        )
    for facet in (tags, apis):
        facet.sort(key=lambda f: (-f["guides"], f["slug"]))
    site.prepared["/tags"] = Prepared.json({"data": tags}, compressor=site.compressor)
    site.prepared["/apis"] = Prepared.json({"data": apis}, compressor=site.compressor)


def _lastmod(updated: str | None) -> str | None:
    """A W3C datetime for the sitemap, or None when ``updated`` is not one."""
    if not updated or len(updated) < 10 or not updated[:4].isdigit() or updated[4] != "-":
        return None
    return updated if "T" in updated else updated[:10]


def _seo(site: Site) -> None:
    base = site.settings.site_url.rstrip("/")
    urls = []
    for i in site.orders["slug"]:
        guide = site.guides[i]
        if i not in site.published or i in site.noindexed:
            continue
        loc = xml_escape(f"{base}/guides/{urllib.parse.quote(guide.slug or '')}")
        lastmod = _lastmod(guide.updated)
        urls.append(
            f"<url><loc>{loc}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
        )
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(urls) + "\n</urlset>\n"
    )
    site.prepared["/sitemap.xml"] = Prepared(sitemap.encode(), "application/xml", compressor=site.compressor)
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {base}/sitemap.xml\n"
    site.prepared["/robots.txt"] = Prepared(robots.encode(), "text/plain")


def _diagnostics(site: Site) -> None:
    root = site.library.root
    site.diagnostics = [
        m.Diagnostic(
            os.path.relpath(d.file, root) if d.file else None, d.line, d.column, d.severity, d.code, d.message
        )
        for d in site.library.diagnostics
    ]
    site.prepared["/health"] = Prepared.json(health(site))
    site.prepared["/diagnostics"] = diagnostics_response(site, site.diagnostics)


def health(site: Site, reload_error: str | None = None) -> dict[str, Any]:
    """The /health figures of ``site``; ``reload_error``: why a later reload did not replace it."""
    library = site.library
    reason = reload_error
    if reason is None and library.errors:
        reason = f"{library.errors} error(s) in the guides: see /diagnostics"
    return {
        "status": "degraded" if reason else "ok",
        "guides": len(site.guides),
        "errors": library.errors,
        "warnings": library.warnings,
        "content_hash": library.content_hash,
        "loaded_at": library.loaded_at,
        "reason": reason,
    }


def diagnostics_response(site: Site, diagnostics: list[m.Diagnostic]) -> Prepared:
    return Prepared.json({**health(site), "diagnostics": diagnostics})


def _start_search(site: Site) -> None:
    """Build the search index in a thread while the other steps run (SQLite releases the GIL)."""
    thread = threading.Thread(target=_search, args=(site,), name="search-index", daemon=True)
    thread.start()
    site.search_thread = thread


def _join_search(site: Site) -> None:
    if site.search_thread is not None:
        site.search_thread.join()
        site.search_thread = None
    if site.search is None:
        raise RuntimeError("the search index could not be built (see the log)")


def _search(site: Site) -> None:
    texts, library = site.library.texts, site.library

    def text(slug: str) -> str:
        return texts.get(slug) or render_text(library.body(slug))

    site.search = SearchIndex(
        (i, guide.title or "", guide.tagline or "", text(guide.slug or ""))
        for i, guide in enumerate(site.guides)
    )


def _default_lists(site: Site) -> None:
    """The first page of /guides, as a frontend asks for it without parameters."""
    site.prepared["/guides"] = list_response(site, GuideQuery(), site.compressor)
    site.prepared["/ready"] = Prepared.json({"status": "ready", "guides": len(site.guides)})


STEPS: list[tuple[str, Callable[[Site], None]]] = [
    ("summaries", _summaries),
    ("search (started)", _start_search),
    ("indexes", _indexes),
    ("details", _details),
    ("editors", _editors),
    ("facets", _facets),
    ("seo", _seo),
    ("diagnostics", _diagnostics),
    ("search (joined)", _join_search),
    ("default lists", _default_lists),
]


def build_site(library: Library, settings: Settings, compressor: Compressor | None = None) -> Site:
    """Prepare ``library`` to be served with ``settings`` (``compressor`` remembers compressed forms)."""
    policy = Policy(cache_control=settings.cache_control_header.encode())
    site = Site(
        library=library,
        settings=settings,
        policy=policy,
        compressor=compressor or Compressor(),
        cache=ResponseCache(settings.query_cache_bytes),
        answered=ResponseCache(settings.edge_cache_bytes),
    )
    for _name, step in STEPS:
        step(site)
    return site
