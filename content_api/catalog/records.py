"""Section records for search indexers (Algolia DocSearch, Meilisearch, Typesense...).

A guide is cut into sections: its introduction (what comes before its first ``##`` heading,
a ``lvl1`` record), then each ``##`` (``lvl2``) and ``###`` (``lvl3``) heading of the body's top
level with what follows it up to the next one; deeper headings, and headings inside a component or
a quote, stay in their section. Each section is one :class:`SectionRecord`, DocSearch-shaped: its
``hierarchy`` names the collection, the guide and the headings above it, its ``content`` is the
section's plain text (:func:`~content_api.plain_text.render_text`, components' text included) cut
at :data:`MAX_CONTENT_CHARS` on a word boundary.

Only the guides a site search should show have records: published, not ``noindex`` and not
``search: false``. Framework-free: the web layer serves what :func:`section_records` gives.
"""

from __future__ import annotations

import urllib.parse
from typing import Annotated, Literal

import msgspec

from .. import model as m
from ..plain_text import render_text

#: A record's ``content`` is cut to at most this many characters, at the last space or line
#: break before the limit (a word longer than the whole limit is cut where the limit falls):
#: Algolia's smallest plans take 10 KB a record, and 4,000 characters of French text stay under it.
MAX_CONTENT_CHARS = 4000
#: ``hierarchy.lvl0`` by default: the collection the records belong to.
COLLECTION_LABEL = "Guides"
#: The heading depths that start a section (the TOC's).
SECTION_DEPTHS = (2, 3)
#: Characters kept as they are in a URL's fragment (RFC 3986's pchar, "/" and "?"); the others,
#: accented letters included, are percent-encoded as UTF-8.
_FRAGMENT_SAFE = "!$&'()*+,;=:@/?-._~"

RecordType = Literal["lvl1", "lvl2", "lvl3"]


class RecordHierarchy(msgspec.Struct):
    """Where a section sits: the collection, the guide's title, the headings above it (null below
    the section's own level)."""

    lvl0: str
    lvl1: str
    lvl2: str | None = None
    lvl3: str | None = None


class SectionRecord(msgspec.Struct, kw_only=True):
    """One section of a guide, as a search indexer imports it."""

    objectID: Annotated[
        str, msgspec.Meta(description="`<slug>#<anchor>`, or `<slug>` for the introduction (lvl1)")
    ]
    url: Annotated[str, msgspec.Meta(description="SITE_URL/guides/<slug>#<anchor> (no fragment for lvl1)")]
    url_without_anchor: str
    anchor: Annotated[
        str | None,
        msgspec.Meta(description="the heading's id, as in the guide's `toc`; null for the introduction"),
    ]
    type: RecordType
    hierarchy: RecordHierarchy
    content: Annotated[
        str,
        msgspec.Meta(
            description=f"the section's plain text, cut at {MAX_CONTENT_CHARS} characters on a word boundary"
        ),
    ]
    tags: list[m.Tag]
    apis: Annotated[list[str], msgspec.Meta(description="API slugs")]
    updated: str | None
    position: Annotated[int, msgspec.Meta(description="the section's order in the guide, from 0")]


class RecordList(msgspec.Struct):
    """A page of /search/records."""

    data: list[SectionRecord]
    meta: m.ListMeta
    links: m.ListLinks


def searchable(guide: m.Guide) -> bool:
    """True when ``guide`` belongs in a site search: published, indexable, not ``search: false``."""
    return guide.publish and not guide.noindex and guide.search


def cut_content(text: str, limit: int = MAX_CONTENT_CHARS) -> str:
    """``text`` if it fits in ``limit`` characters, else cut at its last whitespace before it."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]  # a space just past the limit still ends the last whole word
    cut = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    return (text[:cut] if cut > 0 else text[:limit]).rstrip()


def _sections(body: m.Root) -> list[tuple[m.Heading | None, list[m.AnyNode]]]:
    """The introduction then each top-level ``##``/``###`` heading, with the blocks after it."""
    sections: list[tuple[m.Heading | None, list[m.AnyNode]]] = [(None, [])]
    for node in body.children:
        if isinstance(node, m.Heading) and node.depth in SECTION_DEPTHS:
            sections.append((node, []))
        else:
            sections[-1][1].append(node)
    return sections


def section_records(
    guide: m.Guide, body: m.Root, site_url: str, label: str = COLLECTION_LABEL
) -> list[SectionRecord]:
    """The records of ``guide`` (whose AST is ``body``), URLs under ``site_url``; none unless it is
    :func:`searchable`."""
    if not searchable(guide):
        return []
    slug = guide.slug or ""
    page = f"{site_url.rstrip('/')}/guides/{urllib.parse.quote(slug)}"
    title = guide.title or slug
    apis = [api.slug for api in guide.apis]
    records = []
    lvl2: str | None = None
    for position, (heading, blocks) in enumerate(_sections(body)):
        anchor: str | None = None
        kind: RecordType = "lvl1"
        hierarchy = RecordHierarchy(label, title)
        if heading is not None:
            text = " ".join(render_text(heading).split())  # the TOC's text
            lvl2 = text if heading.depth == 2 else lvl2
            hierarchy = RecordHierarchy(label, title, lvl2, text if heading.depth == 3 else None)
            anchor, kind = heading.id, "lvl2" if heading.depth == 2 else "lvl3"
        fragment = "" if anchor is None else "#" + urllib.parse.quote(anchor, safe=_FRAGMENT_SAFE)
        records.append(
            SectionRecord(
                objectID=slug if anchor is None else f"{slug}#{anchor}",
                url=page + fragment,
                url_without_anchor=page,
                anchor=anchor,
                type=kind,
                hierarchy=hierarchy,
                content=cut_content(render_text(m.Root(children=blocks))),
                tags=guide.tags,
                apis=apis,
                updated=guide.updated,
                position=position,
            )
        )
    return records
