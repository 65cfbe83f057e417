"""/tags, /apis and /editors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from litestar import Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from .. import model as m
from ..ids import api_slug, slugify, strip_accents
from .common import Raw, current_site, reject_unknown, reply, split_values
from .site import DEFAULT_EDITORS_PER_PAGE, MAX_EDITORS_PER_PAGE, Site, editors_response


@get(
    "/tags",
    sync_to_thread=False,
    summary="Tags and how many guides carry each",
    responses={
        200: ResponseSpec(
            data_container=m.TagList, generate_examples=False, description="Tags, most used first"
        )
    },
)
def list_tags(request: Request[Any, Any, Any]) -> Raw:
    reject_unknown(request, ())
    site = current_site(request)
    return reply(request, site.prepared["/tags"], site)


@get(
    "/apis",
    sync_to_thread=False,
    summary="APIs, with their guides and editors",
    responses={
        200: ResponseSpec(
            data_container=m.ApiList, generate_examples=False, description="APIs, most used first"
        )
    },
)
def list_apis(request: Request[Any, Any, Any]) -> Raw:
    reject_unknown(request, ())
    site = current_site(request)
    return reply(request, site.prepared["/apis"], site)


#: /editors ``q`` is cut to this many characters before it is compared: names are far shorter.
MAX_EDITOR_QUERY = 1000
EDITORS_Q = f"text in the editor or solution name (its first {MAX_EDITOR_QUERY} characters)"
#: The needle of a ``q`` longer than every name: no name holds it (nor a NUL).
_NO_NAME = "\x00"


def _needle(site: Site, q: str | None) -> str | None:
    """``q`` as compared with the names (accents and case aside); bounded by the longest name."""
    if q is None:
        return None
    needle = strip_accents(q[:MAX_EDITOR_QUERY]).casefold().strip()
    return _NO_NAME if len(needle) > site.editor_key_longest else needle


@get(
    "/editors",
    sync_to_thread=False,
    summary="Software vendors connected to an API",
    description=(
        "Rows of the guides' editor tables. Filters combine: `api` (slug or name, normalized), "
        "`guide` (slug), `q` (in the editor or solution name, case- and accent-insensitive). Repeated "
        "values of one filter mean any of them. Without `page` or `per_page` every matching row is "
        "returned; with either, one page of them, and `meta` adds `page`, `per_page` and `pages`."
    ),
    responses={
        200: ResponseSpec(
            data_container=m.EditorList, generate_examples=False, description="Editor rows, by editor name"
        )
    },
)
def list_editors(
    request: Request[Any, Any, Any],
    api: Annotated[list[str] | None, Parameter(description="API slug or name; repeatable")] = None,
    guide: Annotated[list[str] | None, Parameter(description="guide slug; repeatable")] = None,
    q: Annotated[str | None, Parameter(description=EDITORS_Q)] = None,
    page: Annotated[int | None, Parameter(ge=1, description="page number, from 1 (pages the rows)")] = None,
    per_page: Annotated[
        int | None,
        Parameter(
            ge=1,
            le=MAX_EDITORS_PER_PAGE,
            description=f"rows per page (pages the rows; default {DEFAULT_EDITORS_PER_PAGE})",
        ),
    ] = None,
) -> Raw:
    reject_unknown(
        request,
        ("api", "guide", "q", "page", "per_page"),
        single=("q", "page", "per_page"),
        typed=("page", "per_page"),
    )
    site = current_site(request)
    # a value without letter or digit normalizes to "", which no row has
    apis = [api_slug(value) for value in split_values(api)]
    guides = [slugify(value) for value in split_values(guide)]
    needle = _needle(site, q)
    paged = page is not None or per_page is not None
    window = (page or 1, per_page or DEFAULT_EDITORS_PER_PAGE) if paged else None
    key = f"/editors?api={','.join(apis)}&guide={','.join(guides)}&q={needle}&page={window}"

    def build() -> Any:
        chosen: Sequence[int]
        if len(apis) == 1 and not guides:
            chosen = site.editors_by_api.get(apis[0], [])  # already in row order: no set, no sort
        else:
            rows: set[int] | None = None
            if apis:
                rows = {n for slug in apis for n in site.editors_by_api.get(slug, ())}
            if guides:
                by_guide = {n for slug in guides for n in site.editors_by_guide.get(slug, ())}
                rows = by_guide if rows is None else rows & by_guide
            chosen = range(len(site.editors)) if rows is None else sorted(rows)
        if needle:
            chosen = [n for n in chosen if needle in site.editor_keys[n]]
        return editors_response(site, chosen, window=window)

    return reply(request, site.cached(key, build), site)
