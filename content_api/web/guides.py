"""/guides and /guides/{slug}: their handlers, the bodies they send, what is prepared at load."""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from typing import Annotated, Any

import anyio
import anyio.to_thread
import msgspec
from litestar import Request
from litestar.params import Parameter

from .. import model as m
from ..catalog import MAX_PER_PAGE, STOPPED, Catalog, GuideQuery, Selection
from ..catalog.query import DEFAULT_PER_PAGE, Sort
from ..catalog.search import MAX_QUERY_CHARS, MAX_QUERY_TERMS
from ..render import render_html, render_text
from . import params
from .llms import source_path
from .negotiation import Answer
from .prepared import JSON, Prepared, encode, etag_of
from .problems import GuideFailed
from .snapshot import Current, Snapshot

LIST_PARAMS = ("tag", "api", "publish", "noindex", "q", "sort", "page", "per_page", "fields")
INCLUDES = frozenset({"html", "text"})
#: Searches handed to threads at once per worker; they run one at a time (the index's lock), the
#: others wait there or here, each until its own deadline.
SEARCH_THREADS = 4
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)
#: The filters the site's pages use, exported statically: all, published, indexable published.
LIST_FILTERS: tuple[dict[str, bool], ...] = ({}, {"publish": True}, {"publish": True, "noindex": False})

Q_DESCRIPTION = (
    "full-text search: words (all must match, the last as a prefix) or FTS5 syntax. A repeated word "
    f"counts once; a query of more than {MAX_QUERY_TERMS} words or {MAX_QUERY_CHARS} characters is "
    f"searched as its first {MAX_QUERY_TERMS} distinct words (FTS5 syntax then dropped); the links of "
    "the answer carry the query as searched"
)


def _search_limiter() -> anyio.CapacityLimiter:
    """The limiter of the running event loop (one a worker; tests may run several loops)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(SEARCH_THREADS)
    return limiter


# --- bodies ---------------------------------------------------------------------------------------


def _item(snapshot: Snapshot, i: int, fields: tuple[str, ...] | None, snippet: str | None) -> bytes:
    if fields is None:
        item = snapshot.summary_json[i]
    else:
        summary = snapshot.catalog.summaries[i]
        item = encode({name: getattr(summary, name) for name in ("slug", *fields)})
    if snippet is None:
        return item
    return item[:-1] + b',"snippet":' + encode(snippet) + b"}"


def list_body(snapshot: Snapshot, query: GuideQuery, found: Selection) -> bytes:
    """The /guides JSON (:class:`~content_api.model.GuideList`) of ``found``, the answer to ``query``."""
    pages = found.pages(query.per_page)
    searched = query.q is not None
    items = [
        _item(snapshot, i, query.fields, found.snippets.get(i, "") if searched else None)
        for i in found.positions
    ]
    meta = m.ListMeta(total=found.total, page=query.page, per_page=query.per_page, pages=pages)
    links = m.ListLinks(
        self=query.link(query.page),
        next=query.link(query.page + 1) if query.page < pages else None,
        prev=query.link(min(query.page - 1, pages)) if query.page > 1 and pages else None,
    )
    body = b'{"data":[' + b",".join(items) + b'],"meta":' + encode(meta) + b',"links":' + encode(links)
    return body + (b',"warning":' + encode(STOPPED) if found.stopped else b"") + b"}"


def guides_page(snapshot: Snapshot, query: GuideQuery, deadline: float = math.inf) -> tuple[Prepared, bool]:
    """The /guides response for ``query``, and whether its search was stopped at ``deadline``.

    A stopped search answers an empty page whose ``warning`` says so (never an error); it is not
    to be cached: the same query may well finish when the machine is less busy.
    """
    found = snapshot.catalog.select(query, deadline)
    prepared = Prepared(list_body(snapshot, query, found), last_modified=snapshot.newest(found.positions))
    return prepared, found.stopped


def _detail_json(snapshot: Snapshot, i: int) -> bytes:
    """The JSON of the detail of the guide at position ``i``: its body and TOC spliced in as they
    were encoded at parse time (a served library may release them once the responses are made)."""
    catalog = snapshot.catalog
    guide, summary = catalog.entries[i], catalog.summaries[i]
    related = [catalog.summaries[catalog.position[s]] for s in guide.related if s in catalog.position]
    slug, library = guide.slug or "", snapshot.library
    toc = library.tocs.get(slug)  # a lean guide's, encoded at parse time
    value = m.GuideDetail(
        **msgspec.structs.asdict(summary),
        body=msgspec.Raw(library.bodies.get(slug) or encode(guide.body)),  # type: ignore[arg-type]
        toc=msgspec.Raw(toc) if toc else guide.toc,  # type: ignore[arg-type]
        related_guides=related,
        editors=guide.editors,
    )
    return encode(value)


def _with_renderings(snapshot: Snapshot, i: int, include: frozenset[str]) -> Prepared:
    """The detail of the guide at ``i`` with the renderings of its body in ``include``."""
    ast = snapshot.body(i)
    extra: dict[str, str] = {}
    if "html" in include:
        extra["html"] = render_html(ast, heading_ids=True)
    if "text" in include:
        extra["text"] = render_text(ast)
    body = snapshot.detail(i).body  # whole whether or not the library is lean
    headers = [(b"x-robots-tag", b"noindex")] if snapshot.catalog.entries[i].noindex else []
    return Prepared(body[:-1] + b"," + encode(extra)[1:], JSON, headers, last_modified=snapshot.modified[i])


# --- prepared at load -----------------------------------------------------------------------------


def prepare_details(snapshot: Snapshot) -> dict[str, Prepared]:
    """Every guide's detail, compressed on every core (bodies seen before are not compressed again)."""
    entries = snapshot.catalog.entries
    bodies = [_detail_json(snapshot, i) for i in range(len(entries))]
    etags = [etag_of(body) for body in bodies]
    snapshot.compressor.prefill(bodies, etags)
    robots = [(b"x-robots-tag", b"noindex")]
    return {
        f"/guides/{guide.slug}": Prepared(
            body,
            JSON,
            robots if guide.noindex else (),
            compressor=snapshot.compressor,
            etag=etag,
            last_modified=modified,
        )
        for guide, body, etag, modified in zip(entries, bodies, etags, snapshot.modified, strict=True)
    }


