"""Search snippets, cut in Python in bounded time.

FTS5's ``snippet()`` and ``highlight()`` compare every match of a row with the others: measured,
``highlight()`` of one column holding 18,000 matches of a word took 0.7 s and 150,000 matches of a
prefix 9 s (``snippet()`` is worse), each within one SQLite instruction that no time budget can
stop. So the snippets are cut here: one regular expression built from the query's terms (case and
accents aside, as the index's tokenizer) finds the first :data:`MAX_HITS` matches of each column,
and the window of :data:`SNIPPET_TOKENS` tokens is chosen as ``snippet()`` chooses it: 1,000 per
distinct term in it and 1 per other match, 100 more when it starts a sentence (120 when it starts
the column), else centred on its matches; ``…`` where the column goes on, each match in ``<mark>``.
The work is linear in the text looked at, which the cap on matches bounds.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
from collections.abc import Sequence

from ..ids import strip_accents

SNIPPET_TOKENS = 16
#: Matches looked at per column: the window is chosen among them.
MAX_HITS = 256
#: Two matches further apart than this many characters are never in one window.
FAR = 2000

WORD = re.compile(r"\w+")
_TERM = re.compile(r"(\w+)(\*?)")
#: What is not a term in FTS5 syntax: column filters (``title:``, ``{title body}:``), NEAR distances.
_NOT_TERMS = re.compile(r"\{[^}]*\}\s*:|\w+\s*:|,\s*\d+\s*\)")
OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
#: What comes right before a token that starts a sentence, for FTS5: "." or ":", then spaces.
_SENTENCE = re.compile(r"[.:][ \t\n\r]+(?=\w)")

Span = tuple[int, int]
#: (token index, start, end, term) of a match; token indexes are relative (see ``_matches``).
Hit = tuple[int, int, int, str]


def _accented() -> dict[str, str]:
    """Each ASCII letter and the Latin letters that are it with diacritics (``e``: ``éèêë…``)."""
    table: dict[str, str] = {}
    for code in range(0xC0, 0x250):
        letter = chr(code)
        base = strip_accents(letter).lower()
        if len(base) == 1 and "a" <= base <= "z":
            table[base] = table.get(base, "") + letter
    return table


_ACCENTED = _accented()


def _pattern(term: str) -> str:
    return "".join(f"[{c}{_ACCENTED[c]}]" if c in _ACCENTED else re.escape(c) for c in term)


class Terms:
    """The terms of a query: which words a snippet marks, and which term a matched word is (a
    snippet scores the distinct terms it shows: ``familiales`` is the term ``familial*``)."""

    def __init__(self, q: str, syntax: bool) -> None:
        text = _NOT_TERMS.sub(" ", q) if syntax else q
        found = [(word, star) for word, star in _TERM.findall(text) if not (syntax and word in OPERATORS)]
        if not syntax and found:  # plain words: the last one is a prefix
            found[-1] = (found[-1][0], "*")
        self.exact = {strip_accents(word).lower() for word, star in found if not star}
        self.prefixes = sorted(
            {strip_accents(word).lower() for word, star in found if star}, key=len, reverse=True
        )
        choices = [_pattern(p) + r"\w*" for p in self.prefixes]
        choices += [_pattern(t) + r"(?!\w)" for t in sorted(self.exact, key=len, reverse=True)]
        self._seen: dict[str, str] = {}
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(choices) + ")", re.IGNORECASE) if choices else None

    def of(self, word: str) -> str:
        """The term ``word`` matched (``Familiales`` -> ``familial``)."""
        found = self._seen.get(word)
        if found is None:
            key = strip_accents(word).lower()
            found = key if key in self.exact else next((p for p in self.prefixes if key.startswith(p)), key)
            if len(self._seen) < 4 * MAX_HITS:
                self._seen[word] = found
        return found


def _tokens_before(text: str, position: int, count: int) -> list[Span]:
    """Up to ``count`` tokens ending at or before ``position``, in order (looking back in chunks)."""
    if count <= 0:
        return []
    chunk = 32 * count
    while True:
        start = max(0, position - chunk)
        spans = [found.span() for found in WORD.finditer(text, start, position)]
        if start and spans and spans[0][0] == start and WORD.match(text, start - 1):
            spans = spans[1:]  # the tail of a longer token
        if len(spans) >= count or start == 0:
            return spans[-count:]
        chunk *= 4


def _matches(text: str, terms: Terms) -> list[Hit]:
    """The first :data:`MAX_HITS` matches of ``terms`` in ``text``. Token indexes count the tokens
    between two matches when they are close, and put far ones (:data:`FAR`) beyond any window."""
    if terms.pattern is None:
        return []
    hits: list[Hit] = []
    index, previous = 0, 0
    for found in itertools.islice(terms.pattern.finditer(text), MAX_HITS):
        start, end = found.span()
        if start - previous > FAR:
            index += SNIPPET_TOKENS + 1
        else:
            index += len(WORD.findall(text, previous, start))
        hits.append((index, start, end, terms.of(found.group())))
        index, previous = index + 1, end
    return hits


def _sentences(text: str, end: int) -> list[int]:
    """Where the tokens that start a sentence start, up to ``end``: the first token, and each one
    right after a "." or ":" and spaces (FTS5's rule)."""
    first = WORD.search(text, 0, end)
    if first is None:
        return []
    return [first.start()] + [found.end() for found in _SENTENCE.finditer(text, first.end(), end)]


def _candidates(text: str, hits: Sequence[Hit]) -> list[tuple[int, int, int]]:
    """(first token, bonus, start character) of the windows worth scoring, as ``snippet()``: one at
    each match (centred later: a start character of -1 - the match's index), and, when the column
    is longer than a window, one at the start of the sentence holding a match, if the window then
    holds it (a bonus of 100, 120 at the column's start)."""
    found: dict[int, tuple[int, int]] = {}
    longer = sum(1 for _ in itertools.islice(WORD.finditer(text), SNIPPET_TOKENS + 1)) > SNIPPET_TOKENS
    sentences = _sentences(text, hits[-1][1] + 1) if hits and longer else []
    for k, (index, start, _end, _term) in enumerate(hits):
        found.setdefault(index, (0, -1 - k))
        closest = bisect.bisect_left(sentences, start) - 1  # strictly before the match
        if closest < 0 or start - sentences[closest] > FAR:
            continue
        back = len(WORD.findall(text, sentences[closest], start))
        bonus = 120 if closest == 0 else 100
        if back < SNIPPET_TOKENS and found.get(index - back, (0, 0))[0] < bonus:
            found[index - back] = (bonus, sentences[closest])
    return sorted((index, bonus, start) for index, (bonus, start) in found.items())


def _best(text: str, hits: Sequence[Hit]) -> tuple[int, int, int]:
    """(score, start character, tokens to take before it) of the best window; two pointers over the
    matches (linear)."""
    best = (0, 0, 0)
    counts: dict[str, int] = {}
    low = high = 0
    for index, bonus, start in _candidates(text, hits):
        while high < len(hits) and hits[high][0] < index + SNIPPET_TOKENS:
            counts[hits[high][3]] = counts.get(hits[high][3], 0) + 1
            high += 1
        while low < high and hits[low][0] < index:
            counts[hits[low][3]] -= 1
            if not counts[hits[low][3]]:
                del counts[hits[low][3]]
            low += 1
        score = 1000 * len(counts) + (high - low - len(counts)) + bonus
        if score > best[0]:
            if start >= 0:  # at a sentence's start
                best = (score, start, 0)
            else:  # centred on the matches it holds
                span = hits[high - 1][0] + 1 - index
                best = (score, hits[-1 - start][1], max(0, (SNIPPET_TOKENS - span) // 2))
    return best


def column_snippet(text: str, terms: Terms) -> tuple[int, str]:
    """(score, HTML) of the best window of ``text`` for ``terms``: the text escaped, matches in
    ``<mark>``, ``…`` where the column goes on."""
    if not text:
        return 0, ""
    hits = _matches(text, terms)
    score, anchor, back = _best(text, hits)
    window = _tokens_before(text, anchor, back)
    after = list(itertools.islice(WORD.finditer(text, anchor), SNIPPET_TOKENS + 1 - len(window)))
    goes_on = len(window) + len(after) > SNIPPET_TOKENS
    window += [found.span() for found in after[: SNIPPET_TOKENS - len(window)]]
    if not goes_on and window and len(window) < SNIPPET_TOKENS:  # the end: fill the window back
        window = _tokens_before(text, window[0][0], SNIPPET_TOKENS - len(window)) + window
    if not window:
        return score, html.escape(text, quote=False)
    at_start = not _tokens_before(text, window[0][0], 1)
    begin = 0 if at_start else window[0][0]
    end = window[-1][1] if goes_on else len(text)
    starts = [hit[1] for hit in hits]
    out, cursor = [], begin
    for _index, start, stop, _term in hits[bisect.bisect_left(starts, begin) :]:
        if stop > end:
            break
        out += [
            html.escape(text[cursor:start], quote=False),
            "<mark>",
            html.escape(text[start:stop], quote=False),
            "</mark>",
        ]
        cursor = stop
    out.append(html.escape(text[cursor:end], quote=False))
    return score, ("" if at_start else "…") + "".join(out) + ("…" if goes_on else "")


def snippet(columns: Sequence[str | None], terms: Terms) -> str:
    """The snippet of a row: the best window of its columns (the first one on a tie)."""
    best = (-1, "")
    for text in columns:
        scored = column_snippet(text or "", terms)
        if scored[0] > best[0]:
            best = scored
    return best[1]
