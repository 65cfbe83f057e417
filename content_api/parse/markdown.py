"""Markdown body -> markdown-it-py tokens -> typed AST nodes (mdast), with the body's diagnostics."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import msgspec
from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

from .. import model as m
from ..lint import TOKEN_RULES, TokenLint, components, editors
from ..lint.tables import UNESCAPED_PIPE
from ..render import html_to_text
from ..urls import is_unsafe_url, is_url_prop
from .budget import budget_plugin
from .components import components_plugin
from .context import Context
from .editors import editor_table, is_editor_header
from .html_safety import DEFAULT_IFRAME_HOSTS, sanitize_html
from .link_labels import parse_link_label
from .linkify import GfmLinkify
from .source import SourceMap
from .tags import Attr

#: How many lines of a block :meth:`Converter.where` looks at for a construct's text.
WHERE_LINES = 8

#: Deeper containers (lists, quotes, components) keep their text as one plain paragraph.
MAX_NESTING = 32
#: html-unsafe and url-unsafe warnings of one guide, beyond which removals are no longer listed.
MAX_UNSAFE_WARNINGS = 100

_ALIGN: dict[str, m.Align] = {
    "text-align:left": "left",
    "text-align:right": "right",
    "text-align:center": "center",
}


def make_markdown(max_nesting: int = MAX_NESTING) -> MarkdownIt:
    """CommonMark + GFM tables, strikethrough and bare-URL autolinks, plus components.

    ``max_nesting`` bounds nested containers (lists, quotes, components) and inline nesting.
    """
    md = MarkdownIt("commonmark", {"linkify": True})
    md.enable(["table", "strikethrough", "linkify"])
    md.linkify = GfmLinkify()
    # Every URL is parsed; unsafe ones are nulled and reported by the converter, not dropped.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    # URLs stay as written (mdast); render_html percent-encodes them as CommonMark does.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    components_plugin(md)
    budget_plugin(md)
    # The same link labels, found without reading the rest of the line again from every '['.
    md.helpers = SimpleNamespace(  # type: ignore[assignment]
        parseLinkLabel=parse_link_label,
        parseLinkDestination=md.helpers.parseLinkDestination,
        parseLinkTitle=md.helpers.parseLinkTitle,
    )
    md.options["maxNesting"] = max_nesting
    _keep_text_past_max_nesting(md)
    return md


def _keep_text_past_max_nesting(md: MarkdownIt) -> None:
    """Past ``maxNesting``, markdown-it skips the rest of a container: keep it as a paragraph.

    The lines are kept as inline Markdown (their block markers stay text) and the first one is
    recorded in ``env["too_deep"]`` for a diagnostic. Nesting stays bounded, and so does recursion.
    """
    tokenize = md.block.tokenize

    def bounded(state: StateBlock, startLine: int, endLine: int) -> None:
        if state.level < state.md.options["maxNesting"]:
            tokenize(state, startLine, endLine)
            return
        line = state.skipEmptyLines(startLine)
        if line < endLine:
            state.env.setdefault("too_deep", []).append(line)
            state.push("paragraph_open", "p", 1).map = [line, endLine]
            token = state.push("inline", "", 0)
            token.content = state.getLines(line, endLine, state.blkIndent, False).strip()
            token.map = [line, endLine]
            token.children = []
            state.push("paragraph_close", "p", -1)
        state.line = endLine

    md.block.tokenize = bounded  # type: ignore[method-assign]


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


class _Frame:
    """An open node on the converter's stack; ``children`` is where its content goes."""

    __slots__ = ("children", "linky", "literal", "node", "token")

    def __init__(
        self, node: Any, children: list[Any], token: Token | None, linky: bool = False, literal: bool = False
    ) -> None:
        self.node = node
        self.children = children
        self.token = token
        self.linky = linky
        #: an emphasis past the nesting limit: its delimiters are kept as text
        self.literal = literal


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
        #: the sanitizer's allowed iframe hosts; None: raw HTML is kept verbatim (``html="raw"``)
        self.iframe_hosts = iframe_hosts
        self._unsafe = 0  # html-unsafe and url-unsafe warnings given (see _unsafe_warning)
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
        stack = [_Frame(root, root.children, None)]
        for token in tokens:
            if token.nesting == 1:
                self._open_block(token, stack)
            elif token.nesting == -1:
                self._close_block(stack)
            elif token.type == "inline":
                self._inline_token = token
                stack[-1].children.extend(self.inline(token))
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

    def _open_block(self, token: Token, stack: list[_Frame]) -> None:
        opener = _BLOCK_OPENERS.get(token.type)
        parent = stack[-1]
        rules = TOKEN_RULES.get(token.type)
        if rules is not None and not token.meta.get("plain"):  # the rest of a file past the budget
            for rule in rules:
                rule(self.lint, token, parent.node, parent.children)
        node = opener(self, token, stack, self.position(token)) if opener is not None else None
        if node is None:  # thead, tbody or an unknown container: its content joins the parent
            stack.append(_Frame(None, parent.children, token))
            return
        parent.children.append(node)
        stack.append(_Frame(node, node.children, token))

    def _open_paragraph(self, token: Token, stack: list[_Frame], position: m.Position | None) -> Any:
        parent = stack[-1]
        if not token.hidden and isinstance(parent.node, m.ListItem):
            list_node: Any = stack[-2].node  # markdown-it hides the paragraphs of tight lists
            list_node.spread = True
        return m.Paragraph(children=[], position=position)

    def _open_heading(self, token: Token, stack: list[_Frame], position: m.Position | None) -> Any:
        node = m.Heading(depth=int(token.tag[1]), id="", children=[], position=position)
        self.headings.append(node)
        return node

    def _open_list(self, token: Token, stack: list[_Frame], position: m.Position | None) -> Any:
        ordered = token.type == "ordered_list_open"
        start = int(token.attrs.get("start", 1)) if ordered else None
        return m.List(ordered=ordered, start=start, spread=False, children=[], position=position)

    def _open_row(self, token: Token, stack: list[_Frame], position: m.Position | None) -> Any:
        self._cell_index = 0
        self._row_line = token.map[0] if token.map else -1
        lines = self.ctx.source.lines
        self._row_spans = _cell_columns(lines[self._row_line]) if 0 <= self._row_line < len(lines) else []
        return m.TableRow(children=[], position=position)

    def _open_cell(self, token: Token, stack: list[_Frame], position: m.Position | None) -> Any:
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

    def _open_component(self, token: Token, stack: list[_Frame], position: m.Position | None) -> Any:
        return self.component(token.meta, [], inline=False, position=position)

    def _close_block(self, stack: list[_Frame]) -> None:
        frame = stack.pop()
        node = frame.node
        if isinstance(node, m.List):
            items: list[Any] = node.children
            for item in items:
                item.spread = node.spread
        elif isinstance(node, m.ListItem):
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
            info = token.info.strip()
            if info:
                info = unescapeAll(info)
            lang, _, meta = info.partition(" ") if info else ("", "", "")
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
            value = self.safe_html(_strip_eol(token.content), token)
            self.texts.append(html_to_text(value))  # what is left of it, for search and reading time
            return m.Html(value=value, position=position) if value.strip() else None
        if kind == "hr":
            return m.ThematicBreak(position=position)
        if kind == "component":
            component: m.Node = self.component(token.meta, [], inline=False, position=position)
            return component
        return None

    # --- inline -----------------------------------------------------------------------------------

    def inline(self, token: Token) -> list[Any]:
        out: list[Any] = []
        stack: list[_Frame] = []
        current = out
        links = 0  # links (and link-like components) open around the current token
        for child in token.children or ():
            kind = child.type
            handler = _INLINE_LEAVES.get(kind)
            if handler is not None:
                handler(self, child, current)
                continue
            if child.nesting == -1:
                frame = stack.pop()
                if frame.linky:
                    links -= 1
                if frame.literal:
                    _append_text(current, child.markup)
                elif isinstance(frame.node, m.Link):
                    for rule in TOKEN_RULES.get(child.type, ()):
                        rule(self.lint, child, frame.node, current)
                current = frame.children
                continue
            if len(stack) >= self.max_nesting and kind in _EMPHASIS:
                # markdown-it nests emphasis without bound (``***…x***…``): past the limit, the
                # delimiters stay text, so depth (and every recursive walk of the AST) is bounded.
                self._too_deep_inline(child)
                _append_text(current, child.markup)
                stack.append(_Frame(None, current, child, literal=True))
                continue
            node, linky = self._open_inline(child, links)
            if node is None:  # a link inside a link: its text joins the outer link
                stack.append(_Frame(None, current, child, linky))
            else:
                current.append(node)
                stack.append(_Frame(node, current, child, linky))
                current = node.children
            links += linky
        return out

    def _too_deep_inline(self, token: Token) -> None:
        self.warn(
            self.where(0, token.markup * 2),
            "nesting-too-deep",
            f"emphasis nested more than {self.max_nesting} levels deep: from here on, its "
            f"delimiters ({token.markup!r}) are kept as text",
        )

    def _open_inline(self, token: Token, links: int) -> tuple[Any, bool]:
        kind = token.type
        if kind == "strong_open":
            return m.Strong(children=[]), False
        if kind == "em_open":
            return m.Emphasis(children=[]), False
        if kind == "s_open":
            return m.Delete(children=[]), False
        if kind == "link_open":
            if links:
                return None, True
            url = self.url(str(token.attrs.get("href", "")), "link")
            title = token.attrs.get("title")
            return m.Link(url=url, title=str(title) if title else None, children=[]), True
        if kind == "component_open":
            node = self.component(token.meta, [], inline=True, position=None)
            return node, isinstance(node, (m.External, m.Button))
        return None, False  # an unknown inline container: its content joins the parent

    def safe_html(self, value: str, block: Token | None = None) -> str:
        """Raw HTML through the allow-list sanitizer (see html_safety), each removal reported."""
        if self.iframe_hosts is None:
            return value
        safe, removed = sanitize_html(value, self.iframe_hosts)
        if removed:
            whats = ", ".join(dict.fromkeys(what for what, _ in removed))
            self._unsafe_warning(
                lambda: self._html_point(removed[0].snippet, value, block),
                "html-unsafe",
                f"raw HTML outside the allow-list, removed: {whats}",
            )
        return safe

    def _unsafe_warning(self, where: Callable[[], tuple[int, int]], code: str, message: str) -> None:
        """One warning per removal, up to MAX_UNSAFE_WARNINGS in a guide, then one that says the rest
        go unlisted (placing an inline construct searches its paragraph: not a million times)."""
        self._unsafe += 1
        if self._unsafe <= MAX_UNSAFE_WARNINGS:
            self.warn(where(), code, message)
        elif self._unsafe == MAX_UNSAFE_WARNINGS + 1:
            self.warn(
                where(),
                code,
                f"more than {MAX_UNSAFE_WARNINGS} unsafe constructs in this guide: from here on they are "
                "removed without a warning each",
            )

    def _html_point(self, snippet: str, value: str, block: Token | None) -> tuple[int, int]:
        """Where ``snippet`` (any case) is in the source of a block, or of the current inline."""
        found = value.lower().find(snippet.lower()) if snippet else -1
        if found >= 0:
            snippet = value[found : found + len(snippet)]  # as written
        if block is None or block.map is None:
            return self.where(0, snippet)
        lines = self.ctx.source.lines
        found_at = (i for i in range(block.map[0], min(block.map[1], len(lines))) if snippet in lines[i])
        index = next(found_at, block.map[0]) if snippet else block.map[0]
        return self.ctx.source.line_point(index, snippet or None)

    def url(self, url: str, what: str, offset: int = 0) -> str | None:
        if is_unsafe_url(url):
            message = f"unsafe URL in {what} removed: {url[:60]!r}"
            self._unsafe_warning(lambda: self.where(offset, url[:20]), "url-unsafe", message)
            return None
        return url

    def _nested_urls(self, value: Any, where: str, offset: int) -> Any:
        """Unsafe URLs in the arrays and objects of a prop, at any depth, become null (reported)."""
        todo = [value]
        while todo:  # a loop, not recursion: JSON nested 10,000 deep costs no stack
            container = todo.pop()
            items = container.items() if isinstance(container, dict) else enumerate(container)
            for key, item in list(items):
                if isinstance(item, str):
                    if is_unsafe_url(item):
                        container[key] = self.url(item, f"{where}[{key!r}]", offset)
                elif isinstance(item, (dict, list)):
                    todo.append(item)
        return value

    # --- components -------------------------------------------------------------------------------

    def component(
        self, meta: dict[str, Any], children: list[Any], inline: bool, position: m.Position | None
    ) -> Any:
        name: str = meta["name"]
        props = self._props(meta["attrs"], name)
        components.component(self.lint, meta, inline)
        if name == "Quote":
            fields = {key: _str_prop(props, key) for key in ("logo", "link", "who", "title")}
            return m.Quote(**fields, inline=inline, children=children, extra=props, position=position)
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
            lowered = attr.name.lower()
            if lowered.startswith("on") or lowered in _CODE_PROPS:
                self.warn(
                    self.where(attr.offset, attr.name),
                    "html-unsafe",
                    f"<{name} {attr.name}> would run code in a frontend that passes props on: removed",
                )
                continue
            if isinstance(value, str) and (is_url_prop(attr.name) or is_unsafe_url(value)):
                value = self.url(value, f"<{name} {attr.name}>", attr.offset)
            elif isinstance(value, (dict, list)):
                value = self._nested_urls(value, f"<{name} {attr.name}>", attr.offset)
            props[attr.name] = value
        return props


