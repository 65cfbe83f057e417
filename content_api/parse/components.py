"""markdown-it-py rules for JSX-like components (``<Quote ...>``, ``<External href>``, ...).

A component is a tag whose name starts with a capital letter. Three rules cooperate:

* ``component_block`` (block rule, before ``html_block``): an opening tag alone on its line (its
  attributes may span lines) whose closing tag comes on a later line opens a *block* component;
  the lines in between are parsed as Markdown blocks, blank lines included. Text may follow the
  opening tag on its line when a blank line separates it from the closing tag (no paragraph
  could hold both). A self-closing tag
  alone on its line (``<NextSteps />``) is a block component without children. Both may
  interrupt a paragraph, like CommonMark's HTML blocks of type 6.
* ``component_inline`` (inline rule, before ``html_inline``): any other component, inside a
  paragraph, heading or table cell; its children are parsed as inline Markdown.
* ``html_block`` is wrapped so that a capitalized tag is never raw HTML: an HTML block neither
  starts with one nor swallows the lines that start with one (``<br/>`` then ``<Button>``).

A capitalized tag that is not a valid component stays text. An opening tag that is never closed
is read as self-closing, as the site's renderer does (the text after it stays ordinary Markdown);
a closing tag without its opening tag stays text. The converter reports both.
Tokens carry a ``meta`` dict: ``name``, ``attrs`` (list of :class:`.tags.Attr`), ``inline`` and
``offset`` (position of ``<`` in the token stream's source). Tags are read by :mod:`.tags`.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.html_block import html_block
from markdown_it.rules_inline import StateInline

from ..lint.markdown import RAW_HTML_START
from .budget import parse_budget
from .html_policy import DANGEROUS_ELEMENTS
from .tags import WS, scan_budget, scan_tag, tag_index

_CLOSE_TAG = re.compile(r"</([A-Z][A-Za-z0-9_.]*)\s*>")
_LOOKS_LIKE_TAG = re.compile(r"<[A-Z][^<>\n]{0,200}>")

_HTML_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")


def is_dangerous_html(src: str, pos: int, end: int) -> bool:
    """``<SCRIPT``, ``</Style``...: an element that runs code, whatever its case, is HTML, not a
    component, so that the raw-HTML rules see it and make it safe (content_api.parse.html_safety)."""
    match = _HTML_NAME.match(src, pos, end)
    return match is not None and match.group(1).lower() in DANGEROUS_ELEMENTS


def _is_capitalized_tag(src: str, pos: int, end: int) -> bool:
    if pos + 1 >= end or src[pos] != "<":
        return False
    first = pos + 2 if src[pos + 1] == "/" else pos + 1
    return first < end and "A" <= src[first] <= "Z" and not is_dangerous_html(src, pos, end)


# --- block rule -----------------------------------------------------------------------------------


def _line_of(state: StateBlock, offset: int, first: int, last: int) -> int:
    """Index of the line (between ``first`` and ``last``) that contains ``offset``."""
    return bisect_left(state.eMarks, offset, first, last)


def component_block(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    if state.sCount[startLine] - state.blkIndent >= 4:
        return False
    src = state.src
    pos = state.bMarks[startLine] + state.tShift[startLine]
    limit = state.eMarks[endLine - 1] if endLine > startLine else state.eMarks[startLine]
    if src[pos : pos + 1] != "<" or pos + 1 >= limit or not "A" <= src[pos + 1] <= "Z":
        return False
    if is_dangerous_html(src, pos, limit):
        return False
    budget = scan_budget(state.env, len(src))
    tag = scan_tag(src, pos, limit, budget)
    if budget.exhausted and budget.line is None:
        budget.line = startLine
    if tag is None:
        return False
    open_last = _line_of(state, tag.end - 1, startLine, endLine)
    index = tag_index(state.env, src)
    close = None if tag.self_closing else index.closing(tag.name, pos, tag.end, limit)
    text_after = bool(src[tag.end : state.eMarks[open_last]].strip())
    if text_after and not _spans_blank_line(state, open_last, close):
        return False  # text after the opening tag, closed in the same paragraph: inline
    if silent:
        return True
    meta = {"name": tag.name, "attrs": tag.attrs, "inline": False, "offset": pos}
    if close is None:
        # Self-closing, or never closed: then it is read as self-closing (as the site does),
        # the lines after it stay ordinary Markdown and the converter reports it.
        meta["unclosed"] = not tag.self_closing
        token = state.push("component", "", 0)
        token.map = [startLine, open_last + 1]
        token.meta = meta
        state.line = open_last + 1
        return True
    _block_children(state, startLine, open_last, close, meta, tag.end if text_after else None)
    return True


def _spans_blank_line(state: StateBlock, open_last: int, close: tuple[int, int] | None) -> bool:
    """True when a blank line separates the opening tag from ``close``: no paragraph holds both."""
    if close is None:
        return False
    close_line = _line_of(state, close[0], open_last, state.lineMax)
    return any(state.isEmpty(line) for line in range(open_last + 1, close_line))


def _block_children(
    state: StateBlock,
    startLine: int,
    open_last: int,
    close: tuple[int, int],
    meta: dict[str, object],
    first_text: int | None,
) -> None:
    """Tokenize the lines between the opening tag and ``close`` as nested blocks.

    ``first_text`` is where text starts after the opening tag on its own line, if it does.
    """
    src = state.src
    close_line = _line_of(state, close[0], open_last, state.lineMax)
    content_end = close_line
    saved_emark = state.eMarks[close_line]
    if src[state.bMarks[close_line] : close[0]].strip():  # text before the closing tag
        state.eMarks[close_line] = close[0]
        content_end = close_line + 1
    old_parent, old_line_max, old_indent = state.parentType, state.lineMax, state.blkIndent
    indents = [state.sCount[i] for i in range(open_last + 1, content_end) if not state.isEmpty(i)]
    state.blkIndent = max(old_indent, min(indents, default=old_indent))
    state.parentType = "component"
    state.lineMax = content_end
    first = open_last + 1
    saved_first = (state.bMarks[open_last], state.tShift[open_last], state.sCount[open_last])
    if first_text is not None:  # the first line of content starts right after the tag
        first = open_last
        state.bMarks[open_last] = first_text
        state.tShift[open_last] = WS.match(src, first_text).end() - first_text  # type: ignore[union-attr]
        state.sCount[open_last] = state.blkIndent

    token = state.push("component_open", "", 1)
    token.map = [startLine, close_line + 1]
    token.meta = meta
    state.md.block.tokenize(state, first, content_end)
    state.push("component_close", "", -1)

    state.bMarks[open_last], state.tShift[open_last], state.sCount[open_last] = saved_first
    state.parentType, state.lineMax, state.blkIndent = old_parent, old_line_max, old_indent
    state.eMarks[close_line] = saved_emark
    _after_close(state, close_line, close[1])


def _after_close(state: StateBlock, close_line: int, tail: int) -> None:
    """Go on after a block component's closing tag, which ends at ``tail`` on ``close_line``."""
    src, end = state.src, state.eMarks[close_line]
    if src[tail:end].strip():
        # Text after the closing tag starts a new block on the same line.
        shift = WS.match(src, tail, end).end() - tail  # type: ignore[union-attr]
        state.bMarks[close_line] = tail
        state.tShift[close_line] = shift
        state.sCount[close_line] = state.blkIndent + shift
        state.line = close_line
    else:
        state.line = close_line + 1


