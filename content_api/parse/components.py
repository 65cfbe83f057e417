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
from collections.abc import MutableMapping
from functools import lru_cache
from typing import Any, NamedTuple

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.html_block import html_block
from markdown_it.rules_inline import StateInline

from .budget import parse_budget
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


class ScanBudget:
    """How far, in characters, the look-ahead scans of one parse may still read.

    Finding where a tag, a quoted value, a ``{...}`` expression or a closing tag ends reads ahead
    of the current position. Real guides need a few times their size in all; a hostile file (a
    thousand ``<Foo x={`` that never close) would make each attempt read to the end of the file.
    Past the budget, such scans give up: the constructs stay text (with a diagnostic), and the
    parse stays linear in the size of the file.
    """

    __slots__ = ("exhausted", "left", "line")

    def __init__(self, size: int) -> None:
        self.left = SCAN_BUDGET_FACTOR * size + SCAN_BUDGET_BASE
        self.exhausted = False
        #: the body line (0-based) where it ran out, when a rule could tell
        self.line: int | None = None

    def spend(self, distance: int) -> bool:
        """Count ``distance`` characters read; False once the budget is spent."""
        self.left -= distance
        if self.left < 0:
            self.exhausted = True
        return not self.exhausted


#: Characters that look-ahead scans may read, per character of the text parsed, plus a base.
SCAN_BUDGET_FACTOR = 20
SCAN_BUDGET_BASE = 1_000_000
#: What a step of brace matching costs, in characters of the budget.
STEP_COST = 64
_UNLIMITED = ScanBudget(0)
_UNLIMITED.left = 1 << 62

_BRACE_STEP = re.compile(r"[{}\"'`]")
_STRING_END = {
    quote: re.compile(rf"[^{quote}\\]*(?:\\.[^{quote}\\]*)*{quote}", re.DOTALL) for quote in "\"'`"
}