_EMPHASIS = frozenset({"strong_open", "em_open", "s_open"})

#: Props that hold code or markup for the DOM (``on*`` handlers are caught by their prefix).
_CODE_PROPS = frozenset({"dangerouslysetinnerhtml", "srcdoc"})

_BlockOpener = Callable[[Converter, Token, list[_Frame], m.Position | None], Any]
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


def _append_text(current: list[Any], value: str) -> None:
    if current and type(current[-1]) is m.Text:
        current[-1].value += value
    else:
        current.append(m.Text(value=value))


def _alt(tokens: list[Token] | None) -> str:
    """Image alt text as the CommonMark spec wants it: the text of the description."""
    parts = []
    for token in tokens or ():
        if token.type in ("text", "code_inline", "html_inline"):
            parts.append(token.content)
        elif token.type == "image":
            parts.append(_alt(token.children))
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def _leaf_text(conv: Converter, token: Token, current: list[Any]) -> None:
    if token.content:  # emphasis leaves empty text tokens behind its delimiters
        conv.texts.append(token.content)
        _append_text(current, token.content)


def _leaf_softbreak(conv: Converter, token: Token, current: list[Any]) -> None:
    _append_text(current, "\n")


def _leaf_hardbreak(conv: Converter, token: Token, current: list[Any]) -> None:
    current.append(m.Break())