def html_block_without_components(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """CommonMark's HTML block, except that capitalized tags are components, never raw HTML."""
    src = state.src
    pos = state.bMarks[startLine] + state.tShift[startLine]
    if src[pos : pos + 1] != "<" or _is_capitalized_tag(src, pos, state.eMarks[startLine]):
        return False
    if not silent and not RAW_HTML_START.match(src, pos):
        # Types 6 and 7 run to the next blank line: stop them before a line that starts a component.
        for line in range(startLine + 1, endLine):
            start = state.bMarks[line] + state.tShift[line]
            end = state.eMarks[line]
            if start >= end:
                break
            if _is_capitalized_tag(src, start, end):
                endLine = line
                break
    return html_block(state, startLine, endLine, silent)


# --- inline rule ----------------------------------------------------------------------------------


def component_inline(state: StateInline, silent: bool) -> bool:
    src, pos, end = state.src, state.pos, state.posMax
    if src[pos] != "<" or pos + 1 >= end or is_dangerous_html(src, pos, end):
        return False
    ch = src[pos + 1]
    if ch == "/":
        return _stray_close(state, silent)
    if not "A" <= ch <= "Z":
        return False
    budget = scan_budget(state.env, len(src))
    tag = scan_tag(src, pos, end, budget)
    if budget.exhausted and budget.line is None:
        current = parse_budget(state.env).current
        budget.line = current.map[0] if current is not None and current.map else None
    if tag is None:
        _invalid_tag(state, silent)
        return True
    meta = {"name": tag.name, "attrs": tag.attrs, "inline": True, "offset": pos}
    index = tag_index(state.env, src)
    close = None if tag.self_closing else index.closing(tag.name, pos, tag.end, end)
    if close is None:
        # Self-closing, or never closed (read as self-closing; the converter reports it).
        if not silent:
            meta["unclosed"] = not tag.self_closing
            state.push("component", "", 0).meta = meta
        state.pos = tag.end
        return True
    if not silent:
        state.push("component_open", "", 1).meta = meta
        state.pos, state.posMax = tag.end, close[0]
        state.md.inline.tokenize(state)
        state.posMax = end
        state.push("component_close", "", -1)
    state.pos = close[1]
    return True


def _stray_close(state: StateInline, silent: bool) -> bool:
    """``</Name>`` without an opening tag: text, reported by the converter."""
    src, pos, end = state.src, state.pos, state.posMax
    if not (pos + 2 < end and "A" <= src[pos + 2] <= "Z"):
        return False
    match = _CLOSE_TAG.match(src, pos, end)
    if match is None:
        if not silent:
            state.pending += "<"
        state.pos += 1
        return True
    if not silent:
        token = state.push("component_stray", "", 0)
        token.content = match.group()
        token.meta = {"name": match.group(1), "offset": pos}
    state.pos = match.end()
    return True


def _invalid_tag(state: StateInline, silent: bool) -> None:
    """A capitalized tag that is not a valid component: its ``<`` is text, the rest is parsed."""
    looks = _LOOKS_LIKE_TAG.match(state.src, state.pos, state.posMax)
    if not silent:
        if looks:
            token = state.push("component_invalid", "", 0)
            token.content = "<"
            token.meta = {"snippet": looks.group(), "offset": state.pos}
        else:
            state.pending += "<"
    state.pos += 1


def components_plugin(md: MarkdownIt) -> None:
    """Install the component rules on ``md``."""
    md.block.ruler.before(
        "html_block",
        "component_block",
        component_block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    md.block.ruler.at(
        "html_block",
        html_block_without_components,
        {"alt": ["paragraph", "reference", "blockquote"]},
    )
    md.inline.ruler.before("html_inline", "component", component_inline)
