"""mdast -> hast, as mdast-util-to-hast 13 does it (with ``allowDangerousHtml``), in Python.

content-api needs it to write ``data.hChildren`` (see :mod:`content_api.hints`): the hast that a
plain ``toHast`` must put inside a component it cannot render from the mdast alone (a Quote's
``<blockquote>`` and caption, an External's visually hidden note, an editor table's head and
body). So this mirrors the JavaScript handlers one for one — text trimmed per line, ``\\n`` text
between blocks (``wrap``), tight list items unwrapped, ``data`` applied after each handler —
and tests/test_unified.py checks every ``hChildren`` against the real ``toHast`` through the DOM
comparison. Positions are left out: hChildren carry none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import model as m
from .hast_types import HastElement, HastNode, HastRaw, HastText
from .render import JS_WHITESPACE
from .urls import percent_encode

__all__ = ["normalize_uri", "to_hast", "wrap"]

Content = HastNode
Result = Content | list[Content] | None

_LINE_ENDING = re.compile(r"\r?\n|\r")
#: What ``normalizeUri`` (micromark-util-sanitize-uri, to-hast's) keeps: ``%`` and two ASCII
#: letters or digits, and ``!#$&-;=?-Z_a-z~``.
_URI_KEPT = re.compile(r"(?:%[A-Za-z0-9]{2}|[!#$&-;=?-Z_a-z~])+")


def normalize_uri(url: str) -> str:
    """The ``href``/``src`` to-hast writes for ``url``: anything else percent-encoded as UTF-8."""
    return percent_encode(url, _URI_KEPT)


def to_hast(node: m.Node) -> list[Content]:
    """The hast of ``node``: what ``toHast(node, {allowDangerousHtml: true})`` gives, as a list
    (a root gives its children; a hard break gives ``<br>`` and its line ending)."""
    if isinstance(node, m.Root):
        return wrap(_all(node), loose=False)
    result = _one(node, None)
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


def _one(node: m.Node, parent: m.Node | None) -> Result:
    handler = _HANDLERS.get(type(node))
    if handler is None:
        return _unknown(node)
    return handler(node, parent)


def _all(parent: m.Node) -> list[Content]:
    values: list[Content] = []
    children: list[Any] = getattr(parent, "children", None) or []
    for index, child in enumerate(children):
        result = _one(child, parent)
        if result is None:
            continue
        if index and isinstance(children[index - 1], m.Break) and not isinstance(result, list):
            result = _trim_start(result)
        if isinstance(result, list):
            values.extend(result)
        else:
            values.append(result)
    return values


def _trim_start(result: Content) -> Content:
    """After a hard break, to-hast trims the spaces and tabs that start the next text."""
    if isinstance(result, HastText):
        return HastText(result.value.lstrip(" \t"))
    if isinstance(result, HastElement) and result.children:
        head = result.children[0]
        if isinstance(head, HastText):
            result.children = [HastText(head.value.lstrip(" \t")), *result.children[1:]]
    return result


def wrap(nodes: list[Content], loose: bool) -> list[Content]:
    """Line endings between nodes (and around them when ``loose``), as to-hast's ``wrap``."""
    result: list[Content] = [HastText("\n")] if loose else []
    for index, node in enumerate(nodes):
        if index:
            result.append(HastText("\n"))
        result.append(node)
    if loose and nodes:
        result.append(HastText("\n"))
    return result


def _element(tag: str, children: list[Content] | None = None, **properties: Any) -> HastElement:
    return HastElement(tag_name=tag, properties=properties, children=children or [])


def _apply_data(node: m.Node, result: Content) -> Content:
    """``data.hName``, ``hProperties`` and ``hChildren`` of ``node`` applied to ``result``."""
    data = node.data
    if data is None:
        return result
    if data.h_name is not None:
        if isinstance(result, HastElement):
            result.tag_name = data.h_name
        else:
            result = _element(data.h_name, [result])
    if isinstance(result, HastElement):
        if data.h_properties:
            result.properties.update(_copy(data.h_properties))
        if data.h_children is not None:
            result.children = list(data.h_children)
    return result


