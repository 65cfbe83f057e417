"""The kinds of content beside the guides, as typed structs: API pages, producers, services.

Each one has its ``slug``, its ``file``, the typed fields of its front matter (the YAML keys as the
site writes them; camelCase keys get snake_case fields: ``nameWithPronoun`` -> ``name_with_pronoun``),
its Markdown (the body and the Markdown inside YAML strings) as ``root`` nodes whose positions are
lines and columns of the file, ``extra`` (unknown keys, never dropped) and its ``diagnostics``.
A reference to another page (``producer``, ``partners``, ``api``) is a :class:`Ref`: the name as
written, the slug it resolves to (None when it resolves to nothing) and the line where it is.
The three kinds are tagged (``kind``: ``api``, ``producer``, ``service``), so that a union of
them can be typed, decoded and validated (msgspec requires it; Litestar checks the types of a
snapshot it hands to a handler).
"""

from __future__ import annotations

from typing import Any

import msgspec

from .. import model as m
from ..located import Located


class Ref(msgspec.Struct, kw_only=True):
    """A name that points at another page: ``slug`` is None when no page has that name."""

    name: str
    slug: str | None = None
    line: int = 1
    column: int = 1


class AccessRule(msgspec.Struct, kw_only=True):
    """One entry of an API page's ``access_page``: who asks, whether they may, what to do."""

    who: list[str] = msgspec.field(default_factory=list)
    #: -1 (not eligible), 0 (under conditions), 1 (eligible), as the site writes it
    is_eligible: int | None = None
    description: m.Root | None = None
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class ApiPage(msgspec.Struct, kw_only=True, tag_field="kind", tag="api"):
    """An API of the catalogue (``api/<name>.md``). ``slug`` is the contract's API rule applied to
    the title (``API Particulier`` -> ``particulier``); ``aliases`` are the other names a reference
    may use (the file name, normalized the same way)."""

    slug: str
    file: str
    aliases: list[str] = msgspec.field(default_factory=list)
    title: str | None = None
    tagline: str | None = None
    producer: Ref | None = None
    partners: list[Ref] = msgspec.field(default_factory=list)
    #: -1 (not open), 0 (needs an account), 1 (open)
    is_open: int | None = None
    datapass_link: str | None = None
    access_page: list[AccessRule] = msgspec.field(default_factory=list)
    stat: dict[str, Any] | None = None
    keywords: list[str] = msgspec.field(default_factory=list)
    themes: list[str] = msgspec.field(default_factory=list)
    logo: str | None = None
    #: the logo file's size in pixels, when ``ASSETS_DIR`` is set and the file is found there
    logo_width: int | None = None
    logo_height: int | None = None
    rate_limiting_resume: str | None = None
    rate_limiting_description: m.Root | None = None
    rate_limiting_link: str | None = None
    stats_detail_resume: str | None = None
    stats_detail_description: m.Root | None = None
    stats_detail_link: str | None = None
    monitoring_link: str | None = None
    monitoring_description: m.Root | None = None
    contact_link: str | None = None
    doc_tech_link: str | None = None
    doc_tech_external: str | None = None
    external_site: str | None = None
    account_link: str | None = None
    content_intro: m.Root | None = None
    #: as written (the site writes dd/mm/yyyy)
    last_update: str | None = None
    uptime: float | None = None
    visits_2019: int | None = None
    clients: list[str] = msgspec.field(default_factory=list)
    category: str | None = None
    datagouv_uuid: list[str] = msgspec.field(default_factory=list)
    is_france_connected: int | None = None
    body: m.Root | None = None
    #: old slugs whose path answers 301 to this page's (front matter ``redirect_from``)
    redirect_from: list[Located] = msgspec.field(default_factory=list)
    extra: dict[str, Any] = msgspec.field(default_factory=dict)
    diagnostics: list[m.Diagnostic] = msgspec.field(default_factory=list)


class Producer(msgspec.Struct, kw_only=True, tag_field="kind", tag="producer"):
    """A data producer (``producteurs/<name>.md``): its slug is its file name, normalized."""

    slug: str
    file: str
    aliases: list[str] = msgspec.field(default_factory=list)
    name: str | None = None
    acronym: str | None = None
    name_with_pronoun: str | None = None
    logo: str | None = None
    #: the logo file's size in pixels, when ``ASSETS_DIR`` is set and the file is found there
    logo_width: int | None = None
    logo_height: int | None = None
    type: str | None = None
    site: str | None = None
    short: str | None = None
    description: m.Root | None = None
    data: m.Root | None = None
    contact: str | None = None
    annuaire: str | None = None
    site_open_data: str | None = None
    site_api: str | None = None
    body: m.Root | None = None
    #: old slugs whose path answers 301 to this page's (front matter ``redirect_from``)
    redirect_from: list[Located] = msgspec.field(default_factory=list)
    extra: dict[str, Any] = msgspec.field(default_factory=dict)
    diagnostics: list[m.Diagnostic] = msgspec.field(default_factory=list)


class Service(msgspec.Struct, kw_only=True, tag_field="kind", tag="service"):
    """A service built on APIs (``service/<name>.md``): its slug is its file name, normalized."""

    slug: str
    file: str
    title: str | None = None
    link: str | None = None
    description: str | None = None
    apis: list[Ref] = msgspec.field(default_factory=list)
    screenshot: str | None = None
    noindex: bool = False
    body: m.Root | None = None
    #: old slugs whose path answers 301 to this page's (front matter ``redirect_from``)
    redirect_from: list[Located] = msgspec.field(default_factory=list)
    extra: dict[str, Any] = msgspec.field(default_factory=dict)
    diagnostics: list[m.Diagnostic] = msgspec.field(default_factory=list)


Page = ApiPage | Producer | Service
