"""The typed data of content-api: AST nodes, guides, editor rows and diagnostics.

The AST follows mdast (https://github.com/syntax-tree/mdast): every node is a JSON object whose
``type`` tags it; parents have ``children``, leaves have ``value``. Block nodes carry a
``position`` with 1-based lines of the source file (front matter counted); inline nodes omit it.

Component nodes (``quote``, ``external``, ``button``, ``component``, ``editorTable``) are the
content-api additions described in the contract. Each component node says whether it was
written inline (inside a paragraph) or as a block; ``children`` are phrasing content when
``inline`` is true and flow content otherwise.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import msgspec

from .hast_types import Data
from .located import Located

Severity = Literal["error", "warning", "info"]
Align = Literal["left", "right", "center"] | None


class Point(msgspec.Struct, frozen=True):
    line: int
    column: int


class Position(msgspec.Struct, frozen=True):
    start: Point
    end: Point


class Node(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    """Base of every AST node; ``position`` is present on block nodes only, ``data`` on the nodes
    whose rendering mdast-util-to-hast needs told (headings, links, images, task lists, components).
    """

    position: Position | None = None
    data: Data | None = None


# --- flow (block) content -------------------------------------------------------------------------


class Root(Node, tag="root"):
    children: list[AnyNode]


class Paragraph(Node, tag="paragraph"):
    children: list[AnyNode]


class Heading(Node, tag="heading"):
    depth: int
    id: str
    children: list[AnyNode]


class ThematicBreak(Node, tag="thematicBreak"):
    pass


class Blockquote(Node, tag="blockquote"):
    children: list[AnyNode]


class List(Node, tag="list"):
    ordered: bool
    start: int | None
    spread: bool
    children: list[AnyNode]


class ListItem(Node, tag="listItem"):
    spread: bool
    checked: bool | None
    children: list[AnyNode]


class Code(Node, tag="code"):
    lang: str | None
    meta: str | None
    value: str


class Html(Node, tag="html"):
    """Raw HTML, kept verbatim (block or inline)."""

    value: str


class Table(Node, tag="table"):
    align: list[Align]
    children: list[AnyNode]


class TableRow(Node, tag="tableRow"):
    children: list[AnyNode]


class TableCell(Node, tag="tableCell"):
    children: list[AnyNode]


# --- phrasing (inline) content --------------------------------------------------------------------


class Text(Node, tag="text"):
    value: str


class Emphasis(Node, tag="emphasis"):
    children: list[AnyNode]


class Strong(Node, tag="strong"):
    children: list[AnyNode]


class Delete(Node, tag="delete"):
    children: list[AnyNode]


class InlineCode(Node, tag="inlineCode"):
    value: str


class Break(Node, tag="break"):
    pass


class Link(Node, tag="link"):
    #: never null: an unsafe link is not a link (its text stays, with a ``url-unsafe`` warning)
    url: str
    title: str | None
    children: list[AnyNode]


class Image(Node, tag="image"):
    #: never null: an unsafe image is its alt text (with a ``url-unsafe`` warning)
    url: str
    alt: str
    title: str | None
    #: the image file's size in pixels, when ``ASSETS_DIR`` is set and the file is found there
    width: int | None = None
    height: int | None = None


# --- components -----------------------------------------------------------------------------------


class Quote(Node, tag="quote"):
    """``<Quote logo link who title>``: a testimonial."""

    logo: str | None
    link: str | None
    who: str | None
    title: str | None
    inline: bool
    children: list[AnyNode]
    extra: dict[str, Any] = msgspec.field(default_factory=dict)
    #: the logo file's size in pixels, when ``ASSETS_DIR`` is set and the file is found there
    logo_width: int | None = None
    logo_height: int | None = None


class External(Node, tag="external"):
    """``<External href>``: a link that opens a new tab."""

    href: str | None
    inline: bool
    children: list[AnyNode]
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class Button(Node, tag="button"):
    """``<Button href alt>``: a call-to-action link styled as a button."""

    href: str | None
    alt: bool
    inline: bool
    children: list[AnyNode]
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class Component(Node, tag="component"):
    """Any other JSX-like component, e.g. ``<NextSteps />`` or ``<Datagouv title href>``."""

    name: str
    props: dict[str, Any]
    inline: bool
    children: list[AnyNode]


class Api(msgspec.Struct, frozen=True):
    slug: str
    name: str
    #: a site-layout folder's API page this name resolves to (null: none); absent without api/
    page: str | msgspec.UnsetType | None = msgspec.UNSET


class Tag(msgspec.Struct, frozen=True):
    slug: str
    label: str


class EditorRow(msgspec.Struct):
    """One software vendor connected to an API, read from an editor table."""

    editor: str
    solution: str | None
    solution_url: str | None
    date: str | None
    request_url: str | None
    guide: str | None
    apis: list[Api]
    extra: dict[str, str]
    #: ``date`` read: the first day (``YYYY-MM-01``) of the month, quarter, semester or year it
    #: names, or None when it names none (``Disponible``); see parse/editor_dates.py
    available: str | None = None
    #: ``date`` says the date is a plan (``prévu T1 2024``, ``à venir``)
    planned: bool = False


class EditorTable(Node, tag="editorTable"):
    """A GFM table whose first header cell is ``Éditeur(s)``, with its typed rows."""

    align: list[Align]
    children: list[AnyNode]
    editors: list[EditorRow]


AnyNode = (
    Root
    | Paragraph
    | Heading
    | ThematicBreak
    | Blockquote
    | List
    | ListItem
    | Code
    | Html
    | Table
    | TableRow
    | TableCell
    | Text
    | Emphasis
    | Strong
    | Delete
    | InlineCode
    | Break
    | Link
    | Image
    | Quote
    | External
    | Button
    | Component
    | EditorTable
)

#: Every node type, in the order of :data:`AnyNode`.
NODE_TYPES: tuple[type[Node], ...] = get_args(AnyNode)


# --- guides ---------------------------------------------------------------------------------------


# gc=False: not tracked by the cyclic garbage collector, as it holds strings and ints only (never
# part of a cycle), and a served library holds hundreds of thousands of them.
class Diagnostic(msgspec.Struct, frozen=True, gc=False):
    """A problem found in a guide: where it is, how bad it is, and what to do."""

    file: str | None
    line: int
    column: int
    severity: Severity
    code: str
    message: str


class TocEntry(msgspec.Struct, frozen=True):
    depth: int
    id: str
    text: str


class Guide(msgspec.Struct, kw_only=True):
    """A parsed guide file: front matter, body AST and what is derived from them."""

    slug: str | None
    file: str | None
    title: str | None
    tagline: str | None
    tags: list[Tag]
    apis: list[Api]
    image: str | None
    #: the ``image`` file's size in pixels, when ``ASSETS_DIR`` is set and the file is found there
    image_width: int | None = None
    image_height: int | None = None
    publish: bool
    noindex: bool
    #: ``search: false``: left out of site search (the section records), still in the sitemap
    search: bool = True
    related: list[str]
    updated: str | None
    #: ``redirect_from``: old slugs answering 301 here; ``redirect_to``: where it moved (see redirects.py)
    redirect_from: list[Located] = msgspec.field(default_factory=list)
    redirect_to: Located | None = None
    extra: dict[str, Any]
    body: Root
    toc: list[TocEntry]
    editors: list[EditorRow]
    excerpt: str
    reading_time: int
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        """True when the guide has no error diagnostic and can be served."""
        return not any(d.severity == "error" for d in self.diagnostics)


class GuideSummary(msgspec.Struct, kw_only=True):
    """What ``/guides`` lists for each guide (contract section 4)."""

    slug: str
    path: str
    title: str
    tagline: str | None
    tags: list[Tag]
    apis: list[Api]
    image: str | None
    image_url: str | None
    thumbnail_url: str | None
    #: the image's size in pixels (null when unknown: no ``ASSETS_DIR``, not found, not local)
    image_width: int | None
    image_height: int | None
    publish: bool
    noindex: bool
    related: list[str]
    updated: str | None
    excerpt: str
    reading_time: int
    extra: dict[str, Any]


class GuideDetail(GuideSummary, kw_only=True):
    """``/guides/{slug}``: the summary, the body AST, the TOC, related guides and editors."""

    body: Root
    toc: list[TocEntry]
    related_guides: list[GuideSummary]
    editors: list[EditorRow]


# --- HTTP response shapes (for the OpenAPI document) ----------------------------------------------


class GuideHit(GuideSummary, kw_only=True):
    """A /guides item: a GuideSummary (or the fields asked for) and, with ``q``, a snippet."""

    snippet: str | None = None


class ListMeta(msgspec.Struct):
    total: int
    page: int
    per_page: int
    pages: int


class ListLinks(msgspec.Struct):
    self: str
    next: str | None
    prev: str | None


class GuideList(msgspec.Struct, omit_defaults=True):
    """A page of /guides; ``warning`` only when the search was stopped (the page is then empty)."""

    data: list[GuideHit]
    meta: ListMeta
    links: ListLinks
    warning: Annotated[
        str | None,
        msgspec.Meta(
            description="present when the search (`q`) ran past its time budget and was stopped: "
            "`data` is then empty and `meta.total` 0; the same query may succeed later"
        ),
    ] = None


class GuideWithRenderings(GuideDetail, kw_only=True):
    """/guides/{slug}: with ``include=html`` and ``include=text``, the renderings of the body."""

    html: str | None = None
    text: str | None = None


class Total(msgspec.Struct):
    total: int


class EditorMeta(msgspec.Struct, omit_defaults=True):
    """``total`` always; ``page``, ``per_page`` and ``pages`` when the request asked for a page."""

    total: int
    page: int | None = None
    per_page: int | None = None
    pages: int | None = None


class EditorList(msgspec.Struct):
    data: list[EditorRow]
    meta: EditorMeta


class TagFacet(msgspec.Struct):
    slug: str
    label: str
    guides: int


class ApiFacet(msgspec.Struct):
    slug: str
    name: str
    guides: int
    editors: int


class TagList(msgspec.Struct):
    data: list[TagFacet]


class ApiList(msgspec.Struct):
    data: list[ApiFacet]
