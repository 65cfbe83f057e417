"""mdast's rendering hints (``data.hName``/``hProperties``/``hChildren``) on every node that needs them.

With them, a frontend's plain unified pipeline — ``toHtml(toHast(body, {allowDangerousHtml:
true}), {allowDangerousHtml: true})``, no handler of ours — renders what :func:`render_html` renders
(as DOM: attribute order, ``<br>`` forms, entities and line-ending whitespace aside):

* ``heading``: ``hProperties.id`` (the TOC's anchor);
* ``link`` / ``image``: ``hProperties.href`` / ``src``, the URL exactly as render_html writes it
  (percent-encoded, IDN host in punycode: to-hast's own encoding differs); an image's ``width``
  and ``height`` when its file was measured (``ASSETS_DIR``);
* a task ``listItem`` and its ``list``: ``hProperties.className: null`` (no GitHub classes);
* ``external``: an ``<a target="_blank" rel="noopener noreferrer">`` whose ``hChildren`` end with
  the visually hidden new-window note; ``button``: an ``<a class="button">``; an inline ``quote``:
  ``<q>``; a block ``quote``: the ``<figure class="quote">`` with its ``<blockquote>`` and
  ``<figcaption>`` in ``hChildren``; any other ``component``: a ``<div>`` (``<span>`` inline) with
  ``data-component`` and ``data-props``; ``editorTable``: a ``<table class="editors">`` with its
  head and body in ``hChildren``.

The typed fields stay the truth (``href``, ``props``, ``editors``, ``id``): the hints repeat them for
to-hast. Nodes are hinted children first, so a component's ``hChildren`` holds its descendants'
hints too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from . import model as m
from .hast import normalize_uri, to_hast, wrap
from .hast_types import Data, HastElement, HastNode, HastText
from .render import NEW_WINDOW_TEXT, written_url

__all__ = ["add_hints"]


#: How many nodes with ``hChildren`` one chain of nested nodes may hold. Each repeats the hast of
#: all it holds, so nested ones repeat the innermost content once per level: capped, a hostile file
#: of nested Quotes serves at most this many copies (each with hName/hProperties still).
MAX_HINT_DEPTH = 4

#: Bytes of ``hChildren`` and ``dataProps`` (as JSON) one guide may hold: this much, plus this many
#: times the file's size. Real guides hold under their own size; a hostile file (a 1 MB prop of
#: quotes, escaped twice in ``data-props``; a Quote around a megabyte of table rows) cannot
#: multiply its JSON past it: the hints past it are left out.
HINT_BUDGET_BASE = 1 << 20
HINT_BUDGET_FACTOR = 4


class HintReport:
    """The lines of the nodes whose repeating hints were left out, and why (empty for real guides)."""

    def __init__(self, budget: int) -> None:
        self.left = budget
        self.too_deep: list[int] = []  # more than MAX_HINT_DEPTH nested
        self.too_large: list[int] = []  # past the budget of bytes


def add_hints(node: m.Node, budget: int | None = None) -> HintReport:
    """Set ``data`` on ``node`` and every node under it that is not plain mdast (in place).

    ``budget``: bytes of ``hChildren`` and ``dataProps`` the whole tree may hold (unbounded when
    None). Says which nodes were left without them (see :class:`HintReport`).
    """
    report = HintReport(budget if budget is not None else 1 << 62)
    _hint(node, report, node.position.start.line if node.position else 1)
    return report


def _hint(node: m.Node, report: HintReport, line: int) -> int:
    """Hint ``node``'s subtree, children first; the most hChildren-holding nodes in one chain.
    ``line``: the node's, or its closest ancestor's (inline nodes have no position)."""
    if node.position is not None:
        line = node.position.start.line
    below = 0
    for child in getattr(node, "children", None) or ():
        depth = _hint(child, report, line)
        if depth > below:
            below = depth
    hint = _HINTS.get(type(node))
    if hint is None:
        return below
    data = node.data = hint(node)
    if data is None:
        return below
    _spend(data, report, line)
    if data.h_children is None:
        return below
    if below >= MAX_HINT_DEPTH:
        data.h_children = None
        report.too_deep.append(line)
        return below
    return below + 1


def _spend(data: Data, report: HintReport, line: int) -> None:
    """Count the repeating hints of ``data`` against the budget; past it, leave them out."""
    props = data.h_properties.get("dataProps") if data.h_properties else None
    size = len(msgspec.json.encode(props)) if isinstance(props, str) else 0  # escaped again in the JSON
    if data.h_children is not None:
        size += len(msgspec.json.encode(data.h_children))
    if not size:
        return
    if size <= report.left:
        report.left -= size
        return
    data.h_children = None
    if props is not None and data.h_properties:
        del data.h_properties["dataProps"]
    report.too_large.append(line)


def _heading(node: m.Heading) -> Data | None:
    return Data(h_properties={"id": node.id}) if node.id else None


def _link(node: m.Link) -> Data | None:
    return _address("href", node.url)


def _image(node: m.Image) -> Data | None:
    data = _address("src", node.url)
    if node.width and node.height:  # measured in ASSETS_DIR: render_html writes them too
        data = data or Data(h_properties={})
        data.h_properties = {**(data.h_properties or {}), "width": node.width, "height": node.height}
    return data


def _address(name: str, url: str) -> Data | None:
    """The URL as render_html writes it, when to-hast would write it otherwise (an IDN host, a
    ``%`` escape of letters, characters the two encode differently): most URLs need no hint."""
    written = written_url(url)
    return None if written == normalize_uri(url) else Data(h_properties={name: written})


def _list(node: m.List) -> Data | None:
    tasks = any(getattr(item, "checked", None) is not None for item in node.children)
    return Data(h_properties={"className": None}) if tasks else None


def _list_item(node: m.ListItem) -> Data | None:
    return Data(h_properties={"className": None}) if node.checked is not None else None


def _external(node: m.External) -> Data:
    properties: dict[str, Any] = {}
    href = written_url(node.href, normalize=False)
    if href is not None:
        properties["href"] = href
    properties["target"] = "_blank"
    properties["rel"] = ["noopener", "noreferrer"]
    note = _element("span", [HastText(NEW_WINDOW_TEXT)], className=["sr-only"])
    content = _children(node)
    if not node.inline:  # its blocks on their own lines, as render_html writes them
        content = wrap(content, loose=True)
    return Data(h_name="a", h_properties=properties, h_children=[*content, note])


def _button(node: m.Button) -> Data:
    properties: dict[str, Any] = {}
    href = written_url(node.href, normalize=False)
    if href is not None:  # first, as in every hint: guide_links skips the addresses of hints
        properties["href"] = href
    properties["className"] = ["button", "button-alt"] if node.alt else ["button"]
    return Data(h_name="a", h_properties=properties)


def _quote(node: m.Quote) -> Data:
    if node.inline:
        return Data(h_name="q")
    blockquote = to_hast(m.Blockquote(children=node.children))
    caption: list[HastNode] = []
    logo = written_url(node.logo, normalize=False)
    if logo:
        measured = node.logo_width and node.logo_height  # ASSETS_DIR: render_html writes them too
        size = {"width": node.logo_width, "height": node.logo_height} if measured else {}
        caption.append(_element("img", [], src=logo, alt="", **size))
    if node.who:
        link = written_url(node.link, normalize=False)
        who = HastText(node.who)
        caption.append(_element("a", [who], href=link) if link else who)
    if node.title:
        caption.append(_element("cite", [HastText(node.title)]))
    children: list[HastNode] = [*blockquote]
    if caption:
        spaced: list[HastNode] = [caption[0]]
        for item in caption[1:]:
            spaced += [HastText(" "), item]
        children += [HastText("\n"), _element("figcaption", spaced)]
    return Data(h_name="figure", h_properties={"className": ["quote"]}, h_children=children)


def _component(node: m.Component) -> Data:
    properties: dict[str, Any] = {"dataComponent": node.name}
    if node.props:
        properties["dataProps"] = msgspec.json.encode(node.props).decode()
    return Data(h_name="span" if node.inline else "div", h_properties=properties)


def _editor_table(node: m.EditorTable) -> Data:
    (table,) = to_hast(m.Table(align=node.align, children=node.children))
    children = table.children if isinstance(table, HastElement) else []
    return Data(h_name="table", h_properties={"className": ["editors"]}, h_children=children)


def _children(node: m.Node) -> list[HastNode]:
    """The hast of ``node``'s children, as to-hast's ``all`` makes it (no line endings added)."""
    return to_hast(m.Paragraph(children=getattr(node, "children", [])))[0].children  # type: ignore[union-attr]


def _element(tag: str, children: list[HastNode], **properties: Any) -> HastElement:
    return HastElement(tag_name=tag, properties=properties, children=children)


_HINTS: dict[type, Callable[[Any], Data | None]] = {
    m.Heading: _heading,
    m.Link: _link,
    m.Image: _image,
    m.List: _list,
    m.ListItem: _list_item,
    m.External: _external,
    m.Button: _button,
    m.Quote: _quote,
    m.Component: _component,
    m.EditorTable: _editor_table,
}
