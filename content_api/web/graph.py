"""/apis/{slug}, /producers[/{slug}], /services[/{slug}]: the content graph of a site-layout folder.

Every page's answer is prepared at load (the edge serves it without a handler); the handlers
answer what is not: another case of a slug, an API page or producer asked by another of its names
(a ``301`` to its canonical path), a ``/services`` filter, and the ``404`` problems (no such page,
or a folder of guides, which has no catalogue). Bodies are made by
:class:`content_api.catalog.graph.SiteCatalog`. While the pages' Markdown is still being parsed (a
server's first load parses it after the guides are served: ``graph.pending``), a page's detail is a
``503`` with ``Retry-After`` (the lists, made of front matter only, are served).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any

from litestar import Request
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from .. import model as m
from ..catalog import Catalog
from ..catalog.graph import SiteCatalog
from ..graph.views import ProducerList, ServiceList
from . import params
from .headers import Policy
from .negotiation import Answer
from .prepared import Prepared
from .problems import NotLoaded
from .redirects import moved
from .snapshot import Current, Snapshot

NO_CATALOGUE = (
    "the content folder is a folder of guides: it has no API pages, producers or services "
    "(those come with the site's layout: guides/, api/, producteurs/, service/)"
)
API_DESCRIPTION = (
    "An API page of the catalogue (`api/`): its fields as typed (Markdown ones as AST roots: "
    "`content_intro`, `access_page[].description`, the `body`...), its `producer` and `partners` "
    "resolved (`slug` and `producer` null when the name names no producer; `name` as written), the "
    "`guides` whose `api` entries name it (summaries, drafts included: each says `publish`), the "
    "`editors` rows of their editor tables and the `services` built on it. The slug is the title's "
    "by the contract's API rule (`API Particulier` -> `particulier`); another name of the page (its "
    "file name, its title) answers `301` to its path. A folder of guides has no API pages: 404. Right "
    "after a server starts, a page's detail may answer 503 (`Retry-After`) while the pages' Markdown "
    "is parsed (/health: `pages`)."
)
SERVICES_DESCRIPTION = (
    "The services built on the APIs (`service/`), by slug. `api` (repeatable or comma-separated; all "
    "must match) is an API page's slug, title or file name, normalized as the /guides filter is and "
    "resolved through the catalogue (`api=particulier`, `api=API Particulier` and "
    "`api=api-particulier` are one); a name of no page matches the services whose `api` entry is "
    "that name. Each `apis` entry is `{slug, name, page}` as a guide's. A folder of guides: 404."
)


class Moved(Answer):
    """A ``301`` to ``location`` (a page's canonical path), as a redirect's (``.redirects.moved``:
    the request's query string kept, a small JSON body saying the same)."""

    __slots__ = ("location",)

    def __init__(self, location: str, policy: Policy) -> None:
        super().__init__(Prepared(b""), policy, memo=False)
        self.location = location

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        status, headers, body = moved(self.location, scope.get("query_string", b""), self.policy)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def site_of(snapshot: Snapshot) -> SiteCatalog:
    """The snapshot's content graph, else the 404 that says a folder of guides has none."""
    if snapshot.site is None:
        raise NotFoundException(detail=NO_CATALOGUE)
    return snapshot.site


def _did_you_mean(names: list[str]) -> str:
    return "; did you mean " + " or ".join(repr(name) for name in names) + "?" if names else ""


# --- prepared at load -----------------------------------------------------------------------------


def _details(
    snapshot: Snapshot, kind: str, slugs: Iterable[str], body: Callable[[str], Any]
) -> dict[str, Prepared]:
    """``/<kind>/<slug>`` prepared for each of ``slugs``. No Last-Modified: a page has no date of
    its own (its guides' would hide a change of the page from a client that revalidates with
    If-Modified-Since alone); the ETag says it."""
    if snapshot.site is not None and snapshot.site.graph.pending:
        return {}  # the pages' Markdown is not parsed yet: their handlers answer a 503 (pending)
    return {f"/{kind}/{slug}": Prepared.json(body(slug), compressor=snapshot.compressor) for slug in slugs}


PENDING = (
    "the content's pages are still being parsed (their Markdown, after the guides at a first load); "
    "retry in a moment"
)


def _pending(site: SiteCatalog, pages: Mapping[str, Any], slug: str) -> None:
    """A 503 (Retry-After) for a page that exists while the pages' Markdown is being parsed."""
    if site.graph.pending and slug in pages:
        raise NotLoaded(PENDING)


def prepare_api_details(snapshot: Snapshot) -> dict[str, Prepared]:
    site = snapshot.site
    return {} if site is None else _details(snapshot, "apis", site.graph.apis, site.api)


def prepare_producers(snapshot: Snapshot) -> dict[str, Prepared]:
    site = snapshot.site
    if site is None:
        return {}
    items = site.producers()
    listing = Prepared.json(ProducerList(items, m.Total(len(items))), compressor=snapshot.compressor)
    return {"/producers": listing, **_details(snapshot, "producers", site.graph.producers, site.producer)}


def prepare_services(snapshot: Snapshot) -> dict[str, Prepared]:
    site = snapshot.site
    if site is None:
        return {}
    items = site.services()
    listing = Prepared.json(ServiceList(items, m.Total(len(items))), compressor=snapshot.compressor)
    return {"/services": listing, **_details(snapshot, "services", site.graph.services, site.service)}


# --- the static export ----------------------------------------------------------------------------


def api_urls(catalog: Catalog) -> list[str]:
    graph = catalog.library.graph
    return [] if graph is None else [f"/apis/{slug}" for slug in sorted(graph.apis)]


def producer_urls(catalog: Catalog) -> list[str]:
    return [] if catalog.library.graph is None else ["/producers"]


def producer_detail_urls(catalog: Catalog) -> list[str]:
    graph = catalog.library.graph
    return [] if graph is None else [f"/producers/{slug}" for slug in sorted(graph.producers)]


def service_urls(catalog: Catalog) -> list[str]:
    """Every service, and the services of each API page that has some."""
    graph = catalog.library.graph
    if graph is None:
        return []
    used = sorted({ref.slug for s in graph.services.values() for ref in s.apis if ref.slug is not None})
    return ["/services", *(f"/services?api={slug}" for slug in used)]


def service_detail_urls(catalog: Catalog) -> list[str]:
    graph = catalog.library.graph
    return [] if graph is None else [f"/services/{slug}" for slug in sorted(graph.services)]


# --- handlers -------------------------------------------------------------------------------------

Slug = Annotated[str, Parameter(description="the page's slug (any case)")]


def get_api(request: Request[Any, Any, Any], snapshot: Current, slug: Slug) -> Answer:
    params.reject_unknown(request, ())
    site = site_of(snapshot)
    prepared = snapshot.prepared.get(f"/apis/{slug.lower()}")
    if prepared is not None:
        return Answer(prepared, snapshot.policy)
    _pending(site, site.graph.apis, slug.lower())
    canonical = site.api_slug_of(slug)
    if canonical is not None:
        return Moved(f"/apis/{canonical}", snapshot.policy)
    raise NotFoundException(detail=f"no API page {slug!r}" + _did_you_mean(site.graph.suggest_api(slug)))


def list_producers(request: Request[Any, Any, Any], snapshot: Current) -> Answer:
    params.reject_unknown(request, ())
    site_of(snapshot)
    return Answer(snapshot.prepared["/producers"], snapshot.policy)


def get_producer(request: Request[Any, Any, Any], snapshot: Current, slug: Slug) -> Answer:
    params.reject_unknown(request, ())
    site = site_of(snapshot)
    prepared = snapshot.prepared.get(f"/producers/{slug.lower()}")
    if prepared is not None:
        return Answer(prepared, snapshot.policy)
    _pending(site, site.graph.producers, slug.lower())
    canonical = site.graph.resolve_producer(slug)
    if canonical is not None:
        return Moved(f"/producers/{canonical}", snapshot.policy)
    hint = _did_you_mean(site.graph.suggest_producer(slug))
    raise NotFoundException(detail=f"no producer {slug!r}{hint}")


def list_services(
    request: Request[Any, Any, Any],
    snapshot: Current,
    api: Annotated[
        list[str] | None,
        Parameter(
            description="API page slug, title or file name (`particulier`, `API Particulier`); repeatable"
        ),
    ] = None,
) -> Answer:
    params.reject_unknown(request, ("api",))
    site = site_of(snapshot)
    values = params.split_values(api)
    if not values:
        return Answer(snapshot.prepared["/services"], snapshot.policy)
    keys = sorted({site.api_key(value) for value in values})

    def build() -> Prepared:
        items = site.services_matching(keys)
        return Prepared.json(ServiceList(items, m.Total(len(items))))

    return Answer(snapshot.cached("/services?api=" + ",".join(keys), build), snapshot.policy)


def get_service(request: Request[Any, Any, Any], snapshot: Current, slug: Slug) -> Answer:
    params.reject_unknown(request, ())
    site = site_of(snapshot)
    prepared = snapshot.prepared.get(f"/services/{slug.lower()}")
    if prepared is None:
        _pending(site, site.graph.services, slug.lower())
        raise NotFoundException(detail=f"no service {slug!r}")
    return Answer(prepared, snapshot.policy)
