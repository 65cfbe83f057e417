"""The content graph queried: API pages, producers and services with their links, as the HTTP API
answers them (the structs of :mod:`content_api.graph.views`), in plain Python.

Built once per catalog (the server builds it with the snapshot) from ``library.graph``; a folder of
guides has none (``SiteCatalog.of(catalog)`` is then None)::

    site = SiteCatalog.of(Catalog.from_library(load_library("path/to/_data")))
    site.api("particulier").guides, site.services(api="API Particulier")

Guides count as ``/guides`` lists them (every served guide, drafts included: each summary says
``publish``); an API page's guides are those whose ``api`` entries resolve to it (by slug, title or
file name), its editors the rows of their editor tables, its services those whose ``api`` entries
resolve to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from .. import model as m
from ..graph import ApiPage, Graph, Producer, Ref, Service
from ..graph.views import (
    ApiDetail,
    ApiItem,
    ApiSummary,
    ProducerDetail,
    ProducerItem,
    ProducerRef,
    ProducerSummary,
    ServiceDetail,
    ServiceSummary,
)
from ..ids import api_slug
from . import Catalog
from .query import split_values

__all__ = ["SiteCatalog"]

#: The fields an API page's detail takes from the page as they are.
_API_FIELDS = tuple(
    name
    for name in ApiDetail.__struct_fields__
    if name in ApiPage.__struct_fields__ and name not in ("producer", "partners", "logo_width", "logo_height")
)
_PRODUCER_FIELDS = tuple(
    name
    for name in ProducerDetail.__struct_fields__
    if name in Producer.__struct_fields__ and name not in ("logo_width", "logo_height")
)


def _sizes(page: ApiPage | Producer) -> dict[str, Any]:
    """The logo's size fields, when it was measured (absent otherwise)."""
    if page.logo_width is None or page.logo_height is None:
        return {}
    return {"logo_width": page.logo_width, "logo_height": page.logo_height}