def _match_brace(src: str, pos: int, end: int, budget: ScanBudget = _UNLIMITED) -> int:
    """Offset of the ``}`` closing the ``{`` at ``pos`` (strings skipped), or -1."""
    if budget.exhausted:
        return -1
    depth = steps = 0
    i = pos
    while steps * STEP_COST < budget.left:  # each step is Python work: it costs more than a character
        steps += 1
        step = _BRACE_STEP.search(src, i, end)
        if step is None:
            break
        i = step.start()
        ch = src[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                budget.spend(i - pos + steps * STEP_COST)
                return i
        else:  # a string: skip to its closing quote (a backslash escapes the next character)
            string = _STRING_END[ch].match(src, i + 1, end)
            if string is None:
                break
            i = string.end() - 1
        i += 1
    budget.spend(end - pos + steps * STEP_COST)
    return -1


def _scan_value(src: str, name: str, j: int, k: int, end: int, budget: ScanBudget) -> tuple[Attr, int] | None:
    """The value starting at ``k`` of the attribute named ``name`` (at ``j``), and where it ends."""
    ch = src[k]
    if ch in "\"'":
        if budget.exhausted:
            return None
        close = src.find(ch, k + 1, end)
        budget.spend((close if close >= 0 else end) - k)
        if close < 0:
            return None
        kind = "string"
        if close + 1 < end and src[close + 1] not in _AFTER_VALUE:
            # 'Ministère de l'Intérieur': the quote was an apostrophe; the value ends at the
            # next quote that is followed by what may follow a value.
            later = _quote_end(ch).search(src, close + 1, end)
            budget.spend((later.start() if later is not None else end) - close)
            if later is not None:
                close, kind = later.start(), "string-unbalanced"
        return Attr(name, kind, src[k + 1 : close], j), close + 1
    if ch == "{":
        close = _match_brace(src, k, end, budget)
        if close < 0:
            return None
        return Attr(name, "expression", src[k + 1 : close], j), close + 1
    match = _UNQUOTED.match(src, k, end)
    if match is None:
        return None
    return Attr(name, "unquoted", match.group(), j), match.end()


def scan_tag(src: str, pos: int, end: int, budget: ScanBudget = _UNLIMITED) -> Tag | None:
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
            scanned = _scan_value(src, attr_name.group(), j, k, end, budget)
            if scanned is None:
                return None
            attr, i = scanned
            attrs.append(attr)
        else:
            attrs.append(Attr(attr_name.group(), "bool", "", j))
            i = attr_name.end()


_ANY_TAG = re.compile(r"<(/?)(" + _NAME.pattern + r")(?=[\s/>])")
_CLOSE_END = re.compile(r"\s*>")


class TagIndex:
    """Where the component tags of one text are, found in one pass, and which closes which.

    Looking for the tag that closes ``<Foo>`` from each opening tag reads to the end of the text
    each time (``<Foo>`` a hundred thousand times on a line took minutes). Here every opening and
    closing tag of a name is listed once, and paired as brackets are: an opening tag is closed by
    the first closing tag at which every opening tag after it is closed, which is exactly what a
    search from that opening tag, counting depth, finds. Tags written inside another tag's
    attribute values are skipped, as that search skips them.
    """

    def __init__(self, src: str, budget: ScanBudget) -> None:
        self.src = src
        self.budget = budget
        self.events: dict[str, list[tuple[int, int]]] = {}  # name -> (start, 1: open / 0: close)
        for match in _ANY_TAG.finditer(src):
            self.events.setdefault(match.group(2), []).append((match.start(), 0 if match.group(1) else 1))
        self._pairs: dict[str, dict[int, tuple[int, int] | None]] = {}

    def closing(self, name: str, opened_at: int, start: int, end: int) -> tuple[int, int] | None:
        """(start, end) of the ``</name>`` closing the tag opened at ``opened_at``, before ``end``."""
        pairs = self._pairs.get(name)
        if pairs is None:
            pairs = self._pairs[name] = self._pair(name)
        if opened_at not in pairs:  # a tag the one-pass reading skipped: search from it
            return self._search(name, start, end)
        found = pairs[opened_at]
        return found if found is not None and found[1] <= end else None

    def _pair(self, name: str) -> dict[int, tuple[int, int] | None]:
        src = self.src
        pairs: dict[int, tuple[int, int] | None] = {}
        opened: list[int] = []
        skip = -1  # inside a tag's attributes up to here
        for start, is_open in self.events.get(name, ()):
            if start < skip:
                continue
            if is_open:
                tag = scan_tag(src, start, len(src), self.budget)
                if tag is None:
                    continue
                skip = tag.end
                if tag.self_closing:
                    pairs[start] = None
                else:
                    opened.append(start)
                continue
            gt = _CLOSE_END.match(src, start + 2 + len(name))
            if gt is not None and opened:
                pairs[opened.pop()] = (start, gt.end())
        pairs.update(dict.fromkeys(opened))
        return pairs

    def _search(self, name: str, start: int, end: int) -> tuple[int, int] | None:
        """The closing tag found by reading on from ``start``, counting depth (within the budget)."""
        events = self.events.get(name, ())
        depth, skip = 1, -1
        for position, is_open in events[bisect_left(events, (start, -1)) :]:
            if position >= end or not self.budget.spend(position - max(start, skip)):
                return None
            if position < skip:
                continue
            if is_open:
                tag = scan_tag(self.src, position, end, self.budget)
                if tag is not None:
                    depth += 0 if tag.self_closing else 1
                    skip = tag.end
                continue
            gt = _CLOSE_END.match(self.src, position + 2 + len(name), end)
            if gt is not None:
                depth -= 1
                if depth == 0:
                    return position, gt.end()
        return None


def tag_index(env: MutableMapping[str, Any], src: str) -> TagIndex:
    """The TagIndex of ``src`` for this parse (made once per text, kept in markdown-it's env)."""
    indexes: dict[int, TagIndex] = env.setdefault("component_tags", {})
    index = indexes.get(id(src))
    if index is None or index.src is not src:
        index = indexes[id(src)] = TagIndex(src, scan_budget(env, len(src)))
    return index


def scan_budget(env: MutableMapping[str, Any], size: int) -> ScanBudget:
    """This parse's look-ahead budget (made at first need, for a text of ``size`` characters)."""
    budget: ScanBudget | None = env.get("scan_budget")
    if budget is None:
        budget = env["scan_budget"] = ScanBudget(size)
    return budget


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
