"""/guides and /guides/{slug}."""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Annotated, Any, Literal

import anyio
import anyio.to_thread
from litestar import Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from .. import model as m
from ..ids import api_slug, slugify
from .common import (
    BadParameters,
    GuideFailed,
    Raw,
    choices,
    current_site,
    reject_unknown,
    reply,
    reply_once,
    split_values,
)
from .http import ParamError, Prepared
from .queries import DEFAULT_PER_PAGE, MAX_PER_PAGE, SUMMARY_FIELDS, GuideQuery, guides_page
from .search import MAX_QUERY_CHARS, MAX_QUERY_TERMS, normalize_query
from .site import Site

Sort = Literal["title", "-title", "slug", "-slug", "updated", "-updated"]
LIST_PARAMS = ("tag", "api", "publish", "noindex", "q", "sort", "page", "per_page", "fields")
INCLUDES = frozenset({"html", "text"})
#: Searches handed to threads at once per worker; they run one at a time (the index's lock), the
#: others wait there or here, each until its own deadline.
SEARCH_THREADS = 4
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _search_limiter() -> anyio.CapacityLimiter:
    """The limiter of the running event loop (one a worker; tests may run several loops)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(SEARCH_THREADS)
    return limiter


Q_DESCRIPTION = (
    "full-text search: words (all must match, the last as a prefix) or FTS5 syntax. A repeated word "
    f"counts once; a query of more than {MAX_QUERY_TERMS} words or {MAX_QUERY_CHARS} characters is "
    f"searched as its first {MAX_QUERY_TERMS} distinct words (FTS5 syntax then dropped); the links of "
    "the answer carry the query as searched"
)


def _slugs(values: list[str] | None, normalize: Any) -> tuple[str, ...]:
    """Normalized filter values; one without letter or digit normalizes to ``""``, which no guide has."""
    return tuple(dict.fromkeys(normalize(value) for value in split_values(values)))


def _fields(value: str | None) -> tuple[str, ...] | None:
    fields = tuple(dict.fromkeys(split_values([value] if value is not None else [])))
    if not fields:
        return None
    unknown = [f for f in fields if f not in SUMMARY_FIELDS]
    if unknown:
        raise BadParameters(
            [ParamError("fields", f"unknown field(s) {unknown}; known: {', '.join(sorted(SUMMARY_FIELDS))}")]
        )
    return fields


@get(
    "/guides",
    summary="List guides",
    description=(
        "Guides in pages, filtered and sorted. Repeated `tag` and `api` values must all match; values are "
        "normalized (`api=API Particulier` = `api=particulier`). With `q`, each item gets a `snippet` "
        "(HTML, matches in `<mark>`) and, unless `sort` is given, the order is relevance (BM25: title, "
        "then tagline, then body); FTS5 syntax that does not parse is searched as plain words. A search "
        "that runs past its time budget is stopped: the page is then empty and has a `warning`. Empty "
        "values (`tag=`, `q=`) filter nothing; a value that normalizes to nothing matches nothing. A page "
        "past the end is an empty page."
    ),
    responses={
        200: ResponseSpec(data_container=m.GuideList, generate_examples=False, description="A page of guides")
    },
)
async def list_guides(
    request: Request[Any, Any, Any],
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
) -> Raw:
    reject_unknown(
        request,
        LIST_PARAMS,
        single=("publish", "noindex", "q", "sort", "page", "per_page", "fields"),
        typed=("publish", "noindex", "sort", "page", "per_page"),
    )
    started = time.monotonic()
    site = current_site(request)
    query = GuideQuery(
        tags=_slugs(tag, slugify),
        apis=_slugs(api, api_slug),
        publish=publish,
        noindex=noindex,
        q=normalize_query(q),
        sort=sort,
        page=page,
        per_page=per_page,
        fields=_fields(fields),
    )
    return await _listed(request, site, query, started + site.settings.search_timeout_ms / 1000)


async def _listed(request: Request[Any, Any, Any], site: Site, query: GuideQuery, deadline: float) -> Raw:
    """The reply for ``query``: from the per-query cache, else made (a search: until ``deadline``)."""
    key = query.link(query.page)  # the normalized query: two spellings of one query share an entry
    found = site.cache.get(key)
    if found is not None:
        return reply(request, found, site)
    prepared, stopped = await _answer(site, query, deadline)
    if stopped:  # neither cached nor memoized: the same query may finish another time
        return reply_once(request, prepared, site)
    site.cache.put(key, prepared)
    return reply(request, prepared, site)


async def _answer(site: Site, query: GuideQuery, deadline: float) -> tuple[Prepared, bool]:
    """The page for ``query``, and whether its search was stopped at ``deadline``."""
    if query.q is None:  # index sets and prepared pieces: quick, here
        return guides_page(site, query)
    # SQLite, in a thread: the event loop goes on serving the other requests meanwhile
    return await anyio.to_thread.run_sync(guides_page, site, query, None, deadline, limiter=_search_limiter())


@get(
    "/guides/{slug:str}",
    sync_to_thread=False,
    summary="One guide",
    description=(
        "A guide: its summary, body AST, table of contents, related guides (those that exist) and editor "
        "rows. `include=html,text` adds the body rendered as HTML (with heading anchors) and as plain text. "
        "A noindex guide carries `X-Robots-Tag: noindex`. A guide whose file failed to load is a 404 whose "
        "problem points to /diagnostics."
    ),
    responses={
        200: ResponseSpec(
            data_container=m.GuideWithRenderings, generate_examples=False, description="The guide"
        )
    },
)
def get_guide(
    request: Request[Any, Any, Any],
    slug: Annotated[str, Parameter(description="the guide's slug (its file name without .md)")],
    include: Annotated[
        list[str] | None,
        Parameter(description="renderings to add: `html`, `text` (comma-separated or repeated)"),
    ] = None,
) -> Raw:
    reject_unknown(request, ("include",))
    site = current_site(request)
    wanted = frozenset(choices("include", include, INCLUDES))
    i = site.index.get(slug.lower())
    if i is None:
        failed = site.library.failed.get(slug.lower())
        if failed is not None:
            raise GuideFailed(
                detail=f"the guide {slug!r} failed to load; see /diagnostics?file={failed.rsplit('/', 1)[-1]}"
            )
        raise GuideFailed(detail=f"no guide {slug!r}")
    return reply(request, site.detail(i, wanted), site)
