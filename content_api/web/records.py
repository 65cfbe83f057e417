"""/search/records: the guides' section records for search indexers, in pages or as JSON Lines.

The records (:meth:`~content_api.catalog.Catalog.records`) are encoded once at load, each alone,
and kept compressed guide by guide (:attr:`.snapshot.Snapshot.record_json`, :mod:`.record_store`);
a page joins those it shows, the first one at load, the others when asked for. Every page carries
the JSON Lines of all the records as its alternative: a request whose ``Accept`` prefers
``application/x-ndjson`` gets them all in one response (``page`` and ``per_page`` are then checked
but change nothing), from the edge or the handler alike, with its own ETag.
"""

from __future__ import annotations

import hashlib
import math
import urllib.parse
from typing import Annotated, Any

from litestar import Request
from litestar.params import Parameter

from .. import model as m
from ..catalog import Catalog
from ..catalog.records import MAX_CONTENT_CHARS, searchable, section_records
from . import params
from .negotiation import Answer
from .prepared import Prepared, encode
from .record_store import RecordBlock, RecordStore, pack
from .snapshot import Current, Snapshot

PATH = "/search/records"
NDJSON = "application/x-ndjson"
DEFAULT_RECORDS_PER_PAGE = 100
MAX_RECORDS_PER_PAGE = 1000

DESCRIPTION = (
    "One record per section of every guide a site search should show (published, not `noindex`, "
    "not `search: false`), DocSearch-shaped: the introduction (`lvl1`, before the first `##`), then "
    "each `##` (`lvl2`) and `###` (`lvl3`) section, guides in slug order and sections in document "
    f"order. `content` is the section's plain text cut at {MAX_CONTENT_CHARS} characters on a word "
    "boundary. Pages like /guides; with `Accept: application/x-ndjson`, every record as JSON Lines "
    "(one JSON object a line) in one response, whatever `page` and `per_page` say."
)


def link(page: int, per_page: int) -> str:
    """The relative URL of a page, its parameters in a fixed order (defaults left out)."""
    query = [("page", str(page))] if page != 1 else []
    query += [("per_page", str(per_page))] if per_page != DEFAULT_RECORDS_PER_PAGE else []
    return PATH + ("?" + urllib.parse.urlencode(query) if query else "")


def records_body(snapshot: Snapshot, page: int, per_page: int) -> tuple[bytes, list[int]]:
    """The JSON (:class:`~content_api.catalog.records.RecordList`) of one page of records, and the
    positions of the guides its records come from."""
    store = snapshot.record_json
    pages = math.ceil(len(store) / per_page)
    items, guides = store.window((page - 1) * per_page, page * per_page)
    meta = m.ListMeta(total=len(store), page=page, per_page=per_page, pages=pages)
    links = m.ListLinks(
        self=link(page, per_page),
        next=link(page + 1, per_page) if page < pages else None,
        prev=link(min(page - 1, pages), per_page) if page > 1 and pages else None,
    )
    body = b'{"data":[' + b",".join(items) + b'],"meta":' + encode(meta) + b',"links":' + encode(links) + b"}"
    return body, guides


def _page(snapshot: Snapshot, page: int, per_page: int, shared: bool = False) -> Prepared:
    assert snapshot.records_ndjson is not None, "prepare_records runs when the snapshot is built"
    body, guides = records_body(snapshot, page, per_page)
    return Prepared(
        body,
        compressor=snapshot.compressor if shared else None,
        alternatives=(snapshot.records_ndjson,),
        last_modified=snapshot.newest(guides),
    )


def _guide_records(snapshot: Snapshot, guide: m.Guide) -> tuple[RecordBlock, str | None]:
    """The records of a searchable guide, encoded and packed, and the key they are kept under: its
    detail's ETag (a function of the whole guide: body, title, tags, APIs, date) and the site's
    URL, so that a warm restart or a reload takes those of an unchanged guide as they were."""
    slug, site_url = guide.slug or "", snapshot.settings.site_url

    def make() -> RecordBlock:
        records = section_records(guide, snapshot.library.body(slug), site_url)
        return pack([encode(record) for record in records])

    detail = snapshot.prepared.get(f"/guides/{slug}")
    if detail is None:  # every served guide has one (prepare_details runs first): never kept blind
        return make(), None
    key = f"{detail.etag}\0{site_url}"
    return snapshot.compressor.records_of(key, make), key


def prepare_records(snapshot: Snapshot) -> dict[str, Prepared]:
    """Every record encoded, their JSON Lines, and the first page as an indexer asks for it: the
    records of ``catalog.records()``, guide by guide in the catalog's order. The JSON Lines are
    joined (and hashed) only when the compressor has not kept them for the same records."""
    store = snapshot.record_json = RecordStore()
    keys = hashlib.blake2b(PATH.encode(), digest_size=16)  # the key of the JSON Lines: the records'
    blind = False
    for position, guide in enumerate(snapshot.catalog.entries):
        if searchable(guide):
            block, key = _guide_records(snapshot, guide)
            if block[0]:
                store.append(position, block)
            blind = blind or key is None
            keys.update(f"{key}\n".encode())
    snapshot.catalog.record_total = len(store)
    modified = snapshot.newest(store.positions())
    compressor = snapshot.compressor
    if blind:
        lines = Prepared(store.ndjson(), NDJSON, compressor=compressor, last_modified=modified)
    else:
        lines = compressor.prepared_join(keys.hexdigest(), store.ndjson, NDJSON, modified)
    snapshot.records_ndjson = lines
    return {PATH: _page(snapshot, 1, DEFAULT_RECORDS_PER_PAGE, shared=True)}


def record_urls(catalog: Catalog) -> list[str]:
    """Every page at the default size, for the static export (its JSON; JSON Lines are not exported)."""
    count = catalog.record_total if catalog.record_total is not None else len(catalog.records())
    pages = max(1, math.ceil(count / DEFAULT_RECORDS_PER_PAGE))
    return [link(page, DEFAULT_RECORDS_PER_PAGE) for page in range(1, pages + 1)]


def list_records(
    request: Request[Any, Any, Any],
    snapshot: Current,
    page: Annotated[int, Parameter(ge=1, description="page number, from 1")] = 1,
    per_page: Annotated[
        int, Parameter(ge=1, le=MAX_RECORDS_PER_PAGE, description="records per page")
    ] = DEFAULT_RECORDS_PER_PAGE,
) -> Answer:
    params.reject_unknown(
        request, ("page", "per_page"), single=("page", "per_page"), typed=("page", "per_page")
    )
    key = link(page, per_page)
    return Answer(snapshot.cached(key, lambda: _page(snapshot, page, per_page)), snapshot.policy)
