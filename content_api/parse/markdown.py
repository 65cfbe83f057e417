"""markdown-it-py tokens -> typed AST nodes (mdast), the lint rules hooked on each token called.

The converter only builds nodes: what it reports comes from the rules of content_api/lint (hooked
on token types, or called as a component or editor table is read) and from :mod:`.unsafe`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import msgspec
from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from .. import model as m
from ..lint import TOKEN_RULES, TokenLint, components, editors
from ..lint.tables import UNESCAPED_PIPE
from ..plain_text import html_to_text
from ..source_map import SourceMap
from .context import Context
from .editors import editor_table, is_editor_header
from .html_policy import DEFAULT_IFRAME_HOSTS
from .inline import ADDRESS_BUDGET_BASE, ADDRESS_BUDGET_FACTOR, Frame, convert_inline
from .tags import Attr
from .tokenizer import MAX_NESTING
from .unsafe import Unsafe

#: How many lines of a block :meth:`Converter.where` looks at for a construct's text.
WHERE_LINES = 8


_ALIGN: dict[str, m.Align] = {
    "text-align:left": "left",
    "text-align:right": "right",
    "text-align:center": "center",
}


def _cell_columns(line: str) -> list[tuple[int, int]]:
    """1-based (first, after last) columns of each cell's text in a table row line."""
    bounds = [-1, *(match.start() for match in UNESCAPED_PIPE.finditer(line)), len(line)]
    spans = []
    for left, right in itertools.pairwise(bounds):
        text = line[left + 1 : right]
        stripped = text.strip()
        if not stripped and left == -1:
            continue  # the outer pipe of '| a | b |'
        start = left + 1 + (len(text) - len(text.lstrip()))
        spans.append((start + 1, start + len(stripped) + 1))
    if spans and spans[-1][0] == spans[-1][1] and line.rstrip().endswith("|"):
        spans.pop()  # the trailing outer pipe
    return spans


