"""One file of the site's layout -> an :class:`ApiPage`, :class:`Producer` or :class:`Service`.

The guide engine's stages read it: bytes to text (``parse/source.py``), the front matter
(``parse/front_matter.py``, as YAML nodes so that each value knows its line), the Markdown of the
body and of the YAML strings (``parse_markdown``). Like ``parse_guide``, it never raises on
content: a bug of content-api on one file gives that file an ``internal-error``, and nothing else.
"""

from __future__ import annotations

import logging
from pathlib import PurePath
from typing import Any

from .. import model as m
from ..diagnostics import diagnostic
from ..ids import api_slug, slugify
from ..parse import ParseOptions, parse_markdown
from ..parse.context import Context
from ..parse.front_matter import compose_front_matter
from ..parse.source import decode
from .kinds import ApiPage, Page, Producer, Service
from .layout import Kind
from .values import Reader, Spec, read_mapping

log = logging.getLogger("content_api")

_TEXT = "text"
_MARKDOWN = "markdown"

API_SPEC: Spec = {
    **{
        key: (key, _TEXT)
        for key in [
            "title",
            "tagline",
            "datapass_link",
            "logo",
            "rate_limiting_resume",
            "rate_limiting_link",
            "stats_detail_resume",
            "stats_detail_link",
            "monitoring_link",
            "contact_link",
            "doc_tech_link",
            "doc_tech_external",
            "external_site",
            "account_link",
            "last_update",
            "category",
        ]
    },
    **{
        key: (key, _MARKDOWN)
        for key in [
            "rate_limiting_description",
            "stats_detail_description",
            "monitoring_description",
            "content_intro",
        ]
    },
    **{key: (key, "names") for key in ("keywords", "themes", "clients", "datagouv_uuid")},
    "producer": ("producer", "ref"),
    "partners": ("partners", "refs"),
    "is_open": ("is_open", "integer"),
    "is_france_connected": ("is_france_connected", "integer"),
    "visits_2019": ("visits_2019", "integer"),
    "uptime": ("uptime", "number"),
    "stat": ("stat", "mapping"),
    "access_page": ("access_page", "access"),
    "redirect_from": ("redirect_from", "redirects"),
}

PRODUCER_SPEC: Spec = {
    **{
        key: (key, _TEXT)
        for key in ("name", "acronym", "logo", "type", "site", "short", "contact", "annuaire")
    },
    "nameWithPronoun": ("name_with_pronoun", _TEXT),
    "name_with_pronoun": ("name_with_pronoun", _TEXT),
    "siteOpenData": ("site_open_data", _TEXT),
    "siteAPI": ("site_api", _TEXT),
    "description": ("description", _MARKDOWN),
    "data": ("data", _MARKDOWN),
    "redirect_from": ("redirect_from", "redirects"),
}

SERVICE_SPEC: Spec = {
    **{key: (key, _TEXT) for key in ("title", "link", "description", "screenshot")},
    "api": ("apis", "refs"),
    "noindex": ("noindex", "boolean"),
    "redirect_from": ("redirect_from", "redirects"),
}

_KINDS: dict[Kind, tuple[type[ApiPage] | type[Producer] | type[Service], Spec, str]] = {
    "api": (ApiPage, API_SPEC, "title"),
    "producer": (Producer, PRODUCER_SPEC, "name"),
    "service": (Service, SERVICE_SPEC, "title"),
}


def parse_page(
    kind: Kind, file: str, data: bytes | str, options: ParseOptions | None = None, *, markdown: bool = True
) -> Page:
    """The page of ``kind`` that the file ``file`` (its name gives the slug) holds; never raises.
    ``markdown=False``: its front matter only (the Markdown of the body and of the YAML strings is
    left unparsed, None, and so are its diagnostics: a deferred page, see ``graph/load.py``)."""
    stem = PurePath(file).stem
    try:
        return _parse(kind, stem, file, data, options or ParseOptions(), markdown)
    except Exception as exc:
        log.error("parsing %s failed", file, exc_info=exc)
        found = diagnostic(
            file,
            "internal-error",
            f"content-api failed on this file ({type(exc).__name__}): it is not served; the other "
            "pages are. Please report it with the file",
        )
        return _KINDS[kind][0](slug=slugify(stem), file=file, diagnostics=[found])


def _parse(
    kind: Kind, stem: str, file: str, data: bytes | str, options: ParseOptions, markdown: bool
) -> Page:
    struct, spec, title_key = _KINDS[kind]
    ctx = Context(file)
    text = decode(data, ctx)
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    body: m.Root | None = None
    if text is not None:
        fm = compose_front_matter(text, ctx)
        if fm.node is not None:
            reader = Reader(ctx, text.split("\n"), fm.line, options, slugify(stem), markdown)
            try:
                values, extra = read_mapping(fm.node, spec, reader)
            finally:
                reader.close()
        _title_missing(ctx, fm.found, fm.line, values.get(title_key), title_key)
        if markdown and fm.body.strip():
            body, _ = parse_markdown(fm.body, fm.body_line, ctx, options, slugify(stem))
    slug, aliases = _identity(kind, stem, values)
    if kind != "service":
        values["aliases"] = aliases
    ctx.summarize()
    diagnostics = sorted(ctx.diagnostics, key=lambda d: (d.line, d.column))
    return struct(slug=slug, file=file, **values, body=body, extra=extra, diagnostics=diagnostics)


def _title_missing(ctx: Context, found: bool, fm_line: int, title: str | None, key: str) -> None:
    if title:
        return
    if not found:
        ctx.add(1, 1, "title-missing", f"the file has no front matter, so no '{key}'")
    else:
        ctx.add(fm_line + 1, 1, "title-missing", f"the front matter has no '{key}' (or it is empty)")


def _identity(kind: Kind, stem: str, values: dict[str, Any]) -> tuple[str, list[str]]:
    """The slug and aliases of a page: an API's slug is its title's (the contract's API rule), its
    file name an alias; a producer's and a service's slug is its file name, a producer's acronym
    and name are aliases. Every alias is normalized as references are."""
    if kind == "api":
        slug = api_slug(values.get("title") or "") or api_slug(stem)
        names = [api_slug(stem)]
    else:
        slug = slugify(stem)
        names = [slugify(values.get(key) or "") for key in ("acronym", "name")] if kind == "producer" else []
    aliases = []
    for alias in names:
        if alias and alias != slug and alias not in aliases:
            aliases.append(alias)
    return slug, aliases
