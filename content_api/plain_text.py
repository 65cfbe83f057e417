"""AST -> plain text, and the visible text of raw HTML.

``render_text`` gives readable plain text for search indexers: one block per paragraph, list
items on their own lines, table cells separated by `` | ``, raw HTML without its tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import model as m
from .urls import unescape_html

_MARKUP = re.compile(r"<(?:!--|(?i:script|style)\b|[a-zA-Z/!?])")
_BLANKS = re.compile(r"\n{3,}")


def html_to_text(value: str) -> str:
    """The visible text of raw HTML: tags, comments, scripts and styles removed, entities decoded.

    One pass from left to right: a comment, script or style that is never closed hides the rest,
    as in a browser; an unfinished tag is text. No part is read twice (a regular expression that
    looks for the end of each of a thousand unclosed ``<!--`` reads the rest a thousand times).
    """
    if "<" not in value:
        return unescape_html(value)
    out: list[str] = []
    lowered: str | None = None
    pos = 0
    while (found := _MARKUP.search(value, pos)) is not None:
        out.append(value[pos : found.start()])
        opener = found.group().lower()
        if opener == "<!--":
            end = value.find("-->", found.end())
            after = end + 3
        elif opener in ("<script", "<style"):
            lowered = lowered if lowered is not None else value.lower()
            end = lowered.find("</" + opener[1:], found.end())
            end = value.find(">", end) if end >= 0 else -1
            after = end + 1
        else:
            end = value.find(">", found.start())
            if end < 0:
                pos = found.start()  # an unfinished tag: the rest is text
                break
            after = end + 1
        if end < 0:
            pos = len(value)
            break
        out.append(" ")
        pos = after
    out.append(value[pos:])
    return unescape_html("".join(out))


def _inline_text(nodes: Iterable[m.Node], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, (m.Text, m.InlineCode)):
            out.append(node.value)
        elif isinstance(node, m.Break):
            out.append("\n")
        elif isinstance(node, m.Image):
            out.append(node.alt)
        elif isinstance(node, m.Html):
            out.append(html_to_text(node.value))
        else:
            children = getattr(node, "children", None)
            if children is None:
                continue
            if getattr(node, "inline", True):
                _inline_text(children, out)
            else:  # a block component written inside a paragraph's flow
                _block_text(node, out)


def _blocks_text(nodes: Iterable[m.Node], out: list[str], prefix: str = "") -> None:
    first = True
    for node in nodes:
        if not first:
            out.append("\n\n" if not prefix else "\n")
        first = False
        _block_text(node, out, prefix)


def _table_text(table: m.Table | m.EditorTable) -> str:
    """One line a row, its cells' text separated by `` | ``."""
    rows = []
    for row in table.children:
        cells = []
        for cell in getattr(row, "children", ()):
            parts: list[str] = []
            _inline_text(getattr(cell, "children", ()), parts)
            cells.append("".join(parts).strip())
        rows.append(" | ".join(cells))
    return "\n".join(rows)


def _signature(quote: m.Quote) -> str:
    """A quote's ``— who, title`` line, or nothing."""
    signature = ", ".join(part for part in (quote.who, quote.title) if part)
    return f"\n— {signature}" if signature else ""


def _block_text(node: m.Node, out: list[str], prefix: str = "") -> None:
    if isinstance(node, (m.Paragraph, m.Heading, m.TableCell)):
        _inline_text(node.children, out)
    elif isinstance(node, m.List):
        _list_text(node, out, prefix)
    elif isinstance(node, (m.Table, m.EditorTable)):
        out.append(_table_text(node))
    elif isinstance(node, m.Code):
        out.append(node.value)
    elif isinstance(node, m.Html):
        out.append(html_to_text(node.value).strip())
    elif isinstance(node, m.Quote):
        _blocks_text(node.children, out)
        out.append(_signature(node))
    elif isinstance(node, (m.Text, m.InlineCode, m.Break, m.Image, m.Link)):
        _inline_text([node], out)
    elif getattr(node, "inline", False):
        _inline_text(getattr(node, "children", ()), out)
    else:
        _blocks_text(getattr(node, "children", ()), out)


def _list_text(node: m.List, out: list[str], prefix: str) -> None:
    number = node.start if node.start is not None else 1
    for index, item in enumerate(node.children):
        if index:
            out.append("\n")
        marker = f"{number + index}. " if node.ordered else "- "
        out.append(prefix + marker)
        _blocks_text(getattr(item, "children", ()), out, prefix + "  ")


def render_text(node: m.Node) -> str:
    """Readable plain text of ``node`` for indexers and excerpts."""
    out: list[str] = []
    _block_text(node, out)
    return _BLANKS.sub("\n\n", "".join(out)).strip()