def _leaf_code(conv: Converter, token: Token, current: list[Any]) -> None:
    conv.texts.append(token.content)
    current.append(m.InlineCode(value=token.content))


def _leaf_html(conv: Converter, token: Token, current: list[Any]) -> None:
    value = conv.safe_html(token.content)
    if value:  # an inline tag removed whole leaves nothing to keep
        conv.texts.append(html_to_text(value))
        current.append(m.Html(value=value))


def _leaf_image(conv: Converter, token: Token, current: list[Any]) -> None:
    url = conv.url(str(token.attrs.get("src", "")), "image")
    title = token.attrs.get("title")
    current.append(m.Image(url=url, alt=_alt(token.children), title=str(title) if title else None))


def _leaf_component(conv: Converter, token: Token, current: list[Any]) -> None:
    current.append(conv.component(token.meta, [], inline=True, position=None))


def _leaf_stray(conv: Converter, token: Token, current: list[Any]) -> None:
    components.stray_close(conv.lint, token)
    _append_text(current, token.content)


def _leaf_invalid(conv: Converter, token: Token, current: list[Any]) -> None:
    components.invalid_tag(conv.lint, token)
    _append_text(current, token.content)


_INLINE_LEAVES: dict[str, Callable[[Converter, Token, list[Any]], None]] = {
    "text": _leaf_text,
    "text_special": _leaf_text,
    "softbreak": _leaf_softbreak,
    "hardbreak": _leaf_hardbreak,
    "code_inline": _leaf_code,
    "html_inline": _leaf_html,
    "image": _leaf_image,
    "component": _leaf_component,
    "component_stray": _leaf_stray,
    "component_invalid": _leaf_invalid,
}
