"""Inline tokens -> phrasing nodes: text, emphasis, links, code, images, raw HTML, inline components.

markdown-it nests emphasis without bound: past the converter's nesting limit, the delimiters stay
text. A link inside a link (through a component) gives its text to the outer one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from markdown_it.token import Token

from .. import model as m
from ..lint import TOKEN_RULES, TokenLint, components
from ..plain_text import html_to_text
from .unsafe import Unsafe


class Converter(Protocol):
    """What inline conversion needs of the block converter (:class:`.markdown.Converter`)."""

    max_nesting: int
    unsafe: Unsafe
    lint: TokenLint
    #: every text value, for the word count (reading time)
    texts: list[str]
    #: link and image address bytes written, and the file's budget of them (see address_fits)
    address_bytes: int
    address_budget: int

    def where(self, offset: int, needle: str) -> tuple[int, int]:
        """File (line, column) of ``offset`` in the current source (inline content or body)."""

    def warn(self, where: tuple[int, int], code: str, message: str) -> None:
        """Report ``code`` at ``where``."""

    def component(
        self, meta: dict[str, Any], children: list[Any], inline: bool, position: m.Position | None
    ) -> Any:
        """The node of a component read by the component rules."""


_EMPHASIS = frozenset({"strong_open", "em_open", "s_open"})


class Frame:
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


def convert_inline(conv: Converter, token: Token) -> list[Any]:
    """The phrasing nodes of an inline token (a paragraph's, a heading's, a cell's content)."""
    out: list[Any] = []
    stack: list[Frame] = []
    current = out
    links = 0  # links (and link-like components) open around the current token
    for child in token.children or ():
        kind = child.type
        handler = _INLINE_LEAVES.get(kind)
        if handler is not None:
            handler(conv, child, current)
            continue
        if child.nesting == -1:
            frame = stack.pop()
            if frame.linky:
                links -= 1
            if frame.literal:
                append_text(current, child.markup)
            elif isinstance(frame.node, m.Link):
                for rule in TOKEN_RULES.get(child.type, ()):
                    rule(conv.lint, child, frame.node, current)
            current = frame.children
            continue
        if len(stack) >= conv.max_nesting and kind in _EMPHASIS:
            # markdown-it nests emphasis without bound (``***…x***…``): past the limit, the
            # delimiters stay text, so depth (and every recursive walk of the AST) is bounded.
            _too_deep(conv, child)
            append_text(current, child.markup)
            stack.append(Frame(None, current, child, literal=True))
            continue
        node, linky = _open_inline(conv, child, links)
        if node is None:  # a link inside a link: its text joins the outer link
            stack.append(Frame(None, current, child, linky))
        else:
            current.append(node)
            stack.append(Frame(node, current, child, linky))
            current = node.children
        links += linky
    return out


def _too_deep(conv: Converter, token: Token) -> None:
    conv.warn(
        conv.where(0, token.markup * 2),
        "nesting-too-deep",
        f"emphasis nested more than {conv.max_nesting} levels deep: from here on, its "
        f"delimiters ({token.markup!r}) are kept as text",
    )


#: Bytes of link and image addresses and titles one file may produce: this much, plus this many
#: times the body's length. Only reference links can go past it — each repeats its definition's
#: address and title, so a 60 KB file of references to a 50 KB address made 100 MB of JSON.
ADDRESS_BUDGET_BASE = 1 << 20
ADDRESS_BUDGET_FACTOR = 2


def address_fits(conv: Converter, url: str, title: Any) -> bool:
    """Whether one more link or image may carry ``url`` and ``title``; past the file's budget it
    is kept as its text (an image as its alt), said once with ``too-complex``."""
    conv.address_bytes += len(url) + (len(title) if isinstance(title, str) else 0)
    if conv.address_bytes <= conv.address_budget:
        return True
    if conv.address_bytes - len(url) <= conv.address_budget:  # the first one past: said once
        conv.warn(
            conv.where(0, ""),
            "too-complex",
            f"links and images repeating their reference definitions' addresses past "
            f"{conv.address_budget:,} bytes (1 MiB and twice the file): from here on, they are kept "
            "as their text",
        )
    return False


def _open_inline(conv: Converter, token: Token, links: int) -> tuple[Any, bool]:
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
        title, href = token.attrs.get("title"), str(token.attrs.get("href", ""))
        if not address_fits(conv, href, title):
            return None, True
        url = conv.unsafe.url(href, "link")
        if url is None:  # an unsafe link becomes its text: no node has a null URL (mdast)
            return None, True
        return m.Link(url=url, title=str(title) if title else None, children=[]), True
    if kind == "component_open":
        node = conv.component(token.meta, [], inline=True, position=None)
        return node, isinstance(node, (m.External, m.Button))
    return None, False  # an unknown inline container: its content joins the parent


# --- components -------------------------------------------------------------------------------


def append_text(current: list[Any], value: str) -> None:
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
        append_text(current, token.content)


def _leaf_softbreak(conv: Converter, token: Token, current: list[Any]) -> None:
    append_text(current, "\n")


def _leaf_hardbreak(conv: Converter, token: Token, current: list[Any]) -> None:
    current.append(m.Break())


def _leaf_code(conv: Converter, token: Token, current: list[Any]) -> None:
    conv.texts.append(token.content)
    current.append(m.InlineCode(value=token.content))


def _leaf_html(conv: Converter, token: Token, current: list[Any]) -> None:
    value = conv.unsafe.html(token.content)
    if value:  # an inline tag removed whole leaves nothing to keep
        conv.texts.append(html_to_text(value))
        current.append(m.Html(value=value))


def _leaf_image(conv: Converter, token: Token, current: list[Any]) -> None:
    alt = _alt(token.children)
    src, title = str(token.attrs.get("src", "")), token.attrs.get("title")
    url = conv.unsafe.url(src, "image") if address_fits(conv, src, title) else None
    if url is None:  # an unsafe image becomes its alt text (nothing without one)
        if alt:
            conv.texts.append(alt)
            append_text(current, alt)
        return
    current.append(m.Image(url=url, alt=alt, title=str(title) if title else None))


def _leaf_component(conv: Converter, token: Token, current: list[Any]) -> None:
    current.append(conv.component(token.meta, [], inline=True, position=None))


def _leaf_stray(conv: Converter, token: Token, current: list[Any]) -> None:
    components.stray_close(conv.lint, token)
    append_text(current, token.content)


def _leaf_invalid(conv: Converter, token: Token, current: list[Any]) -> None:
    components.invalid_tag(conv.lint, token)
    append_text(current, token.content)


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
