"""Full-text search: SQLite FTS5 from the standard library, built once per snapshot.

Tokenizer ``unicode61 remove_diacritics 2`` (``éditeur`` = ``editeur``, case-insensitive), BM25
ranking with the title weighted 10, the tagline 5 and the body 1, and a snippet around the
matches with ``<mark>``. A plain query (words) matches guides holding every word, the last one
as a prefix (search as you type); a query using FTS5 syntax (quotes, ``*``, ``AND``/``OR``/``NOT``,
``NEAR``, parentheses, column filters) is passed as written, and one FTS5 cannot parse is searched
as plain words: a search never fails.

A search is bounded three ways, because FTS5's cost grows with the number of terms (a query of
3,000 one-letter words kept a core busy for minutes): :func:`normalize_query` caps the query's
length and terms and counts a repeated word once; the connection is used by one thread at a time
(a lock), never by the event loop; and every statement runs under a deadline that SQLite's
progress handler enforces, past which :class:`SearchStopped` is raised.

A built index can be kept (a :class:`SearchIndex` given a store: ``serve --cache`` keeps it beside
the parse cache, as an SQLite file written by the backup API): under a hash of the documents it
indexes, it is copied back at the next start whose documents are the same, which then builds
nothing (500 guides: 6 ms with the checks and the hashing, against 60 to 90 ms of building).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import re
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from ..ids import strip_accents
from .snippets import OPERATORS, WORD, Terms, snippet

WEIGHTS = (10.0, 5.0, 1.0)  # title, tagline, body
log = logging.getLogger("content_api")
#: A query longer than this many characters (spaces collapsed) is searched as its words, cut here.
MAX_QUERY_CHARS = 200
#: A query is searched with at most this many distinct terms (words; a repeated word counts once).
MAX_QUERY_TERMS = 10
#: SQLite calls the progress handler every this many virtual machine instructions: about once a
#: row of FTS5 results, whose cost the caps above bound.
PROGRESS_STEPS = 16
_FTS_SYNTAX = re.compile(r'["*()^:+]|\b(?:AND|OR|NOT|NEAR)\b')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class SearchStopped(Exception):
    """The search ran past its deadline (or waited for the index past it) and was stopped."""


def _words(q: str, operators: bool = False) -> list[str]:
    """The distinct words of ``q``, lower-cased, in order (``Éditeur editeur`` is one word).

    With ``operators``, the FTS5 operators (``AND``, ``OR``, ``NOT``, ``NEAR``) are not words.
    """
    seen: dict[str, str] = {}
    for word in WORD.findall(q):
        if not (operators and word in OPERATORS):
            seen.setdefault(strip_accents(word).lower(), word.lower())
    return list(seen.values())


def normalize_query(q: str | None) -> str | None:
    """The query as it is searched, cached and linked; None when it has no character.

    Control characters are spaces and runs of spaces one space. FTS5 syntax is kept as written
    when it has at most :data:`MAX_QUERY_TERMS` words and :data:`MAX_QUERY_CHARS` characters;
    any other query becomes its first :data:`MAX_QUERY_TERMS` distinct words, lower-cased, cut to
    :data:`MAX_QUERY_CHARS` characters. So ``api api api`` is ``api``, ``Quotient  familial`` is
    ``quotient familial``, and 3,000 words cost what 10 do.
    """
    text = " ".join(_CONTROL.sub(" ", q or "").split())
    if not text:
        return None
    syntax = _FTS_SYNTAX.search(text) is not None
    if syntax and len(text) <= MAX_QUERY_CHARS:
        terms = sum(1 for w in WORD.findall(text) if w not in OPERATORS)
        if terms <= MAX_QUERY_TERMS:
            return text
    words = _words(text, operators=syntax)[:MAX_QUERY_TERMS]
    if not words:  # no word at all (``!?``): kept as written, cut; it matches nothing
        return text[:MAX_QUERY_CHARS]
    return " ".join(words)[:MAX_QUERY_CHARS].rstrip()


def words_query(q: str, operators: bool = False) -> str | None:
    """Guides holding every word of ``q``, the last one as a prefix; None when ``q`` has no word.

    With ``operators``, the FTS5 operators (``AND``, ``OR``, ``NOT``, ``NEAR``) are not words.
    """
    words = _words(q, operators)[:MAX_QUERY_TERMS]
    if not words:
        return None
    return " ".join(f'"{w}"' for w in words[:-1]) + (" " if len(words) > 1 else "") + f'"{words[-1]}"*'


def fts_queries(q: str) -> list[str]:
    """The FTS5 MATCH expressions to try for a user's (normalized) query, in order.

    FTS5 syntax is passed as written; should it not parse (a stray quote, ``AND`` at the end),
    the words of the query are searched instead: a search box never answers with an error.
    """
    q = q.strip()
    syntax = _FTS_SYNTAX.search(q) is not None
    words = words_query(q, operators=syntax)
    return ([q] if syntax else []) + ([words] if words is not None else [])


class ImageStore(Protocol):
    """Where a :class:`SearchIndex` is kept between starts (``cache.ParseCache``), by the key of
    its documents (:func:`documents_key`)."""

    def restore_search(self, key: str, into: sqlite3.Connection) -> bool:
        """Copy the index kept for ``key`` into ``into``; False when there is none for it."""
        ...

    def keep_search(self, key: str, source: sqlite3.Connection) -> None:
        """Keep the index of ``source`` for ``key`` (never raises)."""
        ...


#: Changes with how the index is made (its schema, tokenizer, weights): an image of another is not used.
INDEX_FORMAT = "fts5-1"


def documents_key(documents: Sequence[tuple[int, str, str, str]]) -> str:
    """A hash of the documents (position, title, tagline, text) and of the index's format."""
    digest = hashlib.blake2b(f"{INDEX_FORMAT}\0{WEIGHTS}\0".encode(), digest_size=20)
    for position, *texts in documents:
        digest.update(b"%d\0" % position)
        for text in texts:
            encoded = text.encode("utf-8", "surrogatepass")
            digest.update(b"%d:" % len(encoded) + encoded)
    return digest.hexdigest()