def _copy(properties: dict[str, Any]) -> dict[str, Any]:
    return {name: list(value) if isinstance(value, list) else value for name, value in properties.items()}


def _unknown(node: m.Node) -> Content:
    """A node to-hast has no handler for: a ``div`` of its children, then its ``data``."""
    data = node.data
    replaced = data is not None and data.h_children is not None
    if hasattr(node, "value") and not (replaced or (data is not None and data.h_properties is not None)):
        return _apply_data(node, HastText(node.value))
    children = [] if replaced else _all(node)
    return _apply_data(node, _element("div", children))


def _tag(tag: str) -> Callable[[Any, Any], Content]:
    def handle(node: Any, parent: Any) -> Content:
        return _apply_data(node, _element(tag, _all(node)))

    return handle


def _heading(node: m.Heading, parent: Any) -> Content:
    return _apply_data(node, _element(f"h{node.depth}", _all(node)))


def _blockquote(node: m.Blockquote, parent: Any) -> Content:
    return _apply_data(node, _element("blockquote", wrap(_all(node), loose=True)))


def _break(node: m.Break, parent: Any) -> list[Content]:
    return [_apply_data(node, _element("br")), HastText("\n")]


def _code(node: m.Code, parent: Any) -> Content:
    value = node.value + "\n" if node.value else ""
    properties: dict[str, Any] = {}
    language = JS_WHITESPACE.split(node.lang) if node.lang else []
    if language:
        properties["className"] = ["language-" + language[0]]
    code = _apply_data(node, HastElement(tag_name="code", properties=properties, children=[HastText(value)]))
    return _element("pre", [code])


def _html(node: m.Html, parent: Any) -> Content:
    return _apply_data(node, HastRaw(node.value))


def _image(node: m.Image, parent: Any) -> Content:
    properties: dict[str, Any] = {"src": normalize_uri(node.url), "alt": node.alt}
    if node.title is not None:
        properties["title"] = node.title
    return _apply_data(node, HastElement(tag_name="img", properties=properties, children=[]))


def _inline_code(node: m.InlineCode, parent: Any) -> Content:
    return _apply_data(node, _element("code", [HastText(_LINE_ENDING.sub(" ", node.value))]))


def _link(node: m.Link, parent: Any) -> Content:
    properties: dict[str, Any] = {"href": normalize_uri(node.url)}
    if node.title is not None:
        properties["title"] = node.title
    return _apply_data(node, HastElement(tag_name="a", properties=properties, children=_all(node)))


def _list(node: m.List, parent: Any) -> Content:
    properties: dict[str, Any] = {}
    loose = _list_loose(node)  # once for the list (to-hast computes it again for every item)
    results: list[Content] = []
    for item in node.children:
        result = _list_item(item, loose) if isinstance(item, m.ListItem) else _one(item, node)
        if isinstance(result, list):
            results.extend(result)
        elif result is not None:
            results.append(result)
    if node.start is not None and node.start != 1:
        properties["start"] = node.start
    for child in results:
        if isinstance(child, HastElement) and child.tag_name == "li":
            names = child.properties.get("className")
            if isinstance(names, list) and "task-list-item" in names:
                properties["className"] = ["contains-task-list"]
                break
    tag = "ol" if node.ordered else "ul"
    return _apply_data(node, HastElement(tag_name=tag, properties=properties, children=wrap(results, True)))


def _list_loose(parent: Any) -> bool:
    if not isinstance(parent, m.List):
        return False
    return parent.spread or any(_item_loose(item) for item in parent.children)


def _item_loose(item: Any) -> bool:
    spread = getattr(item, "spread", None)
    return len(item.children) > 1 if spread is None else bool(spread)


def _list_item_alone(node: m.ListItem, parent: Any) -> Content:
    """A list item reached otherwise than from its list (to-hast: loose as its parent if it has one)."""
    return _list_item(node, _list_loose(parent) if parent is not None else _item_loose(node))


