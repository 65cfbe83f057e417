"""The content graph as the HTTP API answers it: summaries, lists and details of API pages,
producers and services, their references resolved (see ``catalog/graph.py``, which makes them).

A reference keeps the name as written and gives the page it names (null when it names none).
A logo's ``logo_width``/``logo_height`` are there only when its file was measured in
``ASSETS_DIR``. The ``/apis`` item extends the facet of a folder of guides with fields that are
absent (UNSET, not null) when the name resolves to no page, or when there is no catalogue: a
folder of guides answers the bytes it always did.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from .. import model as m
from .kinds import AccessRule

__all__ = [
    "ApiDetail",
    "ApiItem",
    "ApiItemList",
    "ApiSummary",
    "ProducerDetail",
    "ProducerItem",
    "ProducerList",
    "ProducerRef",
    "ProducerSummary",
    "ServiceDetail",
    "ServiceList",
    "ServiceSummary",
]


class ProducerSummary(msgspec.Struct, kw_only=True):
    """A producer in a list or a reference: ``path`` is ``/producers/<slug>``."""

    slug: str
    path: str
    name: str | None
    acronym: str | None
    type: str | None
    #: as written (a bare name is a file of the site's /images/api-logo/)
    logo: str | None
    logo_width: int | UnsetType = UNSET
    logo_height: int | UnsetType = UNSET


class ProducerRef(msgspec.Struct, kw_only=True):
    """A ``producer`` or ``partners`` entry: the name as written, the producer's slug and summary
    (both null when the name names no producer)."""

    name: str
    slug: str | None
    producer: ProducerSummary | None


class ApiSummary(msgspec.Struct, kw_only=True):
    """An API page in a list: ``path`` is ``/apis/<slug>``."""

    slug: str
    path: str
    title: str | None
    tagline: str | None
    #: -1 (not open), 0 (needs an account), 1 (open)
    is_open: int | None
    logo: str | None
    logo_width: int | UnsetType = UNSET
    logo_height: int | UnsetType = UNSET
    producer: ProducerRef | None


class ApiItem(m.ApiFacet, kw_only=True):
    """An /apis item: the facet (``slug``, ``name``, ``guides``, ``editors``) and, when the name is
    an API page of the catalogue, the page's fields."""

    title: str | UnsetType | None = UNSET
    tagline: str | UnsetType | None = UNSET
    producer: ProducerRef | UnsetType | None = UNSET
    is_open: int | UnsetType | None = UNSET
    logo: str | UnsetType | None = UNSET
    logo_width: int | UnsetType = UNSET
    logo_height: int | UnsetType = UNSET
    path: str | UnsetType = UNSET


class ApiItemList(msgspec.Struct):
    data: list[ApiItem]


class ServiceSummary(msgspec.Struct, kw_only=True):
    """A service in a list: ``apis`` as the guides' are (``page``: the API page, or null)."""

    slug: str
    path: str
    title: str | None
    link: str | None
    description: str | None
    screenshot: str | None
    noindex: bool
    apis: list[m.Api]


class ServiceList(msgspec.Struct):
    data: list[ServiceSummary]
    meta: m.Total


class ServiceDetail(ServiceSummary, kw_only=True):
    """/services/{slug}: the summary, the Markdown body, the API pages it is built on, ``extra``."""

    body: m.Root | None
    api_pages: list[ApiSummary]
    extra: dict[str, Any]


class ApiDetail(msgspec.Struct, kw_only=True):
    """/apis/{slug}: the page's fields (Markdown ones as AST roots), its producer and partners
    resolved, and what links to it: the guides, their editor rows, the services."""

    slug: str
    path: str
    #: the other names that lead here (the file name, normalized)
    aliases: list[str]
    title: str | None
    tagline: str | None
    producer: ProducerRef | None
    partners: list[ProducerRef]
    is_open: int | None
    datapass_link: str | None
    access_page: list[AccessRule]
    stat: dict[str, Any] | None
    keywords: list[str]
    themes: list[str]
    logo: str | None
    logo_width: int | UnsetType = UNSET
    logo_height: int | UnsetType = UNSET
    rate_limiting_resume: str | None
    rate_limiting_description: m.Root | None
    rate_limiting_link: str | None
    stats_detail_resume: str | None
    stats_detail_description: m.Root | None
    stats_detail_link: str | None
    monitoring_link: str | None
    monitoring_description: m.Root | None
    contact_link: str | None
    doc_tech_link: str | None
    doc_tech_external: str | None
    external_site: str | None
    account_link: str | None
    content_intro: m.Root | None
    last_update: str | None
    uptime: float | None
    visits_2019: int | None
    clients: list[str]
    category: str | None
    datagouv_uuid: list[str]
    is_france_connected: int | None
    body: m.Root | None
    extra: dict[str, Any]
    guides: list[m.GuideSummary]
    editors: list[m.EditorRow]
    services: list[ServiceSummary]


class ProducerItem(ProducerSummary, kw_only=True):
    """A /producers item: the summary and how many API pages it produces."""

    apis: int


class ProducerList(msgspec.Struct):
    data: list[ProducerItem]
    meta: m.Total


class ProducerDetail(ProducerSummary, kw_only=True):
    """/producers/{slug}: the producer's fields, the API pages it produces and those it is a
    partner of."""

    name_with_pronoun: str | None
    site: str | None
    short: str | None
    description: m.Root | None
    data: m.Root | None
    contact: str | None
    annuaire: str | None
    site_open_data: str | None
    site_api: str | None
    body: m.Root | None
    extra: dict[str, Any]
    apis: list[ApiSummary]
    partner_of: list[ApiSummary]