def _inflate(data: bytes | None) -> str | None:
    return None if data is None else zlib.decompress(data).decode()


class SearchIndex:
    """An in-memory FTS5 table of one snapshot's guides, keyed by their index in the snapshot.

    The index keeps no copy of the texts: it is an external-content table over a view whose body
    column is inflated on demand from a zlib-compressed blob (a third of the size), read only to cut
    the snippets of one page.

    Searches run in worker threads, one at a time (a lock: an SQLite connection is never used by
    two threads at once), each until a ``deadline`` (``time.monotonic()``): a search that waits for
    the lock or runs past it raises :class:`SearchStopped`.
    """

    def __init__(
        self, documents: Iterable[tuple[int, str, str, str]], store: ImageStore | None = None
    ) -> None:
        # Built in the thread that builds the snapshot, then used under ``_lock`` only.
        self._lock = threading.Lock()
        self._deadline = math.inf
        self._stopped = False
        self._db = self._connect()
        if store is None:
            self._build(documents)
        else:  # the index kept for the same documents, else built and kept
            kept = list(documents)
            key = documents_key(kept)
            if not self._restored(store, key, len(kept)):
                self._build(kept)
                store.keep_search(key, self._db)
        self._ranked = "SELECT rowid FROM guides WHERE guides MATCH ? ORDER BY rank"
        self._page = "SELECT rowid FROM guides WHERE guides MATCH ? ORDER BY rank LIMIT ? OFFSET ?"
        self._count = "SELECT count(*) FROM guides WHERE guides MATCH ?"
        self._snippets = "SELECT id, title, tagline, inflate(body) FROM docs WHERE id IN ({marks})"

    @staticmethod
    def _connect() -> sqlite3.Connection:
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.create_function("inflate", 1, _inflate, deterministic=True)
        return db

    def _restored(self, store: ImageStore, key: str, count: int) -> bool:
        """Whether ``store`` gave back an index of these documents that SQLite checks whole; if
        not (none kept, another content's, damaged), the connection is a fresh one again."""
        try:
            if not store.restore_search(key, self._db):
                return False
            checked = self._db.execute("PRAGMA quick_check").fetchall()
            held = self._db.execute("SELECT count(*) FROM docs").fetchone()
            if checked == [("ok",)] and held == (count,):
                self._db.execute("SELECT count(*) FROM guides WHERE guides MATCH 'x'").fetchall()
                return True
            log.warning(
                "the kept search index fails its checks (%s, %s rows): built again", checked[:2], held
            )
        except sqlite3.Error as exc:
            log.warning("the kept search index is unusable (%s): built again", exc)
        self._db.close()
        self._db = self._connect()
        return False

    def _build(self, documents: Iterable[tuple[int, str, str, str]]) -> None:
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
        self._db.commit()

    def _over(self) -> int:
        """SQLite's progress handler: non-zero stops the statement (``interrupted``)."""
        if time.monotonic() > self._deadline:
            self._stopped = True
            return 1
        return 0

    @contextmanager
    def _session(self, deadline: float) -> Iterator[None]:
        """The connection to this thread alone until ``deadline``, or :class:`SearchStopped`."""
        wait = deadline - time.monotonic()
        if wait <= 0 or not self._lock.acquire(timeout=min(wait, threading.TIMEOUT_MAX)):
            raise SearchStopped
        try:
            self._deadline, self._stopped = deadline, False
            self._db.set_progress_handler(self._over, PROGRESS_STEPS)
            yield
        except sqlite3.OperationalError:
            if self._stopped:  # "interrupted" by the progress handler
                raise SearchStopped from None
            raise
        finally:
            self._db.set_progress_handler(None, 0)
            self._deadline = math.inf
            self._lock.release()

    def _run(self, q: str, sql: str, *params: object, deadline: float = math.inf) -> list[Any]:
        """The rows of ``sql`` for the first of ``q``'s queries that FTS5 accepts (none: no rows)."""
        with self._session(deadline):
            for query in fts_queries(q):
                try:
                    return self._db.execute(sql, (query, *params)).fetchall()
                except sqlite3.OperationalError:
                    if self._stopped:
                        raise SearchStopped from None
                    continue  # FTS5 syntax error: try the words
        return []

    def ranked(self, q: str, deadline: float = math.inf) -> list[int]:
        """The indexes of the guides matching ``q``, best first."""
        return [row[0] for row in self._run(q, self._ranked, deadline=deadline)]

    def page(self, q: str, start: int, count: int, deadline: float = math.inf) -> tuple[int, list[int]]:
        """(number of matches, the ``count`` best from ``start``): for a query without filters.

        A ``start`` past the matches asks SQLite nothing more (nor an OFFSET it cannot hold).
        """
        rows = self._run(q, self._count, deadline=deadline)
        total = rows[0][0] if rows else 0
        if start >= total:
            return total, []
        ids = [row[0] for row in self._run(q, self._page, count, start, deadline=deadline)]
        return total, ids

    def snippets(self, q: str, ids: list[int], deadline: float = math.inf) -> dict[int, str]:
        """HTML snippets of ``q`` in the guides ``ids`` (only these: a page, not every match), cut
        in Python (:mod:`.snippets`: FTS5's own take quadratic time), the deadline checked between
        rows."""
        if not ids:
            return {}
        terms = Terms(q, syntax=_FTS_SYNTAX.search(q) is not None)
        out: dict[int, str] = {}
        with self._session(deadline):
            rows = self._db.execute(self._snippets.format(marks=",".join("?" * len(ids))), ids)
            for rowid, *columns in rows:
                if time.monotonic() > deadline:
                    raise SearchStopped
                out[rowid] = snippet(columns, terms)
        return out

    def close(self) -> None:
        with self._lock:
            self._db.close()