class Converter:
    """Turns the token stream of one body into AST nodes, reporting what it notices."""

    def __init__(
        self,
        ctx: Context,
        slug: str | None,
        apis: list[m.Api],
        iframe_hosts: tuple[str, ...] | None = DEFAULT_IFRAME_HOSTS,
        max_nesting: int = MAX_NESTING,
    ) -> None:
        self.ctx = ctx
        self.slug = slug
        self.apis = apis
        self.max_nesting = max_nesting
        #: removes unsafe HTML, URLs and props; its ``iframe_hosts`` None keeps raw HTML verbatim
        self.unsafe = Unsafe(ctx, self.where, iframe_hosts)
        self.headings: list[m.Heading] = []
        #: every text value, for the word count (reading time)
        self.texts: list[str] = []
        self.editor_tables: list[m.EditorTable] = []
        self._content = SourceMap("")  # the current inline token's content
        self.lint = TokenLint(ctx, self.where)
        self._inline_token: Token | None = None
        self._row_line = -1  # body line of the current table row
        self._row_spans: list[tuple[int, int]] = []  # its cells' columns
        self._cell_index = 0
        #: bytes of link and image addresses (and titles) written so far, and how many may be
        #: (reference links repeat their definition's: see inline.address_fits)
        self.address_bytes = 0
        self.address_budget = ADDRESS_BUDGET_BASE + ADDRESS_BUDGET_FACTOR * len(ctx.source.text)

    # --- positions --------------------------------------------------------------------------------

    def position(self, token: Token) -> m.Position | None:
        if token.map is None:
            return None
        lines = self.ctx.source.lines
        first, last = token.map[0], max(token.map[1] - 1, token.map[0])
        start_text = lines[first] if first < len(lines) else ""
        end_text = lines[last] if last < len(lines) else ""
        offset = self.ctx.source.first_line + 1
        return m.Position(
            start=m.Point(first + offset, len(start_text) - len(start_text.lstrip()) + 1),
            end=m.Point(last + offset, len(end_text) + 1),
        )

    def where(self, offset: int, needle: str) -> tuple[int, int]:
        """File (line, column) of ``offset`` in the current source (inline content or body)."""
        token = self._inline_token
        if token is not None and token.map is not None:
            # Inline content lost its indentation: find the needle in the lines of the block,
            # from where the offset falls (the indentation lost only moves it to the right).
            content = self._content_map(token)
            k = content.line_index(offset)
            line, guess = token.map[0] + k, offset - content.starts[k]
            lines = self.ctx.source.lines
            for index in range(line, min(token.map[1], len(lines), line + WHERE_LINES)):
                text = lines[index]
                found = text.find(needle, guess) if needle else -1
                if found < 0 and needle:
                    found = text.find(needle)
                if found >= 0:
                    return self.ctx.source.first_line + index + 1, found + 1
                guess = 0
            return self.ctx.source.line_point(line)
        return self.ctx.source.point(offset)

    def _content_map(self, token: Token) -> SourceMap[str]:
        """The source map of an inline token's content (made once per token)."""
        if self._content.text is not token.content:
            self._content = SourceMap(token.content)
        return self._content

    def warn(self, where: tuple[int, int], code: str, message: str) -> None:
        """Report ``code`` (its severity comes from the rules table) at ``where``."""
        self.ctx.add(where[0], where[1], code, message)

    # --- blocks -----------------------------------------------------------------------------------

    def convert(self, tokens: list[Token]) -> m.Root:
        root = m.Root(children=[], position=self._root_position())
        stack = [Frame(root, root.children, None)]
        for token in tokens:
            if token.nesting == 1:
                self._open_block(token, stack)
            elif token.nesting == -1:
                self._close_block(stack)
            elif token.type == "inline":
                self._inline_token = token
                stack[-1].children.extend(convert_inline(self, token))
                self._inline_token = None
            else:
                node = self._leaf_block(token)
                if node is not None:
                    stack[-1].children.append(node)
        return root

    def _root_position(self) -> m.Position:
        lines, first = self.ctx.source.lines, self.ctx.source.first_line
        last = max(len(lines), 1)
        end_column = len(lines[-1]) + 1 if lines else 1
        return m.Position(start=m.Point(first + 1, 1), end=m.Point(first + last, end_column))

    def _open_block(self, token: Token, stack: list[Frame]) -> None:
        opener = _BLOCK_OPENERS.get(token.type)
        parent = stack[-1]
        rules = TOKEN_RULES.get(token.type)
        if rules is not None and not token.meta.get("plain"):  # the rest of a file past the budget
            for rule in rules:
                rule(self.lint, token, parent.node, parent.children)
        node = opener(self, token, stack, self.position(token)) if opener is not None else None
        if node is None:  # thead, tbody or an unknown container: its content joins the parent
            stack.append(Frame(None, parent.children, token))
            return
        parent.children.append(node)
        stack.append(Frame(node, node.children, token))

    def _open_paragraph(self, token: Token, stack: list[Frame], position: m.Position | None) -> Any:
        parent = stack[-1]
        if not token.hidden and isinstance(parent.node, m.ListItem):
            list_node: Any = stack[-2].node  # markdown-it hides the paragraphs of tight lists
            list_node.spread = True
        return m.Paragraph(children=[], position=position)

    def _open_heading(self, token: Token, stack: list[Frame], position: m.Position | None) -> Any:
        node = m.Heading(depth=int(token.tag[1]), id="", children=[], position=position)
        self.headings.append(node)
        return node

    def _open_list(self, token: Token, stack: list[Frame], position: m.Position | None) -> Any:
        ordered = token.type == "ordered_list_open"
        start = int(token.attrs.get("start", 1)) if ordered else None
        return m.List(ordered=ordered, start=start, spread=False, children=[], position=position)

    def _open_row(self, token: Token, stack: list[Frame], position: m.Position | None) -> Any:
        self._cell_index = 0
        self._row_line = token.map[0] if token.map else -1
        lines = self.ctx.source.lines
        self._row_spans = _cell_columns(lines[self._row_line]) if 0 <= self._row_line < len(lines) else []
        return m.TableRow(children=[], position=position)

    def _open_cell(self, token: Token, stack: list[Frame], position: m.Position | None) -> Any:
        table: Any = stack[-3].node if len(stack) > 2 else None
        if token.type == "th_open" and isinstance(table, m.Table):
            table.align.append(_ALIGN.get(str(token.attrs.get("style", ""))))
        index = self._cell_index
        self._cell_index += 1
        if index < len(self._row_spans):  # a padded (missing) cell has no place in the source
            line = self.ctx.source.first_line + self._row_line + 1
            first, after = self._row_spans[index]
            position = m.Position(start=m.Point(line, first), end=m.Point(line, after))
            return m.TableCell(children=[], position=position)
        return m.TableCell(children=[])

    def _open_component(self, token: Token, stack: list[Frame], position: m.Position | None) -> Any:
        return self.component(token.meta, [], inline=False, position=position)

    def _close_block(self, stack: list[Frame]) -> None:
        frame = stack.pop()
        node = frame.node
        if isinstance(node, m.ListItem):
            node.spread = _item_spread(node, self.ctx.source)
            _task_marker(node)
        elif isinstance(node, m.Table) and node.children and is_editor_header(node.children[0]):
            table = editor_table(node, self.ctx, self.slug, self.apis)
            self.editor_tables.append(table)
            if not table.editors and frame.token is not None and frame.token.map:
                editors.table_empty(self.ctx, frame.token.map[0])
            siblings = stack[-1].children
            siblings[siblings.index(node)] = table

    def _leaf_block(self, token: Token) -> m.Node | None:
        kind = token.type
        position = self.position(token)
        if kind in ("fence", "code_block"):
            self.texts.append(token.content)
        if kind == "fence":
            info = token.info.strip().strip("\ufeff")  # JavaScript's trim() (Python's keeps U+FEFF)
            if info:
                info = unescapeAll(info)
            # the first word, up to a space or a tab (micromark's and so mdast's `lang`)
            lang, _, meta = info.replace("\t", " ").partition(" ") if info else ("", "", "")
            lang, meta = info[: len(lang)], info[len(lang) :]
            return m.Code(
                lang=lang or None,
                meta=meta.strip() or None,
                value=_strip_eol(token.content),
                position=position,
            )
        if kind == "code_block":
            return m.Code(lang=None, meta=None, value=_strip_eol(token.content), position=position)
        if kind == "html_block":
            for rule in TOKEN_RULES.get(kind, ()):
                rule(self.lint, token, None, [])
            value = self.unsafe.html(_strip_eol(token.content), token)
            self.texts.append(html_to_text(value))  # what is left of it, for search and reading time
            return m.Html(value=value, position=position) if value.strip() else None
        if kind == "hr":
            return m.ThematicBreak(position=position)
        if kind == "component":
            component: m.Node = self.component(token.meta, [], inline=False, position=position)
            return component
        return None

    # --- inline -----------------------------------------------------------------------------------

    def component(
        self, meta: dict[str, Any], children: list[Any], inline: bool, position: m.Position | None
    ) -> Any:
        name: str = meta["name"]
        props = self._props(meta["attrs"], name)
        components.component(self.lint, meta, inline)
        if name == "Quote":
            logo, link, who, title = (_str_prop(props, key) for key in ("logo", "link", "who", "title"))
            quote = m.Quote(logo=logo, link=link, who=who, title=title, inline=inline, children=children)
            quote.extra, quote.position = props, position
            return quote
        if name == "External":
            href = _str_prop(props, "href")
            return m.External(href=href, inline=inline, children=children, extra=props, position=position)
        if name == "Button":
            href = _str_prop(props, "href")
            alt = props.pop("alt", False)
            alt = alt is True or (isinstance(alt, str) and alt.strip().lower() in ("true", "alt", ""))
            return m.Button(
                href=href, alt=alt, inline=inline, children=children, extra=props, position=position
            )
        return m.Component(name=name, props=props, inline=inline, children=children, position=position)

    def _props(self, attrs: list[Attr], name: str) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for attr in attrs:
            value = _decode_attr(attr)
            components.attribute(self.lint, attr, name)
            kept, value = self.unsafe.prop(name, attr.name, value, attr.offset)
            if kept:
                props[attr.name] = value
        return props