def prepare_first_page(snapshot: Snapshot) -> dict[str, Prepared]:
    """The first page of /guides, as a frontend asks for it without parameters."""
    query = GuideQuery()
    found = snapshot.catalog.select(query)
    body = list_body(snapshot, query, found)
    modified = snapshot.newest(found.positions)
    return {"/guides": Prepared(body, compressor=snapshot.compressor, last_modified=modified)}


# --- the static export ----------------------------------------------------------------------------


def detail_urls(catalog: Catalog) -> list[str]:
    return [f"/guides/{guide.slug}" for guide in catalog.entries]


def list_urls(catalog: Catalog) -> list[str]:
    """Every page of every tag and API, alone, under each of :data:`LIST_FILTERS`."""
    scopes: list[dict[str, tuple[str, ...]]] = [{}]
    scopes += [{"tags": (tag,)} for tag in sorted(catalog.by_tag)]
    scopes += [{"apis": (api,)} for api in sorted(catalog.by_api)]
    urls = []
    for flags in LIST_FILTERS:
        for scope in scopes:
            query = GuideQuery(**scope, **flags)  # type: ignore[arg-type]
            pages = max(1, math.ceil(catalog.count(query) / DEFAULT_PER_PAGE))
            urls += [query.link(page) for page in range(1, pages + 1)]
    return urls


# --- handlers -------------------------------------------------------------------------------------


