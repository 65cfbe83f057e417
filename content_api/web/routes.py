"""The route table: every endpoint of the API, once.

Each :class:`Route` says its path, the model of its 200 body (the OpenAPI document's, and what a
test decodes every route's responses with), its handler (whose signature declares its query
parameters; a route without one serves what it prepared), the steps that prepare its responses at
load (:data:`PREPARERS`: the edge serves those without a handler) and the URLs a static export
writes for it. The Litestar handlers (:data:`HANDLERS`), the snapshot's prepared responses, the
export and the OpenAPI models all come from :data:`ROUTES`: a new endpoint is one entry here and
its catalog method.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from .. import model as m
from .. import status
from ..catalog import Catalog
from ..catalog.records import RecordList
from ..changes import ChangeList
from ..graph import views
from . import changes, editors, editors_csv, facets, graph, guides, llms, ops, params, records, seo
from .negotiation import Answer
from .snapshot import Current, Preparer


@dataclass(frozen=True)
class Route:
    #: the path, as Litestar spells it (``/guides/{slug:str}``)
    path: str
    summary: str
    #: the 200 body: a msgspec struct (JSON) or ``str`` (the media type's text)
    model: Any
    #: what the 200 response is, in the OpenAPI document
    answer: str
    description: str | None = None
    media_type: str = "application/json"
    #: other media types of the 200 body, chosen by ``Accept`` (media type -> what the body is)
    alternatives: dict[str, str] = field(default_factory=dict)
    #: the handler, its query parameters in its signature; None: the route serves the response
    #: its ``prepare`` made for its path, and takes no parameter
    handler: Callable[..., Any] | None = None
    prepare: tuple[Preparer, ...] = ()
    #: the URLs of this route in a static export: none, its path, or a function of the catalog
    export: Callable[[Catalog], list[str]] | bool = False
    #: the name of the handler made for a route without one (its OpenAPI operationId's end)
    name: str = ""
    handler_options: dict[str, Any] = field(default_factory=dict)

    def urls(self, catalog: Catalog) -> list[str]:
        if callable(self.export):
            return self.export(catalog)
        return [self.path] if self.export else []

    def litestar_handler(self) -> HTTPRouteHandler:
        fn = self.handler or _serve_prepared(self.path, self.name)
        options: dict[str, Any] = {} if inspect.iscoroutinefunction(fn) else {"sync_to_thread": False}
        spec = ResponseSpec(
            data_container=self.model,
            media_type=self.media_type,
            generate_examples=False,
            description=self.answer,
        )
        return get(
            self.path,
            summary=self.summary,
            description=self.description,
            media_type=self.media_type,
            responses={200: spec},
            **options,
            **self.handler_options,
        )(fn)


def _serve_prepared(path: str, name: str) -> Callable[..., Answer]:
    """The handler of a route without parameters: the response prepared at load for ``path``."""

    def handler(request: Request[Any, Any, Any], snapshot: Current) -> Answer:
        params.reject_unknown(request, ())
        return Answer(snapshot.prepared[path], snapshot.policy)

    handler.__name__ = handler.__qualname__ = name
    return handler


ROUTES: tuple[Route, ...] = (
    Route(
        "/guides",
        "List guides",
        m.GuideList,
        "A page of guides",
        description=(
            "Guides in pages, filtered and sorted. Repeated `tag` and `api` values must all match; values "
            "are normalized (`api=API Particulier` = `api=particulier`). With `q`, each item gets a "
            "`snippet` (HTML, matches in `<mark>`) and, unless `sort` is given, the order is relevance "
            "(BM25: title, then tagline, then body); FTS5 syntax that does not parse is searched as plain "
            "words. A search that runs past its time budget is stopped: the page is then empty and has a "
            "`warning`. Empty values (`tag=`, `q=`) filter nothing; a value that normalizes to nothing "
            "matches nothing. A page past the end is an empty page."
        ),
        handler=guides.list_guides,
        prepare=(guides.prepare_first_page,),
        export=guides.list_urls,
    ),
    Route(
        "/guides/{slug:str}",
        "One guide",
        m.GuideWithRenderings,
        "The guide",
        description=(
            "A guide: its summary, body AST, table of contents, related guides (those that exist) and editor "
            "rows. `include=html,text` adds the body rendered as HTML (with heading anchors) and as plain "
            "text. A noindex guide carries `X-Robots-Tag: noindex`. A guide whose file failed to load is a "
            "404 whose problem points to /diagnostics. `/guides/{slug}.md` is the guide's source file, "
            "its bytes as written (front matter included), as `text/markdown`, under the same rules."
        ),
        handler=guides.get_guide,
        prepare=(guides.prepare_details, llms.prepare_sources),
        export=lambda catalog: guides.detail_urls(catalog) + llms.source_urls(catalog),
    ),
    Route(
        "/editors",
        "Software vendors connected to an API",
        m.EditorList,
        "Editor rows, by editor name",
        description=(
            "Rows of the guides' editor tables. Filters combine: `api` (slug or name, normalized), "
            "`guide` (slug), `q` (in the editor or solution name, case- and accent-insensitive). Repeated "
            "values of one filter mean any of them. Without `page` or `per_page` every matching row is "
            "returned; with either, one page of them, and `meta` adds `page`, `per_page` and `pages`. "
            "`available` is `date` read as the first day of the month, quarter, semester or year it "
            "names (null when it names none), `planned` says the date is a plan. With "
            "`Accept: text/csv`, the same rows as CSV (see /editors.csv)."
        ),
        alternatives={editors_csv.CSV: "the same rows as CSV, as /editors.csv gives them"},
        handler=editors.list_editors,
        prepare=(editors.prepare_editors,),
        export=editors.editor_urls,
    ),
    Route(
        editors.CSV_PATH,
        "Software vendors connected to an API, as CSV",
        str,
        "Editor rows as CSV",
        description=editors_csv.DESCRIPTION,
        media_type=editors_csv.CSV,
        handler=editors.list_editors_csv,
        export=editors.editor_csv_urls,
    ),
    Route(
        "/tags",
        "Tags and how many guides carry each",
        m.TagList,
        "Tags, most used first",
        description=(
            "Each tag of the published guides with how many of them carry it (what "
            "`/guides?tag=X&publish=true` lists); a tag that only drafts carry is not listed."
        ),
        prepare=(facets.prepare_tags,),
        export=True,
        name="list_tags",
    ),
    Route(
        "/apis",
        "APIs, with their guides and editors",
        views.ApiItemList,
        "APIs, most used first",
        description=(
            "The APIs the published guides name, with how many of them and how many editor rows "
            "(those of `/editors?api=`) name each. With a "
            "site-layout content folder (an `api/` catalogue), every API page is listed (0 guides when "
            "none names it) with its `title`, `tagline`, `producer` (resolved), `is_open`, `logo` and "
            "`path`, and counted through the names that resolve to it (slug, title, file name); the "
            "guides' API names that resolve to no page follow as a folder of guides lists them, "
            "without those fields."
        ),
        prepare=(facets.prepare_apis,),
        export=True,
        name="list_apis",
    ),
    Route(
        "/apis/{slug:str}",
        "One API page of the catalogue, with its guides, editors and services",
        views.ApiDetail,
        "The API page",
        description=graph.API_DESCRIPTION,
        handler=graph.get_api,
        prepare=(graph.prepare_api_details,),
        export=graph.api_urls,
    ),
    Route(
        "/producers",
        "The producers of the APIs",
        views.ProducerList,
        "Producers, by slug",
        description=(
            "The producers (`producteurs/`), by slug (the file name), each with how many API pages it "
            "produces. A folder of guides has none: 404."
        ),
        handler=graph.list_producers,
        prepare=(graph.prepare_producers,),
        export=graph.producer_urls,
    ),
    Route(
        "/producers/{slug:str}",
        "One producer, with its APIs",
        views.ProducerDetail,
        "The producer",
        description=(
            "A producer's fields (Markdown ones as AST roots), the API pages it produces (`apis`) and "
            "those it is a partner of (`partner_of`), as summaries. Its acronym or name answers `301` "
            "to its path. A folder of guides has none: 404."
        ),
        handler=graph.get_producer,
        export=graph.producer_detail_urls,
    ),
    Route(
        "/services",
        "The services built on the APIs",
        views.ServiceList,
        "Services, by slug",
        description=graph.SERVICES_DESCRIPTION,
        handler=graph.list_services,
        prepare=(graph.prepare_services,),
        export=graph.service_urls,
    ),
    Route(
        "/services/{slug:str}",
        "One service",
        views.ServiceDetail,
        "The service",
        description=(
            "A service's fields, its Markdown `body` as an AST root, its `apis` entries (`page`: the API "
            "page each names, or null) and the summaries of those pages (`api_pages`). A folder of "
            "guides has none: 404."
        ),
        handler=graph.get_service,
        export=graph.service_detail_urls,
    ),
    Route(
        records.PATH,
        "Section records for search indexers",
        RecordList,
        "A page of section records (or, for `Accept: application/x-ndjson`, all of them as JSON Lines)",
        description=records.DESCRIPTION,
        alternatives={records.NDJSON: "every SectionRecord (whatever the page), one JSON object a line"},
        handler=records.list_records,
        prepare=(records.prepare_records,),
        export=records.record_urls,
    ),
    Route(
        changes.PATH,
        "What changed in the guides since a cursor",
        ChangeList,
        "The changes, and the cursor to ask from next time",
        description=changes.DESCRIPTION,
        handler=changes.list_changes,
        prepare=(changes.prepare_changes,),
        export=changes.change_urls,
    ),
    Route(
        "/sitemap.xml",
        "Sitemap of the published, indexable guides",
        str,
        "The sitemap",
        description=(
            "sitemaps.org XML; each `loc` is an absolute URL on the site (SITE_URL), with `lastmod`."
        ),
        media_type="application/xml",
        prepare=(seo.prepare_sitemap,),
        export=True,
        name="sitemap",
    ),
    Route(
        "/robots.txt",
        "robots.txt naming the sitemap",
        str,
        "robots.txt",
        media_type="text/plain",
        prepare=(seo.prepare_robots,),
        export=True,
        name="robots",
    ),
    Route(
        "/llms.txt",
        "llms.txt: the indexable guides, for language models",
        str,
        "llms.txt",
        description=(
            "The llmstxt.org format: an H1, a blockquote summary, then a `## Guides` list of the published, "
            "indexable guides (the sitemap's), each `- [Title](SITE_URL/guides/<slug>.md): tagline`."
        ),
        media_type=llms.LLMS_TXT,
        prepare=(llms.prepare_llms_txt,),
        export=True,
        name="llms_txt",
    ),
    # /health, /ready and /diagnostics speak of a running process (its load time): not exported.
    Route(
        "/health",
        "Is the content loaded?",
        status.Health,
        "Health",
        description=(
            "Liveness. `status` is `ok`, `degraded` when a guide failed to load (see /diagnostics), "
            "`loading` while the content loads (200: the process is alive), or `failed` (503) when "
            "loading crashed."
        ),
        prepare=(ops.prepare_health,),
        name="health",
    ),
    Route(
        "/ready",
        "Can this instance take traffic?",
        status.Ready,
        "Ready",
        description="200 once the content is loaded; 503 (a problem, with Retry-After) while it loads.",
        prepare=(ops.prepare_ready,),
        name="ready",
    ),
    Route(
        "/diagnostics",
        "What is wrong in the guides, file by file",
        status.DiagnosticsReport,
        "Diagnostics",
        description="The health figures and every diagnostic, sorted by file and line; filters combine.",
        handler=ops.diagnostics,
    ),
)

#: The build steps of a snapshot, in order (see :func:`.snapshot.build_snapshot`).
PREPARERS: tuple[Preparer, ...] = tuple(step for route in ROUTES for step in route.prepare)
#: The API's Litestar handlers (the preview's and the API reference's are added by the app).
HANDLERS: list[HTTPRouteHandler] = [route.litestar_handler() for route in ROUTES]


def export_urls(catalog: Catalog) -> list[str]:
    """Every URL of the API a static export writes (search aside), each once, in table order."""
    return list(dict.fromkeys(url for route in ROUTES for url in route.urls(catalog)))