_BlockOpener = Callable[[Converter, Token, list[Frame], m.Position | None], Any]
_BLOCK_OPENERS: dict[str, _BlockOpener] = {
    "paragraph_open": Converter._open_paragraph,
    "heading_open": Converter._open_heading,
    "blockquote_open": lambda c, t, s, p: m.Blockquote(children=[], position=p),
    "bullet_list_open": Converter._open_list,
    "ordered_list_open": Converter._open_list,
    "list_item_open": lambda c, t, s, p: m.ListItem(spread=False, checked=None, children=[], position=p),
    "table_open": lambda c, t, s, p: m.Table(align=[], children=[], position=p),
    "tr_open": Converter._open_row,
    "th_open": Converter._open_cell,
    "td_open": Converter._open_cell,
    "component_open": Converter._open_component,
}


def _str_prop(props: dict[str, Any], key: str) -> str | None:
    """Take a typed string prop out of ``props`` (a non-string value stays in ``props``)."""
    value = props.get(key)
    if value is None or isinstance(value, str):
        props.pop(key, None)
        return value
    return None


def _decode_attr(attr: Attr) -> Any:
    if attr.kind == "bool":
        return True
    if attr.kind == "expression":
        try:
            return msgspec.json.decode(attr.value.strip())
        except msgspec.DecodeError:
            return {"expression": attr.value}
    return attr.value


