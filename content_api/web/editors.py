"""/editors: the software vendors of the guides' editor tables, by API, guide or name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from litestar import Request
from litestar.params import Parameter

from .. import model as m
from ..catalog import (
    DEFAULT_EDITORS_PER_PAGE,
    MAX_EDITOR_QUERY,
    MAX_EDITORS_PER_PAGE,
    Catalog,
    editor_filters,
)
from ..catalog import window as catalog_window
from . import params
from .negotiation import Answer
from .prepared import Prepared, encode
from .snapshot import Current, Snapshot

EDITORS_Q = f"text in the editor or solution name (its first {MAX_EDITOR_QUERY} characters)"


def editors_body(snapshot: Snapshot, rows: Sequence[int], window: tuple[int, int] | None = None) -> bytes:
    """The /editors JSON (:class:`~content_api.model.EditorList`) of ``rows`` (positions in
    ``catalog.editor_rows``): all of them, or one ``(page, per_page)``."""
    meta = m.EditorMeta(total=len(rows))
    if window is not None:
        page, per_page = window
        total, (rows, pages) = len(rows), catalog_window(rows, page, per_page)
        meta = m.EditorMeta(total, page, per_page, pages)
    body = b'{"data":[' + b",".join(snapshot.editor_json[n] for n in rows) + b'],"meta":'
    return body + encode(meta) + b"}"


def editors_modified(snapshot: Snapshot, rows: Sequence[int]) -> int | None:
    """The ``Last-Modified`` of ``rows``: the newest of their guides'."""
    catalog = snapshot.catalog
    guides = {catalog.editor_rows[n].guide or "" for n in rows}
    return snapshot.newest(catalog.position[slug] for slug in guides if slug in catalog.position)


def prepare_editors(snapshot: Snapshot) -> dict[str, Prepared]:
    """Every row, as /editors without parameters gives them."""
    rows = range(len(snapshot.catalog.editor_rows))
    body = editors_body(snapshot, rows)
    modified = editors_modified(snapshot, rows)
    return {"/editors": Prepared(body, compressor=snapshot.compressor, last_modified=modified)}


def editor_urls(catalog: Catalog) -> list[str]:
    """Every row, and the rows of each API, for the static export."""
    return ["/editors", *(f"/editors?api={api}" for api in sorted(catalog.editors_by_api))]


def list_editors(
    request: Request[Any, Any, Any],
    snapshot: Current,
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
) -> Answer:
    params.reject_unknown(
        request,
        ("api", "guide", "q", "page", "per_page"),
        single=("q", "page", "per_page"),
        typed=("page", "per_page"),
    )
    catalog = snapshot.catalog
    apis, guides = editor_filters(api, guide)
    needle = catalog.editor_needle(q)
    paged = page is not None or per_page is not None
    window = (page or 1, per_page or DEFAULT_EDITORS_PER_PAGE) if paged else None
    key = f"/editors?api={','.join(apis)}&guide={','.join(guides)}&q={needle}&page={window}"

    def build() -> Prepared:
        rows = catalog.editor_positions(apis, guides, needle)
        shown = rows if window is None else catalog_window(rows, *window)[0]
        return Prepared(editors_body(snapshot, rows, window), last_modified=editors_modified(snapshot, shown))

    return Answer(snapshot.cached(key, build), snapshot.policy)
