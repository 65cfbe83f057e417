"""Full-text search: SQLite FTS5 from the standard library, built once per snapshot.

Tokenizer ``unicode61 remove_diacritics 2`` (``éditeur`` = ``editeur``, case-insensitive), BM25
ranking with the title weighted 10, the tagline 5 and the body 1, and a snippet around the
matches with ``<mark>``. A plain query (words) matches guides holding every word, the last one
as a prefix (search as you type); a query using FTS5 syntax (quotes, ``*``, ``AND``/``OR``/``NOT``,
``NEAR``, parentheses, column filters) is passed as written, and a syntax error is the caller's
400, not a 500.
"""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Iterable

WEIGHTS = (10.0, 5.0, 1.0)  # title, tagline, body
SNIPPET_TOKENS = 16
_OPEN, _CLOSE = "\x02", "\x03"
_FTS_SYNTAX = re.compile(r'["*()^:+]|\b(?:AND|OR|NOT|NEAR)\b')
_WORD = re.compile(r"\w+")


class SearchError(ValueError):
    """The query cannot be run: its message says why, for a 400 naming ``q``."""


def fts_query(q: str) -> str:
    """The FTS5 MATCH expression for a user's query."""
    q = q.strip()
    if not q:
        raise SearchError("the query is empty")
    if _FTS_SYNTAX.search(q):
        return q
    words = _WORD.findall(q)
    if not words:
        raise SearchError("the query has no word to search")
    return " ".join(f'"{w}"' for w in words[:-1]) + (" " if len(words) > 1 else "") + f'"{words[-1]}"*'


def _snippet(raw: str) -> str:
    """Escape the snippet's text, then turn the match markers into <mark> elements."""
    return html.escape(raw, quote=False).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


class SearchIndex:
    """An in-memory FTS5 table of one snapshot's guides, keyed by their index in the snapshot."""

    def __init__(self, documents: Iterable[tuple[int, str, str, str]]) -> None:
        # The handlers run on the event loop's thread; a reload builds a new index elsewhere and
        # hands it over whole, so the connection is never used by two threads at once.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE guides USING fts5(title, tagline, body, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        self._db.executemany("INSERT INTO guides(rowid, title, tagline, body) VALUES (?, ?, ?, ?)", documents)
        weights = ", ".join(map(str, WEIGHTS))
        # 'rank' is bm25 with these weights: ORDER BY rank LIMIT lets FTS5 keep the best only.
        self._db.execute(f"INSERT INTO guides(guides, rank) VALUES ('rank', 'bm25({weights})')")
        self._ranked = "SELECT rowid FROM guides WHERE guides MATCH ? ORDER BY rank"
        self._page = "SELECT rowid FROM guides WHERE guides MATCH ? ORDER BY rank LIMIT ? OFFSET ?"
        self._count = "SELECT count(*) FROM guides WHERE guides MATCH ?"
        self._snippets = (
            f"SELECT rowid, snippet(guides, -1, '{_OPEN}', '{_CLOSE}', '…', {SNIPPET_TOKENS}) "
            "FROM guides WHERE guides MATCH ? AND rowid IN ({marks})"
        )

    def ranked(self, q: str) -> list[int]:
        """The indexes of the guides matching ``q``, best first."""
        query = fts_query(q)
        try:
            return [row[0] for row in self._db.execute(self._ranked, (query,))]
        except sqlite3.OperationalError as exc:
            raise SearchError(f"invalid search syntax: {exc}") from None

    def page(self, q: str, start: int, count: int) -> tuple[int, list[int]]:
        """(number of matches, the ``count`` best from ``start``): for a query without filters."""
        query = fts_query(q)
        try:
            total = self._db.execute(self._count, (query,)).fetchone()[0]
            ids = [row[0] for row in self._db.execute(self._page, (query, count, start))]
        except sqlite3.OperationalError as exc:
            raise SearchError(f"invalid search syntax: {exc}") from None
        return total, ids

    def snippets(self, q: str, ids: list[int]) -> dict[int, str]:
        """HTML snippets of ``q`` in the guides ``ids`` (only these: a page, not every match)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        sql = self._snippets.format(marks=marks)
        try:
            rows = self._db.execute(sql, (fts_query(q), *ids)).fetchall()
        except sqlite3.OperationalError as exc:
            raise SearchError(f"invalid search syntax: {exc}") from None
        return {rowid: _snippet(snippet or "") for rowid, snippet in rows}

    def close(self) -> None:
        self._db.close()
