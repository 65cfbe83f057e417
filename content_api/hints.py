"""mdast's rendering hints (``data.hName``/``hProperties``/``hChildren``) on every node that needs them.

With them, a frontend's plain unified pipeline — ``toHtml(toHast(body, {allowDangerousHtml:
true}), {allowDangerousHtml: true})``, no handler of ours — renders what :func:`render_html` renders
(as DOM: attribute order, ``<br>`` forms, entities and line-ending whitespace aside):

* ``heading``: ``hProperties.id`` (the TOC's anchor);
* ``link`` / ``image``: ``hProperties.href`` / ``src``, the URL exactly as render_html writes it
  (percent-encoded, IDN host in punycode: to-hast's own encoding differs);
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
from .hast import to_hast, wrap
from .hast_types import Data, HastElement, HastNode, HastText
from .render import NEW_WINDOW_TEXT, written_url

__all__ = ["add_hints"]


#: How many nodes with ``hChildren`` one chain of nested nodes may hold. Each repeats the hast of
#: all it holds, so nested ones repeat the innermost content once per level: capped, a hostile file
#: of nested Quotes serves at most this many copies (each with hName/hProperties still).
MAX_HINT_DEPTH = 4

#: The nodes whose ``hChildren`` repeat their content.
_REPEATING = (m.External, m.EditorTable, m.Quote)


def add_hints(node: m.Node) -> list[m.Node]:
    """Set ``data`` on ``node`` and every node under it that is not plain mdast (in place).

    Returns the nodes left without ``hChildren`` because more than :data:`MAX_HINT_DEPTH` nested
    ones hold them (empty for any real guide).
    """
    skipped: list[m.Node] = []
    _hint(node, skipped)
    return skipped


def _hint(node: m.Node, skipped: list[m.Node]) -> int:
    """Hint ``node``'s subtree, children first; the most hChildren-holding nodes in one chain."""
    below = 0
    for child in getattr(node, "children", None) or ():
        depth = _hint(child, skipped)
        if depth > below:
            below = depth
    hint = _HINTS.get(type(node))
    if hint is None:
        return below
    data = node.data = hint(node)
    if data is None or data.h_children is None:
        return below
    if below >= MAX_HINT_DEPTH:
        data.h_children = None
        skipped.append(node)
        return below
    return below + 1


def _heading(node: m.Heading) -> Data | None:
    return Data(h_properties={"id": node.id}) if node.id else None


def _link(node: m.Link) -> Data:
    return Data(h_properties={"href": written_url(node.url)})


def _image(node: m.Image) -> Data:
    return Data(h_properties={"src": written_url(node.url)})


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
        caption.append(_element("img", [], src=logo, alt=""))
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