class SiteCatalog:
    """The pages of a site-layout folder and what links them to the guides of ``catalog``."""

    def __init__(self, catalog: Catalog, graph: Graph) -> None:
        self.catalog, self.graph = catalog, graph
        #: API page slug -> positions of the guides (in ``catalog.entries``) and editor rows
        self.guides_of: dict[str, set[int]] = {}
        self.editors_of: dict[str, set[int]] = {}
        for key, members in catalog.by_api.items():
            page = graph.api_keys.get(key)
            if page is not None:
                self.guides_of.setdefault(page, set()).update(members)
        for key, rows in catalog.editors_by_api.items():
            page = graph.api_keys.get(key)
            if page is not None:
                self.editors_of.setdefault(page, set()).update(rows)

    @classmethod
    def of(cls, catalog: Catalog) -> SiteCatalog | None:
        """The site catalog of ``catalog``'s library, or None for a folder of guides."""
        graph = catalog.library.graph
        return None if graph is None else cls(catalog, graph)

    # --- summaries ------------------------------------------------------------------------------

    def producer_summary(self, producer: Producer) -> ProducerSummary:
        return ProducerSummary(
            slug=producer.slug,
            path=f"/producers/{producer.slug}",
            name=producer.name,
            acronym=producer.acronym,
            type=producer.type,
            logo=producer.logo,
            **_sizes(producer),
        )

    def producer_ref(self, ref: Ref | None) -> ProducerRef | None:
        if ref is None:
            return None
        found = self.graph.producers.get(ref.slug or "")
        summary = None if found is None else self.producer_summary(found)
        return ProducerRef(name=ref.name, slug=None if found is None else found.slug, producer=summary)

    def api_summary(self, page: ApiPage) -> ApiSummary:
        return ApiSummary(
            slug=page.slug,
            path=f"/apis/{page.slug}",
            title=page.title,
            tagline=page.tagline,
            is_open=page.is_open,
            logo=page.logo,
            producer=self.producer_ref(page.producer),
            **_sizes(page),
        )

    def service_apis(self, service: Service) -> list[m.Api]:
        """A service's ``api`` entries as a guide's are: ``{slug, name, page}``."""
        return [m.Api(api_slug(ref.name), ref.name, ref.slug) for ref in service.apis]

    def service_summary(self, service: Service) -> ServiceSummary:
        return ServiceSummary(
            slug=service.slug,
            path=f"/services/{service.slug}",
            title=service.title,
            link=service.link,
            description=service.description,
            screenshot=service.screenshot,
            noindex=service.noindex,
            apis=self.service_apis(service),
        )

    # --- APIs -----------------------------------------------------------------------------------

    def api_items(self) -> list[ApiItem]:
        """/apis with a catalogue: every API page (0 guides when none names it), then the names of
        the guides' ``api`` entries that name no page (as a folder of guides lists them); the most
        used first."""
        items = [self._api_item(page) for page in self.graph.apis.values()]
        for facet in self.catalog.apis():
            if facet.slug not in self.graph.api_keys:
                items.append(ApiItem(facet.slug, facet.name, facet.guides, facet.editors))
        items.sort(key=lambda item: (-item.guides, item.slug))
        return items

    def _api_item(self, page: ApiPage) -> ApiItem:
        summary = self.api_summary(page)
        return ApiItem(
            page.slug,
            page.title or page.slug,
            len(self.guides_of.get(page.slug, frozenset()) & self.catalog.published),
            len(self.editors_of.get(page.slug, ())),
            title=page.title,
            tagline=page.tagline,
            producer=summary.producer,
            is_open=page.is_open,
            logo=page.logo,
            logo_width=summary.logo_width,
            logo_height=summary.logo_height,
            path=summary.path,
        )

    def api_slug_of(self, name: str) -> str | None:
        """The slug of the API page ``name`` names (its slug, title or file name), or None."""
        return self.graph.resolve_api(name)

    def api(self, slug: str) -> ApiDetail | None:
        """The API page ``slug`` (exactly its slug) with its links, or None."""
        page = self.graph.apis.get(slug)
        if page is None:
            return None
        catalog = self.catalog
        fields = {name: getattr(page, name) for name in _API_FIELDS}
        return ApiDetail(
            **fields,
            **_sizes(page),
            path=f"/apis/{page.slug}",
            producer=self.producer_ref(page.producer),
            partners=[ref for ref in map(self.producer_ref, page.partners) if ref is not None],
            guides=[catalog.summaries[i] for i in sorted(self.guides_of.get(slug, ()))],
            editors=[catalog.editor_rows[n] for n in sorted(self.editors_of.get(slug, ()))],
            services=[self.service_summary(self.graph.services[s]) for s in self.graph.services_of_api(slug)],
        )

    # --- producers ------------------------------------------------------------------------------

    def producers(self) -> list[ProducerItem]:
        """Every producer, by slug, with how many API pages it produces."""
        return [
            ProducerItem(
                **msgspec.structs.asdict(self.producer_summary(producer)),
                apis=len(self.graph.apis_of_producer(slug)),
            )
            for slug, producer in sorted(self.graph.producers.items())
        ]

    def producer(self, slug: str) -> ProducerDetail | None:
        """The producer ``slug`` with the API pages it produces and those it is a partner of."""
        producer = self.graph.producers.get(slug)
        if producer is None:
            return None
        apis = self.graph.apis
        partner_of = [page for _, page in sorted(apis.items()) if any(r.slug == slug for r in page.partners)]
        return ProducerDetail(
            **{name: getattr(producer, name) for name in _PRODUCER_FIELDS},
            **_sizes(producer),
            path=f"/producers/{slug}",
            apis=[self.api_summary(apis[a]) for a in self.graph.apis_of_producer(slug)],
            partner_of=[self.api_summary(page) for page in partner_of],
        )

    # --- services -------------------------------------------------------------------------------

    def api_key(self, name: str) -> str:
        """What a ``/services`` ``api`` value matches: the slug of the API page it names, else the
        name by the API rule (a name of no page matches the services that write it so)."""
        return self.graph.resolve_api(name) or api_slug(name)

    def services(self, api: str | Iterable[str] | None = None) -> list[ServiceSummary]:
        """The services, by slug, built on every API of ``api`` (names or slugs, normalized and
        resolved through the catalogue: ``API Particulier``, ``api-particulier`` and a page's file
        name are one)."""
        return self.services_matching([self.api_key(value) for value in split_values(api)])

    def services_matching(self, keys: Iterable[str]) -> list[ServiceSummary]:
        """The services whose ``api`` entries match every one of ``keys`` (see :meth:`api_key`)."""
        wanted = list(keys)
        return [
            self.service_summary(service)
            for _, service in sorted(self.graph.services.items())
            if all(key in self._service_keys(service) for key in wanted)
        ]

    def _service_keys(self, service: Service) -> set[str]:
        return {key for ref in service.apis for key in (ref.slug, api_slug(ref.name)) if key}

    def service(self, slug: str) -> ServiceDetail | None:
        service = self.graph.services.get(slug)
        if service is None:
            return None
        pages = dict.fromkeys(ref.slug for ref in service.apis if ref.slug in self.graph.apis)
        return ServiceDetail(
            **msgspec.structs.asdict(self.service_summary(service)),
            body=service.body,
            api_pages=[self.api_summary(self.graph.apis[p]) for p in pages if p is not None],
            extra=service.extra,
        )