def _list_item(node: m.ListItem, loose: bool) -> Content:
    results = _all(node)
    properties: dict[str, Any] = {}
    if node.checked is not None:
        _check_box(results, node.checked)
        properties["className"] = ["task-list-item"]
    children: list[Content] = []
    for index, child in enumerate(results):
        paragraph = isinstance(child, HastElement) and child.tag_name == "p"
        if loose or index != 0 or not paragraph:
            children.append(HastText("\n"))
        if paragraph and not loose:
            children.extend(child.children)  # type: ignore[union-attr]
        else:
            children.append(child)
    if results:
        tail = results[-1]
        if loose or not (isinstance(tail, HastElement) and tail.tag_name == "p"):
            children.append(HastText("\n"))
    return _apply_data(node, HastElement(tag_name="li", properties=properties, children=children))


def _check_box(results: list[Content], checked: bool) -> None:
    """A task item's checkbox, at the start of its first paragraph (made when there is none)."""
    head = results[0] if results else None
    if isinstance(head, HastElement) and head.tag_name == "p":
        paragraph = head
    else:
        paragraph = _element("p")
        results.insert(0, paragraph)
    box = _element("input", None, type="checkbox", checked=checked, disabled=True)
    paragraph.children = [box, *([HastText(" ")] if paragraph.children else []), *paragraph.children]


def _table(node: m.Table | m.EditorTable, parent: Any) -> Content:
    rows = _all(node)
    content: list[Content] = []
    if rows:
        content.append(_element("thead", wrap(rows[:1], True)))
    if len(rows) > 1:
        content.append(_element("tbody", wrap(rows[1:], True)))
    return _apply_data(node, _element("table", wrap(content, True)))


def _table_row(node: m.TableRow, parent: Any) -> Content:
    siblings = getattr(parent, "children", None)
    tag = "th" if siblings and siblings[0] is node else "td"  # the first row is the head
    align = parent.align if isinstance(parent, m.Table) else None
    length = len(align) if align is not None else len(node.children)
    cells: list[Content] = []
    for index in range(length):
        properties: dict[str, Any] = {}
        if align and align[index]:
            properties["align"] = align[index]
        cell = HastElement(tag_name=tag, properties=properties, children=[])
        if index < len(node.children):
            source = node.children[index]
            cell.children = _all(source)
            cells.append(_apply_data(source, cell))
        else:
            cells.append(cell)
    return _apply_data(node, _element("tr", wrap(cells, True)))


def _text(node: m.Text, parent: Any) -> Content:
    return _apply_data(node, HastText(_trim_lines(node.value)))


def _trim_lines(value: str) -> str:
    """Spaces and tabs around line endings removed (trim-lines, which to-hast uses on text)."""
    parts = _LINE_ENDING.split(value)
    if len(parts) == 1:
        return value
    endings = _LINE_ENDING.findall(value)
    last = len(parts) - 1
    out: list[str] = []
    for index, part in enumerate(parts):
        if index:
            part = part.lstrip(" \t")
        if index < last:
            part = part.rstrip(" \t")
            out.append(part + endings[index])
        else:
            out.append(part)
    return "".join(out)


_HANDLERS: dict[type, Callable[[Any, Any], Result]] = {
    m.Blockquote: _blockquote,
    m.Break: _break,
    m.Code: _code,
    m.Delete: _tag("del"),
    m.Emphasis: _tag("em"),
    m.Heading: _heading,
    m.Html: _html,
    m.Image: _image,
    m.InlineCode: _inline_code,
    m.Link: _link,
    m.List: _list,
    m.ListItem: _list_item_alone,
    m.Paragraph: _tag("p"),
    m.Strong: _tag("strong"),
    m.Table: _table,
    m.TableCell: _tag("td"),
    m.TableRow: _table_row,
    m.Text: _text,
    m.ThematicBreak: lambda node, parent: _apply_data(node, _element("hr")),
}
