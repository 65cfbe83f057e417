"""markdown-it-py's ``parseLinkLabel``, with what each scan learnt kept for the next ones.

To know whether ``[`` opens a link, markdown-it reads on to its matching ``]``, counting the
plain ``[`` and ``]`` on the way, and does so again from every ``[``: ``[a`` repeated over a
megabyte took minutes. This version gives the same answers (a property test compares them) but
remembers, for every plain ``[`` a scan passes (one no other rule takes), where its ``]`` is or
that it has none. A later scan that meets such a ``[`` jumps over its whole group, or knows at
once that it cannot close either: each character is read a bounded number of times.

Answers are kept per inline state, per ``disableNested`` and per end of the text being read
(``posMax``, smaller inside a link's text): a scan's answer holds only for the same three.
"""

from __future__ import annotations

from typing import Any

from markdown_it.rules_inline import StateInline

#: The attribute of an inline state where its scans' answers are kept.
_MEMO = "_content_api_labels"


def _memo(state: StateInline, disable_nested: bool) -> dict[int, int]:
    memos: dict[Any, dict[int, int]] | None = getattr(state, _MEMO, None)
    if memos is None:
        memos = {}
        setattr(state, _MEMO, memos)
    return memos.setdefault((disable_nested, state.posMax), {})


def parse_link_label(state: StateInline, start: int, disableNested: bool = False) -> int:
    """The position of the ``]`` that closes the ``[`` at ``start``, or -1 (markdown-it's contract)."""
    memo = _memo(state, disableNested)
    known = memo.get(start)
    if known is not None:
        return known
    old = state.pos
    try:
        return _scan(state, start, disableNested, memo)
    finally:
        state.pos = old


def _scan(state: StateInline, start: int, disable_nested: bool, memo: dict[int, int]) -> int:
    src, end, cache = state.src, state.posMax, state.cache
    opened = [start]  # the [ not closed yet, innermost last
    pos = start + 1
    while pos < end:
        marker = src[pos]
        if marker == "]":
            memo[opened.pop()] = pos
            if not opened:
                return pos
        elif marker == "[" and cache.get(pos) == pos + 1 and pos in memo:
            # a plain [ seen by an earlier scan: it closes at memo[pos], or never
            if memo[pos] < 0:
                return _fail(opened, memo)
            pos = memo[pos] + 1
            continue
        state.pos = pos
        state.md.inline.skipToken(state)
        if marker == "[":
            if state.pos == pos + 1:
                opened.append(pos)
            elif disable_nested:  # a link inside: this cannot be a link's text
                return _fail(opened, memo)
        pos = state.pos
    return _fail(opened, memo)


def _fail(opened: list[int], memo: dict[int, int]) -> int:
    """None of the ``[`` still open can close: every scan from one of them would read on to here."""
    for position in opened:
        memo[position] = -1
    return -1
