"""/editors: the software vendors of the guides' editor tables, by API, guide or name.

Every /editors answer carries the same rows as CSV (:mod:`.editors_csv`) as its alternative, for
``Accept: text/csv``; ``/editors.csv`` answers that CSV whatever ``Accept`` says (it takes the
same parameters). Both are cached per normalized query, each with its own ETag.
"""

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
from .editors_csv import CSV, editors_csv
from .negotiation import Answer
from .prepared import Prepared, encode
from .snapshot import Current, Snapshot

EDITORS_Q = f"text in the editor or solution name (its first {MAX_EDITOR_QUERY} characters)"
CSV_PATH = "/editors.csv"

ApiFilter = Annotated[list[str] | None, Parameter(description="API slug or name; repeatable")]
GuideFilter = Annotated[list[str] | None, Parameter(description="guide slug; repeatable")]
NameFilter = Annotated[str | None, Parameter(description=EDITORS_Q)]
PageParam = Annotated[int | None, Parameter(ge=1, description="page number, from 1 (pages the rows)")]
PerPageParam = Annotated[
    int | None,
    Parameter(
        ge=1,
        le=MAX_EDITORS_PER_PAGE,
        description=f"rows per page (pages the rows; default {DEFAULT_EDITORS_PER_PAGE})",
    ),
]


def _window(rows: Sequence[int], window: tuple[int, int] | None) -> tuple[Sequence[int], m.EditorMeta]:
    """``rows``, or the page ``window`` (``(page, per_page)``) of them, and the answer's meta."""
    if window is None:
        return rows, m.EditorMeta(total=len(rows))
    page, per_page = window
    total, (rows, pages) = len(rows), catalog_window(rows, page, per_page)
    return rows, m.EditorMeta(total, page, per_page, pages)


def editors_body(snapshot: Snapshot, rows: Sequence[int], window: tuple[int, int] | None = None) -> bytes:
    """The /editors JSON (:class:`~content_api.model.EditorList`) of ``rows`` (positions in
    ``catalog.editor_rows``): all of them, or one ``(page, per_page)``."""
    rows, meta = _window(rows, window)
    body = b'{"data":[' + b",".join(snapshot.editor_json[n] for n in rows) + b'],"meta":'
    return body + encode(meta) + b"}"


def editors_modified(snapshot: Snapshot, rows: Sequence[int]) -> int | None:
    """The ``Last-Modified`` of ``rows``: the newest of their guides'."""
    catalog = snapshot.catalog
    guides = {catalog.editor_rows[n].guide or "" for n in rows}
    return snapshot.newest(catalog.position[slug] for slug in guides if slug in catalog.position)


def editors_csv_body(snapshot: Snapshot, rows: Sequence[int], window: tuple[int, int] | None = None) -> bytes:
    """The same rows as :func:`editors_body`, as CSV."""
    rows, _ = _window(rows, window)
    return editors_csv([snapshot.catalog.editor_rows[n] for n in rows])


def _prepared(
    snapshot: Snapshot, rows: Sequence[int], window: tuple[int, int] | None, shared: bool
) -> Prepared:
    """The JSON of ``rows``, with their CSV as its alternative (``shared``: prepared at load)."""
    compressor = snapshot.compressor if shared else None
    shown = rows if window is None else catalog_window(rows, *window)[0]
    modified = editors_modified(snapshot, shown)
    csv = editors_csv_body(snapshot, rows, window)
    table = Prepared(csv, CSV, compressor=compressor, last_modified=modified)
    body = editors_body(snapshot, rows, window)
    return Prepared(body, compressor=compressor, alternatives=(table,), last_modified=modified)


def prepare_editors(snapshot: Snapshot) -> dict[str, Prepared]:
    """Every row, as /editors and /editors.csv without parameters give them."""
    every = _prepared(snapshot, range(len(snapshot.catalog.editor_rows)), None, shared=True)
    return {"/editors": every, CSV_PATH: every.alternatives[0]}


def editor_urls(catalog: Catalog) -> list[str]:
    """Every row, and the rows of each API, for the static export."""
    return ["/editors", *(f"/editors?api={api}" for api in sorted(catalog.editors_by_api))]


def editor_csv_urls(catalog: Catalog) -> list[str]:
    """The CSV of every row, and of the rows of each API, for the static export."""
    return [CSV_PATH + url.removeprefix("/editors") for url in editor_urls(catalog)]


def _answer(
    request: Request[Any, Any, Any],
    snapshot: Snapshot,
    filters: tuple[list[str] | None, list[str] | None, str | None],
    page: int | None,
    per_page: int | None,
) -> Prepared:
    """The /editors answer (JSON, its CSV alternative) of a request's filters and page."""
    params.reject_unknown(
        request,
        ("api", "guide", "q", "page", "per_page"),
        single=("q", "page", "per_page"),
        typed=("page", "per_page"),
    )
    catalog = snapshot.catalog
    apis, guides = editor_filters(filters[0], filters[1])
    needle = catalog.editor_needle(filters[2])
    paged = page is not None or per_page is not None
    window = (page or 1, per_page or DEFAULT_EDITORS_PER_PAGE) if paged else None
    key = f"/editors?api={','.join(apis)}&guide={','.join(guides)}&q={needle}&page={window}"

    def build() -> Prepared:
        return _prepared(snapshot, catalog.editor_positions(apis, guides, needle), window, shared=False)

    return snapshot.cached(key, build)


def list_editors(
    request: Request[Any, Any, Any],
    snapshot: Current,
    api: ApiFilter = None,
    guide: GuideFilter = None,
    q: NameFilter = None,
    page: PageParam = None,
    per_page: PerPageParam = None,
) -> Answer:
    return Answer(_answer(request, snapshot, (api, guide, q), page, per_page), snapshot.policy)


def list_editors_csv(
    request: Request[Any, Any, Any],
    snapshot: Current,
    api: ApiFilter = None,
    guide: GuideFilter = None,
    q: NameFilter = None,
    page: PageParam = None,
    per_page: PerPageParam = None,
) -> Answer:
    prepared = _answer(request, snapshot, (api, guide, q), page, per_page)
    return Answer(prepared.alternatives[0], snapshot.policy)
