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
Tokens carry a ``meta`` dict: ``name``, ``attrs`` (list of :class:`Attr`), ``inline`` and
``offset`` (position of ``<`` in the token stream's source).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.html_block import html_block
from markdown_it.rules_inline import StateInline

from .html_safety import DROPPED_ELEMENTS

_NAME = re.compile(r"[A-Z][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_ATTR_NAME = re.compile(r"[A-Za-z_:$][A-Za-z0-9_:.$-]*")
_UNQUOTED = re.compile(r"[^\s>]+")
_WS = re.compile(r"\s*")
_CLOSE_TAG = re.compile(r"</([A-Z][A-Za-z0-9_.]*)\s*>")
_LOOKS_LIKE_TAG = re.compile(r"<[A-Z][^<>\n]{0,200}>")
# HTML blocks that end at a closing sequence (types 1-5) may contain anything: never cut them.
RAW_HTML_START = re.compile(r"<(?:!|\?|(?i:script|pre|style|textarea)(?=[\s>]|$))")


_AFTER_VALUE = frozenset(" \t\n/>")


@lru_cache(maxsize=2)
def _quote_end(quote: str) -> re.Pattern[str]:
    return re.compile(re.escape(quote) + r"(?=[\s/>])")


class Attr(NamedTuple):
    """One attribute as written.

    ``kind`` is ``string``, ``bool``, ``expression``, ``unquoted`` or ``string-unbalanced``
    (a quoted value that contains its own quote character).
    """

    name: str
    kind: str
    value: str
    offset: int


class Tag(NamedTuple):
    name: str
    attrs: list[Attr]
    self_closing: bool
    start: int
    end: int


def _match_brace(src: str, pos: int, end: int) -> int:
    """Offset of the ``}`` closing the ``{`` at ``pos`` (strings skipped), or -1."""
    depth = 0
    i = pos
    while i < end:
        ch = src[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        elif ch in "\"'`":
            i += 1
            while i < end and src[i] != ch:
                i += 2 if src[i] == "\\" else 1
            if i >= end:
                return -1
        i += 1
    return -1


def _scan_value(src: str, name: str, j: int, k: int, end: int) -> tuple[Attr, int] | None:
    """The value starting at ``k`` of the attribute named ``name`` (at ``j``), and where it ends."""
    ch = src[k]
    if ch in "\"'":
        close = src.find(ch, k + 1, end)
        if close < 0:
            return None
        kind = "string"
        if close + 1 < end and src[close + 1] not in _AFTER_VALUE:
            # 'Ministère de l'Intérieur': the quote was an apostrophe; the value ends at the
            # next quote that is followed by what may follow a value.
            later = _quote_end(ch).search(src, close + 1, end)
            if later is not None:
                close, kind = later.start(), "string-unbalanced"
        return Attr(name, kind, src[k + 1 : close], j), close + 1
    if ch == "{":
        close = _match_brace(src, k, end)
        if close < 0:
            return None
        return Attr(name, "expression", src[k + 1 : close], j), close + 1
    match = _UNQUOTED.match(src, k, end)
    if match is None:
        return None
    return Attr(name, "unquoted", match.group(), j), match.end()


def scan_tag(src: str, pos: int, end: int) -> Tag | None:
    """Parse the opening or self-closing component tag at ``src[pos] == '<'``, or None."""
    match = _NAME.match(src, pos + 1, end)
    if match is None:
        return None
    name, i = match.group(), match.end()
    attrs: list[Attr] = []
    while True:
        j = _WS.match(src, i, end).end()  # type: ignore[union-attr]
        if j >= end:
            return None
        ch = src[j]
        if ch == ">":
            return Tag(name, attrs, False, pos, j + 1)
        if ch == "/":
            if j + 1 < end and src[j + 1] == ">":
                return Tag(name, attrs, True, pos, j + 2)
            return None
        if j == i:  # attributes are separated from the name and from each other by whitespace
            return None
        attr_name = _ATTR_NAME.match(src, j, end)
        if attr_name is None:
            return None
        k = _WS.match(src, attr_name.end(), end).end()  # type: ignore[union-attr]
        if k < end and src[k] == "=":
            k = _WS.match(src, k + 1, end).end()  # type: ignore[union-attr]
            if k >= end:
                return None
            scanned = _scan_value(src, attr_name.group(), j, k, end)
            if scanned is None:
                return None
            attr, i = scanned
            attrs.append(attr)
        else:
            attrs.append(Attr(attr_name.group(), "bool", "", j))
            i = attr_name.end()


@lru_cache(maxsize=256)
def _tag_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"<(/?)" + re.escape(name) + r"(?=[\s/>])")


def find_close(src: str, name: str, start: int, end: int) -> tuple[int, int] | None:
    """(start, end) of the ``</name>`` that closes a tag opened before ``start``, nesting counted."""
    if src.find("</" + name, start, end) < 0:
        return None
    pattern = _tag_pattern(name)
    depth = 1
    i = start
    while True:
        match = pattern.search(src, i, end)
        if match is None:
            return None
        if match.group(1):
            k = _WS.match(src, match.end(), end).end()  # type: ignore[union-attr]
            if k < end and src[k] == ">":
                depth -= 1
                if depth == 0:
                    return match.start(), k + 1
            i = match.end()
        else:
            tag = scan_tag(src, match.start(), end)
            if tag is None:
                i = match.end()
            else:
                depth += 0 if tag.self_closing else 1
                i = tag.end


_HTML_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")


def is_dangerous_html(src: str, pos: int, end: int) -> bool:
    """``<SCRIPT``, ``</Style``...: an element that runs code, whatever its case, is HTML, not a
    component, so that the raw-HTML rules see it and make it safe (content_api.parse.html_safety)."""
    match = _HTML_NAME.match(src, pos, end)
    return match is not None and match.group(1).lower() in DROPPED_ELEMENTS


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
    tag = scan_tag(src, pos, limit)
    if tag is None:
        return False
    open_last = _line_of(state, tag.end - 1, startLine, endLine)
    close = None if tag.self_closing else find_close(src, tag.name, tag.end, limit)
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
        state.tShift[open_last] = _WS.match(src, first_text).end() - first_text  # type: ignore[union-attr]
        state.sCount[open_last] = state.blkIndent

    token = state.push("component_open", "", 1)
    token.map = [startLine, close_line + 1]
    token.meta = meta
    state.md.block.tokenize(state, first, content_end)
    state.push("component_close", "", -1)

    state.bMarks[open_last], state.tShift[open_last], state.sCount[open_last] = saved_first
    state.parentType, state.lineMax, state.blkIndent = old_parent, old_line_max, old_indent
    state.eMarks[close_line] = saved_emark
    tail = close[1]
    if src[tail:saved_emark].strip():
        # Text after the closing tag starts a new block on the same line.
        shift = _WS.match(src, tail, saved_emark).end() - tail  # type: ignore[union-attr]
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
    tag = scan_tag(src, pos, end)
    if tag is None:
        _invalid_tag(state, silent)
        return True
    meta = {"name": tag.name, "attrs": tag.attrs, "inline": True, "offset": pos}
    close = None if tag.self_closing else find_close(src, tag.name, tag.end, end)
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
