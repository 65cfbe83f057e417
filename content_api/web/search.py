"""Full-text search: SQLite FTS5 from the standard library, built once per snapshot.

Tokenizer ``unicode61 remove_diacritics 2`` (``éditeur`` = ``editeur``, case-insensitive), BM25
ranking with the title weighted 10, the tagline 5 and the body 1, and a snippet around the
matches with ``<mark>``. A plain query (words) matches guides holding every word, the last one
as a prefix (search as you type); a query using FTS5 syntax (quotes, ``*``, ``AND``/``OR``/``NOT``,
``NEAR``, parentheses, column filters) is passed as written, and one FTS5 cannot parse is searched
as plain words: a search never fails.
"""

from __future__ import annotations

import html
import itertools
import re
import sqlite3
import zlib
from collections.abc import Iterable
from typing import Any

WEIGHTS = (10.0, 5.0, 1.0)  # title, tagline, body
SNIPPET_TOKENS = 16
_OPEN, _CLOSE = "\x02", "\x03"
_FTS_SYNTAX = re.compile(r'["*()^:+]|\b(?:AND|OR|NOT|NEAR)\b')
_WORD = re.compile(r"\w+")
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})


def words_query(q: str, operators: bool = False) -> str | None:
    """Guides holding every word of ``q``, the last one as a prefix; None when ``q`` has no word.

    With ``operators``, the FTS5 operators (``AND``, ``OR``, ``NOT``, ``NEAR``) are not words.
    """
    words = [w for w in _WORD.findall(q) if not (operators and w in _OPERATORS)]
    if not words:
        return None
    return " ".join(f'"{w}"' for w in words[:-1]) + (" " if len(words) > 1 else "") + f'"{words[-1]}"*'


def fts_queries(q: str) -> list[str]:
    """The FTS5 MATCH expressions to try for a user's query, in order.

    FTS5 syntax is passed as written; should it not parse (a stray quote, ``AND`` at the end),
    the words of the query are searched instead: a search box never answers with an error.
    """
    q = q.strip()
    syntax = _FTS_SYNTAX.search(q) is not None
    words = words_query(q, operators=syntax)
    return ([q] if syntax else []) + ([words] if words is not None else [])


def _snippet(raw: str) -> str:
    """Escape the snippet's text, then turn the match markers into <mark> elements."""
    return html.escape(raw, quote=False).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _inflate(data: bytes | None) -> str | None:
    return None if data is None else zlib.decompress(data).decode()


class SearchIndex:
    """An in-memory FTS5 table of one snapshot's guides, keyed by their index in the snapshot.

    The index keeps no copy of the texts: it is an external-content table over a view whose body
    column is inflated on demand from a zlib-compressed blob (a third of the size), read only to cut
    the snippets of one page.
    """

    def __init__(self, documents: Iterable[tuple[int, str, str, str]]) -> None:
        # The handlers run on the event loop's thread; a reload builds a new index elsewhere and
        # hands it over whole, so the connection is never used by two threads at once.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.create_function("inflate", 1, _inflate, deterministic=True)
        self._db.executescript(
            "CREATE TABLE docs(id INTEGER PRIMARY KEY, title TEXT, tagline TEXT, body BLOB);"
            "CREATE VIEW docs_text AS SELECT id, title, tagline, inflate(body) AS body FROM docs;"
            "CREATE VIRTUAL TABLE guides USING fts5(title, tagline, body, content='docs_text', "
            "content_rowid='id', tokenize = 'unicode61 remove_diacritics 2');"
        )
        rows = iter(documents)
        while chunk := list(itertools.islice(rows, 512)):
            self._db.executemany(
                "INSERT INTO docs(id, title, tagline, body) VALUES (?, ?, ?, ?)",
                [(i, title, tagline, zlib.compress(body.encode(), 1)) for i, title, tagline, body in chunk],
            )
            self._db.executemany("INSERT INTO guides(rowid, title, tagline, body) VALUES (?, ?, ?, ?)", chunk)
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

    def _run(self, q: str, sql: str, *params: object) -> list[Any]:
        """The rows of ``sql`` for the first of ``q``'s queries that FTS5 accepts (none: no rows)."""
        for query in fts_queries(q):
            try:
                return self._db.execute(sql, (query, *params)).fetchall()
            except sqlite3.OperationalError:
                continue  # FTS5 syntax error: try the words
        return []

    def ranked(self, q: str) -> list[int]:
        """The indexes of the guides matching ``q``, best first."""
        return [row[0] for row in self._run(q, self._ranked)]

    def page(self, q: str, start: int, count: int) -> tuple[int, list[int]]:
        """(number of matches, the ``count`` best from ``start``): for a query without filters."""
        total = self._run(q, self._count)
        ids = [row[0] for row in self._run(q, self._page, count, start)]
        return (total[0][0] if total else 0), ids

    def snippets(self, q: str, ids: list[int]) -> dict[int, str]:
        """HTML snippets of ``q`` in the guides ``ids`` (only these: a page, not every match)."""
        if not ids:
            return {}
        sql = self._snippets.format(marks=",".join("?" * len(ids)))
        return {rowid: _snippet(snippet or "") for rowid, snippet in self._run(q, sql, *ids)}

    def close(self) -> None:
        self._db.close()
