"""Markdown that CommonMark and GFM read one way and the site's current renderer another.

Rules on the source lines of blocks (headings, task markers, HTML blocks) and on link texts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .. import model as m
from ..plain_text import render_text
from .registry import Rules, TokenLint

if TYPE_CHECKING:
    from markdown_it.token import Token

RULES = Rules("markdown")

_MARKDOWN_LINE = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}\s|[-*+]\s|\d{1,9}[.)]\s)|\]\(|\*\*|__")
_TASK_LINE = re.compile(r"^ {0,3}\[[ xX]\]\s")
#: HTML blocks that end at a closing sequence (CommonMark types 1-5: comments, ``<script>``,
#: ``<pre>``...) may hold anything: what they hold is meant to stay raw.
RAW_HTML_START = re.compile(r"<(?:!|\?|(?i:script|pre|style|textarea)(?=[\s>]|$))")

RULES.declare(
    "heading-after-list",
    "warning",
    "a heading right after a list item, without a blank line",
    "`- item` then `## Titre`",
    trigger="- item\n## Titre\n",
)


@RULES.on_token("heading_open")
def heading_after_list(lint: TokenLint, token: Token, parent: Any, siblings: list[Any]) -> None:
    if token.map is None or not siblings or not isinstance(siblings[-1], m.List):
        return
    source = lint.ctx.source
    previous = token.map[0] - 1
    if 0 <= previous < len(source.lines) and source.lines[previous].strip():
        lint.report(
            source.line_point(token.map[0], "#"),
            "heading-after-list",
            "a heading directly follows a list item without a blank line: the site's current "
            "renderer swallows it; add a blank line before the heading",
        )


RULES.declare(
    "link-text-brackets",
    "warning",
    "`[[x]](url)`: the site's renderer shows it literally",
    "`[[CAF]](https://caf.fr)`",
    trigger="[[CAF]](https://caf.fr)\n",
)


@RULES.on_token("link_close")
def link_text_brackets(lint: TokenLint, token: Token, link: m.Link, siblings: list[Any]) -> None:
    """Called with the link the token closes."""
    first = link.children[0] if link.children else None
    if type(first) is not m.Text or not first.value.startswith("["):
        return
    text = render_text(m.Paragraph(children=link.children))
    if len(text) > 1 and text.startswith("[") and text.endswith("]"):
        lint.report(
            lint.where(0, "[" + text),
            "link-text-brackets",
            f"the link text {text!r} is in brackets: the site's current renderer shows "
            "'[[...]](...)' literally; remove the inner brackets",
        )


RULES.declare(
    "task-outside-list",
    "warning",
    "`[x]` at the start of a line outside a list",
    "`[x] fait`",
    trigger="[x] fait\n",
)


@RULES.on_token("paragraph_open")
def task_outside_list(lint: TokenLint, token: Token, parent: Any, siblings: list[Any]) -> None:
    if token.map is None or isinstance(parent, m.ListItem):
        return
    source = lint.ctx.source
    for index in range(token.map[0], min(token.map[1], len(source.lines))):
        line = source.lines[index]
        if _TASK_LINE.match(line):
            lint.report(
                source.line_point(index, "["),
                "task-outside-list",
                f"{line.strip()[:3]} starts a line outside a list: it is text here (GFM task "
                "items are list items), though the site's current renderer shows a checkbox; "
                "write '- [x] ...'",
            )


RULES.declare(
    "html-swallows-markdown",
    "warning",
    "Markdown right after an HTML line is kept as raw HTML",
    "`<div>` then `**gras**`",
    trigger="<div>\n**gras**\n",
)


@RULES.on_token("html_block")
def html_swallows_markdown(lint: TokenLint, token: Token, parent: Any, siblings: list[Any]) -> None:
    """Markdown written on the lines right after an HTML tag is raw HTML in CommonMark."""
    if token.map is None or RAW_HTML_START.match(token.content.lstrip()):
        return  # comments, scripts, <pre>: what they hold is meant to stay raw
    source = lint.ctx.source
    for index in range(token.map[0] + 1, min(token.map[1], len(source.lines))):
        line = source.lines[index]
        if _MARKDOWN_LINE.search(line) and not line.lstrip(" >").startswith("<"):
            lint.report(
                source.line_point(index, line.lstrip(" >")[:10] or None),
                "html-swallows-markdown",
                "this Markdown line directly follows an HTML block, so it is kept as raw HTML "
                "(CommonMark), though the site's current renderer parses it; put a blank line "
                "between the HTML and the Markdown",
            )
            return