async def list_guides(
    request: Request[Any, Any, Any],
    snapshot: Current,
    tag: Annotated[list[str] | None, Parameter(description="tag slug or label; repeatable")] = None,
    api: Annotated[
        list[str] | None,
        Parameter(description="API slug or name (`particulier`, `API Particulier`); repeatable"),
    ] = None,
    publish: Annotated[
        bool | None, Parameter(description="only published (true) or unpublished (false) guides")
    ] = None,
    noindex: Annotated[
        bool | None, Parameter(description="only noindex (true) or indexable (false) guides")
    ] = None,
    q: Annotated[str | None, Parameter(description=Q_DESCRIPTION)] = None,
    sort: Annotated[
        Sort | None,
        Parameter(description="order; default `title` (accent-insensitive), or relevance with `q`"),
    ] = None,
    page: Annotated[int, Parameter(ge=1, description="page number, from 1")] = 1,
    per_page: Annotated[
        int, Parameter(ge=1, le=MAX_PER_PAGE, description="guides per page")
    ] = DEFAULT_PER_PAGE,
    fields: Annotated[
        str | None, Parameter(description="comma-separated GuideSummary fields to return (`slug` always is)")
    ] = None,
) -> Answer:
    params.reject_unknown(
        request,
        LIST_PARAMS,
        single=("publish", "noindex", "q", "sort", "page", "per_page", "fields"),
        typed=("publish", "noindex", "sort", "page", "per_page"),
    )
    started = time.monotonic()
    query = GuideQuery.of(tag=tag, api=api, publish=publish, noindex=noindex, q=q, sort=sort, page=page,
                          per_page=per_page, fields=params.fields(fields))  # fmt: skip
    return await _answer(snapshot, query, started + snapshot.settings.search_timeout_ms / 1000)


async def _answer(snapshot: Snapshot, query: GuideQuery, deadline: float) -> Answer:
    """The answer to ``query``: from the per-query cache, else made (a search: until ``deadline``)."""
    key = query.link(query.page)  # the normalized query: two spellings of one query share an entry
    found = snapshot.cache.get(key)
    if found is not None:
        return Answer(found, snapshot.policy)
    if query.q is None:  # index sets and prepared pieces: quick, here
        prepared, stopped = guides_page(snapshot, query)
    else:  # SQLite, in a thread: the event loop goes on serving the other requests meanwhile
        prepared, stopped = await anyio.to_thread.run_sync(
            guides_page, snapshot, query, deadline, limiter=_search_limiter()
        )
    if stopped:  # neither cached nor memoized: the same query may finish another time
        return Answer(prepared, snapshot.policy, memo=False)
    snapshot.cache.put(key, prepared)
    return Answer(prepared, snapshot.policy)


def get_guide(
    request: Request[Any, Any, Any],
    snapshot: Current,
    slug: Annotated[str, Parameter(description="the guide's slug (its file name without .md)")],
    include: Annotated[
        list[str] | None,
        Parameter(description="renderings to add: `html`, `text` (comma-separated or repeated)"),
    ] = None,
) -> Answer:
    if slug.endswith(".md"):  # /guides/{slug}.md: Litestar has no parameter inside a segment
        return _source(request, snapshot, slug[:-3])
    params.reject_unknown(request, ("include",))
    wanted = frozenset(params.choices("include", include, INCLUDES))
    i = _position(snapshot, slug)
    if not wanted:
        return Answer(snapshot.detail(i), snapshot.policy)
    key = f"/guides/{snapshot.catalog.entries[i].slug}?include={','.join(sorted(wanted))}"
    return Answer(snapshot.cached(key, lambda: _with_renderings(snapshot, i, wanted)), snapshot.policy)


def _position(snapshot: Snapshot, slug: str) -> int:
    """The position of the guide ``slug`` (any case), else the 404 that says why there is none."""
    i = snapshot.catalog.position.get(slug.lower())
    if i is None:
        failed = snapshot.library.failed.get(slug.lower())
        if failed is not None:
            name = failed.rsplit("/", 1)[-1]
            raise GuideFailed(f"the guide {slug!r} failed to load; see /diagnostics?file={name}", name)
        raise GuideFailed(f"no guide {slug!r}")
    return i


def _source(request: Request[Any, Any, Any], snapshot: Snapshot, slug: str) -> Answer:
    """/guides/{slug}.md when the edge did not find it prepared: another case, a query, or none."""
    params.reject_unknown(request, ())
    prepared = snapshot.prepared.get(
        source_path(snapshot.catalog.entries[_position(snapshot, slug)].slug or "")
    )
    if prepared is None:  # a library released before its snapshot was built
        raise GuideFailed(f"the source of the guide {slug!r} is not kept")
    return Answer(prepared, snapshot.policy)
