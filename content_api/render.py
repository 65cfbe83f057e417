"""AST -> HTML.

``render_html`` writes standard nodes exactly as the CommonMark spec (and GFM for tables and
strikethrough) does, following commonmark.js: a block starts and ends on its own line (``cr``),
paragraphs of tight lists lose their ``<p>``. Components become semantic HTML:

* ``external``: ``<a href target="_blank" rel="noopener noreferrer">``, its text followed by
  ``<span class="sr-only"> (nouvelle fenêtre)</span>`` (RGAA 13.2: a link that opens a new window
  says so; the class hides it from sight only, and without a stylesheet it shows);
* ``button``: ``<a class="button" href>`` (``button button-alt`` for ``alt``);
* ``quote``: ``<figure class="quote">`` with ``<blockquote>`` and a ``<figcaption>`` (logo, who, title);
* any other component: ``<div data-component="Name" data-props="{json}">`` (``<span>`` when inline).

AST -> plain text is :mod:`content_api.plain_text` (``render_text`` is importable from here too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from . import model as m
from .plain_text import render_text
from .urls import is_unsafe_url, normalize_link

__all__ = ["NEW_WINDOW_NOTE", "NEW_WINDOW_TEXT", "escape", "render_html", "render_text", "written_url"]

# --- HTML -----------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape for HTML text and attribute values (``&``, ``<``, ``>``, ``"``)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


#: JavaScript's ``\s`` (Python's differs: U+0085 and U+001C-U+001F in, U+FEFF out): what the
#: reference renderers and mdast-util-to-hast split an info string's words on.
JS_WHITESPACE = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")


class _Html:
    """One rendering: the output chunks and the commonmark.js ``cr`` discipline."""

    def __init__(self, heading_ids: bool) -> None:
        self.out: list[str] = []
        self.heading_ids = heading_ids

    def lit(self, text: str) -> None:
        self.out.append(text)

    def cr(self) -> None:
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")

    def children(self, nodes: Iterable[m.Node], tight: bool = False) -> None:
        for node in nodes:
            _HTML[type(node)](self, node, tight)

    def block(self, open_tag: str, close_tag: str, nodes: Iterable[m.Node]) -> None:
        self.cr()
        self.lit(open_tag)
        self.cr()
        self.children(nodes)
        self.cr()
        self.lit(close_tag)
        self.cr()


def _root(r: _Html, node: Any, tight: bool) -> None:
    r.children(node.children)


def _paragraph(r: _Html, node: m.Paragraph, tight: bool) -> None:
    if tight:
        r.children(node.children)
        return
    r.cr()
    r.lit("<p>")
    r.children(node.children)
    r.lit("</p>")
    r.cr()


def _heading(r: _Html, node: m.Heading, tight: bool) -> None:
    r.cr()
    if r.heading_ids and node.id:
        r.lit(f'<h{node.depth} id="{escape(node.id)}">')
    else:
        r.lit(f"<h{node.depth}>")
    r.children(node.children)
    r.lit(f"</h{node.depth}>")
    r.cr()


def _thematic_break(r: _Html, node: m.ThematicBreak, tight: bool) -> None:
    r.cr()
    r.lit("<hr />")
    r.cr()


def _blockquote(r: _Html, node: m.Blockquote, tight: bool) -> None:
    r.block("<blockquote>", "</blockquote>", node.children)


def _list(r: _Html, node: m.List, tight: bool) -> None:
    if node.ordered:
        start = node.start if node.start is not None else 1
        open_tag, close_tag = ("<ol>" if start == 1 else f'<ol start="{start}">'), "</ol>"
    else:
        open_tag, close_tag = "<ul>", "</ul>"
    r.cr()
    r.lit(open_tag)
    r.cr()
    r.children(node.children, tight=not node.spread)
    r.cr()
    r.lit(close_tag)
    r.cr()


def _list_item(r: _Html, node: m.ListItem, tight: bool) -> None:
    r.lit("<li>")
    children: list[m.Node] = list(node.children)
    if node.checked is not None:
        checked = 'checked="" ' if node.checked else ""
        box = f'<input {checked}disabled="" type="checkbox" /> '
        if tight or not children or not isinstance(children[0], m.Paragraph):
            r.lit(box)
        else:  # loose: inside the first paragraph, as GitHub and mdast-util-to-hast write it
            r.cr()
            first: m.Paragraph = children.pop(0)  # type: ignore[assignment]
            r.lit("<p>" + (box if first.children else box.rstrip()))
            r.children(first.children)
            r.lit("</p>")
            r.cr()
    r.children(children, tight=tight)
    r.lit("</li>")
    r.cr()


def _code(r: _Html, node: m.Code, tight: bool) -> None:
    r.cr()
    if node.lang:  # its first word, as markdown-it, commonmark.js and mdast-util-to-hast take it
        r.lit(f'<pre><code class="language-{escape(JS_WHITESPACE.split(node.lang, 1)[0])}">')
    else:
        r.lit("<pre><code>")
    if node.value:
        r.lit(escape(node.value) + "\n")
    r.lit("</code></pre>")
    r.cr()


def _html(r: _Html, node: m.Html, tight: bool) -> None:
    if node.position is None:  # inline HTML
        r.lit(node.value)
        return
    r.cr()
    r.lit(node.value)
    r.cr()


def _table(r: _Html, node: m.Table | m.EditorTable, tight: bool) -> None:
    r.cr()
    r.lit('<table class="editors">\n' if isinstance(node, m.EditorTable) else "<table>\n")
    rows = [row for row in node.children if isinstance(row, m.TableRow)]
    for index, row in enumerate(rows):
        if index == 0:
            r.lit("<thead>\n")
        elif index == 1:
            r.lit("<tbody>\n")
        _row(r, row, node.align, "th" if index == 0 else "td")
        if index == 0:
            r.lit("</thead>\n")
    if len(rows) > 1:
        r.lit("</tbody>\n")
    r.lit("</table>")
    r.cr()


def _row(r: _Html, row: m.TableRow, align: list[m.Align], cell_tag: str) -> None:
    r.lit("<tr>\n")
    for index, cell in enumerate(row.children):
        cell_align = align[index] if index < len(align) else None
        r.lit(f'<{cell_tag} align="{cell_align}">' if cell_align else f"<{cell_tag}>")
        r.children(getattr(cell, "children", ()))
        r.lit(f"</{cell_tag}>\n")
    r.lit("</tr>\n")


def _text(r: _Html, node: m.Text, tight: bool) -> None:
    r.lit(escape(node.value))


def _wrap(tag: str) -> Callable[[_Html, Any, bool], None]:
    def render(r: _Html, node: Any, tight: bool) -> None:
        r.lit(f"<{tag}>")
        r.children(node.children)
        r.lit(f"</{tag}>")

    return render


def _inline_code(r: _Html, node: m.InlineCode, tight: bool) -> None:
    r.lit(f"<code>{escape(node.value)}</code>")


def _break(r: _Html, node: m.Break, tight: bool) -> None:
    r.lit("<br />\n")


def written_url(url: str | None, normalize: bool = True) -> str | None:
    """``url`` as written into ``href``/``src`` (``normalize``: percent-encoded, IDN host in punycode,
    as CommonMark renderers do; component URLs are written as they are); None when it could run code
    (even in an AST built by hand: the parser has already removed such URLs, this is defence in
    depth)."""
    if url is None or is_unsafe_url(url):
        return None
    written = normalize_link(url) if normalize else url
    return None if written != url and is_unsafe_url(written) else written


def _attr(name: str, url: str | None, normalize: bool = True) -> str:
    written = written_url(url, normalize)
    return f' {name}="{escape(written)}"' if written is not None else ""


def _link(r: _Html, node: m.Link, tight: bool) -> None:
    attrs = _attr("href", node.url)
    if node.title:
        attrs += f' title="{escape(node.title)}"'
    r.lit(f"<a{attrs}>")
    r.children(node.children)
    r.lit("</a>")


def _image(r: _Html, node: m.Image, tight: bool) -> None:
    src = _attr("src", node.url)
    title = f' title="{escape(node.title)}"' if node.title else ""
    r.lit(f'<img{src} alt="{escape(node.alt)}"{title}{_size(node.width, node.height)} />')


def _size(width: int | None, height: int | None) -> str:
    """``width`` and ``height`` of an image whose file was measured (no layout shift), else nothing."""
    return f' width="{width}" height="{height}"' if width and height else ""


def _component_shell(r: _Html, node: Any, open_tag: str, close_tag: str) -> None:
    """Inline components sit in the text; block ones start and end their own lines."""
    if node.inline:
        r.lit(open_tag)
        r.children(node.children)
        r.lit(close_tag)
    else:
        r.block(open_tag, close_tag, node.children)


#: What an ``External`` link adds to its text: it opens a new window (RGAA 13.2).
NEW_WINDOW_TEXT = " (nouvelle fenêtre)"
NEW_WINDOW_NOTE = f'<span class="sr-only">{NEW_WINDOW_TEXT}</span>'


def _external(r: _Html, node: m.External, tight: bool) -> None:
    href = _attr("href", node.href, normalize=False)
    _component_shell(
        r, node, f'<a{href} target="_blank" rel="noopener noreferrer">', NEW_WINDOW_NOTE + "</a>"
    )


def _button(r: _Html, node: m.Button, tight: bool) -> None:
    href = _attr("href", node.href, normalize=False)
    css = "button button-alt" if node.alt else "button"
    _component_shell(r, node, f'<a class="{css}"{href}>', "</a>")


def _quote(r: _Html, node: m.Quote, tight: bool) -> None:
    if node.inline:
        _component_shell(r, node, "<q>", "</q>")
        return
    r.cr()
    r.lit('<figure class="quote">\n')
    r.block("<blockquote>", "</blockquote>", node.children)
    caption = []
    logo = written_url(node.logo, normalize=False)
    if logo:
        caption.append(f'<img src="{escape(logo)}" alt=""{_size(node.logo_width, node.logo_height)} />')
    if node.who:
        who = escape(node.who)
        link = written_url(node.link, normalize=False)
        caption.append(f'<a href="{escape(link)}">{who}</a>' if link else who)
    if node.title:
        caption.append(f"<cite>{escape(node.title)}</cite>")
    if caption:
        r.lit(f"<figcaption>{' '.join(caption)}</figcaption>\n")
    r.lit("</figure>")
    r.cr()


def _component(r: _Html, node: m.Component, tight: bool) -> None:
    tag = "span" if node.inline else "div"
    props = ""
    if node.props:
        props = f' data-props="{escape(msgspec.json.encode(node.props).decode())}"'
    _component_shell(r, node, f'<{tag} data-component="{escape(node.name)}"{props}>', f"</{tag}>")


_HTML: dict[type, Callable[[_Html, Any, bool], None]] = {
    m.Root: _root,
    m.Paragraph: _paragraph,
    m.Heading: _heading,
    m.ThematicBreak: _thematic_break,
    m.Blockquote: _blockquote,
    m.List: _list,
    m.ListItem: _list_item,
    m.Code: _code,
    m.Html: _html,
    m.Table: _table,
    m.EditorTable: _table,
    m.Text: _text,
    m.Emphasis: _wrap("em"),
    m.Strong: _wrap("strong"),
    m.Delete: _wrap("del"),
    m.InlineCode: _inline_code,
    m.Break: _break,
    m.Link: _link,
    m.Image: _image,
    m.Quote: _quote,
    m.External: _external,
    m.Button: _button,
    m.Component: _component,
}


def render_html(node: m.Node, *, heading_ids: bool = False) -> str:
    """HTML of ``node`` (usually ``guide.body``); ``heading_ids`` adds the site's anchors."""
    renderer = _Html(heading_ids)
    if isinstance(node, (m.TableRow, m.TableCell)):
        renderer.children(getattr(node, "children", ()))
    else:
        _HTML[type(node)](renderer, node, False)
    return "".join(renderer.out)
