"""Component tags read from the text: names, attributes, and which closing tag closes which.

:func:`scan_tag` reads an opening or self-closing tag (``<Quote who="…" logo='…' items={[…]} alt>``)
with its attributes as written; :class:`TagIndex` lists every tag of a text once and pairs them as
brackets are paired. Every read ahead (a quoted value, a ``{…}`` expression, a closing tag to find)
draws on one :class:`ScanBudget` per parse, so that a hostile file cannot make it quadratic.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import MutableMapping
from functools import lru_cache
from typing import Any, NamedTuple

_NAME = re.compile(r"[A-Z][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_ATTR_NAME = re.compile(r"[A-Za-z_:$][A-Za-z0-9_:.$-]*")
_UNQUOTED = re.compile(r"[^\s>]+")
WS = re.compile(r"\s*")


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
#: Attributes a component tag may have (the site's have a handful); a tag with more is text.
MAX_ATTRIBUTES = 100
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


def _scan_attribute(src: str, j: int, end: int, budget: ScanBudget) -> tuple[Attr, int] | None:
    """The attribute at ``j`` (``name``, ``name=value``) and where it ends, or None."""
    attr_name = _ATTR_NAME.match(src, j, end)
    if attr_name is None:
        return None
    k = WS.match(src, attr_name.end(), end).end()  # type: ignore[union-attr]
    if k < end and src[k] == "=":
        k = WS.match(src, k + 1, end).end()  # type: ignore[union-attr]
        if k >= end:
            return None
        return _scan_value(src, attr_name.group(), j, k, end, budget)
    return Attr(attr_name.group(), "bool", "", j), attr_name.end()


def scan_tag(src: str, pos: int, end: int, budget: ScanBudget = _UNLIMITED) -> Tag | None:
    """Parse the opening or self-closing component tag at ``src[pos] == '<'``, or None."""
    match = _NAME.match(src, pos + 1, end)
    if match is None:
        return None
    name, i = match.group(), match.end()
    attrs: list[Attr] = []
    while len(attrs) <= MAX_ATTRIBUTES:
        j = WS.match(src, i, end).end()  # type: ignore[union-attr]
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
        scanned = _scan_attribute(src, j, end, budget)
        if scanned is None:
            return None
        attr, i = scanned
        attrs.append(attr)
    return None  # more attributes than any component has: a tag of text, not a component


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
        self.closes: dict[str, int] = {}  # name -> how many closing tags it has
        for match in _ANY_TAG.finditer(src):
            name, closing = match.group(2), bool(match.group(1))
            self.events.setdefault(name, []).append((match.start(), 0 if closing else 1))
            if closing:
                self.closes[name] = self.closes.get(name, 0) + 1
        self._pairs: dict[str, dict[int, tuple[int, int] | None]] = {}

    def closing(self, name: str, opened_at: int, start: int, end: int) -> tuple[int, int] | None:
        """(start, end) of the ``</name>`` closing the tag opened at ``opened_at``, before ``end``."""
        if not self.closes.get(name):  # no closing tag of this name anywhere: nothing to pair
            return None
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