def _blank(line: str) -> bool:
    """A line with nothing but the markers of the block quotes around it."""
    return not line.replace(">", "").strip()


def _written(node: Any, source: SourceMap[str]) -> range | None:
    """The body lines of ``node`` from its first to its last non-blank one (None without position)."""
    if node.position is None:
        return None
    offset = source.first_line + 1
    first, last = node.position.start.line - offset, node.position.end.line - offset
    while last > first and _blank(source.lines[last]):
        last -= 1  # a container's trailing blank lines are outside it
    return range(first, last + 1)


def _item_spread(item: m.ListItem, source: SourceMap[str]) -> bool:
    """mdast's ``listItem.spread``: a blank line of the item itself (not of a block inside it: a
    nested list, a quote, a code block) with more of the item after it (a link reference
    definition, which is no node here, included)."""
    lines = _written(item, source)
    if lines is None:
        return False
    text, start = source.lines, lines.start  # the lines between the item's blocks are looked at
    for child in item.children:
        span = _written(child, source)
        if span is None:
            continue
        if any(_blank(line) for line in text[start : min(span.start, lines.stop)]):
            return True
        start = max(start, span.stop)
    return any(_blank(line) for line in text[start : lines.stop])


def _task_marker(item: m.ListItem) -> None:
    """GFM task list item: ``[ ]`` or ``[x]`` and a space open the item's first paragraph."""
    first = item.children[0] if item.children else None
    if not isinstance(first, m.Paragraph) or not first.children:
        return
    text = first.children[0]
    if type(text) is not m.Text or len(text.value) < 4 or text.value[0] != "[" or text.value[2] != "]":
        return
    mark, space = text.value[1], text.value[3]
    if mark in " xX" and space in " \t\n":
        item.checked = mark != " "
        text.value = text.value[4:]
        if not text.value:
            first.children.pop(0)


def _strip_eol(text: str) -> str:
    return text[:-1] if text.endswith("\n") else text
