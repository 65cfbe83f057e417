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
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from ..ids import strip_accents
from .ranked import TOP, Ranked, RankedCache
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
#: A one-word search's terms (``"fam"*``: the terms starting with ``fam``) kept by the warm-up when
#: at most this many: its matches in slug order are then their lists walked together (FTS5 reads
#: a prefix's lists whole first).
MAX_TERMS = 16
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


#: A warm-up's result as kept: (query, number of matches, best positions as native uint32, terms).
RankedRow = tuple[str, int, bytes, "str | None"]


class ImageStore(Protocol):
    """Where a :class:`SearchIndex` is kept between starts (``cache.ParseCache``), by the key of
    its documents (:func:`documents_key`)."""

    def restore_search(self, key: str, into: sqlite3.Connection) -> bool:
        """Copy the index kept for ``key`` into ``into``; False when there is none for it."""
        ...

    def keep_search(self, key: str, source: sqlite3.Connection) -> None:
        """Keep the index of ``source`` for ``key`` (never raises)."""
        ...

    def keep_ranked(self, key: str, rows: Sequence[RankedRow]) -> None:
        """Add the warm-up's results ``rows`` to those kept for ``key`` (never raises)."""
        ...

    def kept_ranked(self, key: str) -> list[RankedRow]:
        """The warm-up's results kept for ``key``."""
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
        self.closed = False
        self._found = RankedCache()
        self._warm: dict[str, Ranked] = {}  # filled by the warm-up (.warmup), never evicted
        self.restored = 0  # how many results were kept from an earlier start (:meth:`_restore_ranked`)
        self._unkept: list[RankedRow] = []  # the warm-up's results not given to the store yet
        self._waiting = 0  # searches waiting for the connection (under _counting)
        self._counting = threading.Lock()
        self._yielding = False  # the statement running is the warm-up's: it stops for them
        self._db = self._connect()
        self._store, self._key = store, ""
        if store is None:
            self._build(documents)
        else:  # the index kept for the same documents, else built and kept
            kept = list(documents)
            self._key = documents_key(kept)
            if not self._restored(store, self._key, len(kept)):
                self._build(kept)
                store.keep_search(self._key, self._db)
        self._ranked = "SELECT rowid FROM guides WHERE guides MATCH ? ORDER BY rank"
        self._page = "SELECT rowid FROM guides WHERE guides MATCH ? ORDER BY rank LIMIT ? OFFSET ?"
        self._count = "SELECT count(*) FROM guides WHERE guides MATCH ?"
        self._by_rowid = (
            "SELECT rowid FROM guides WHERE guides MATCH ? ORDER BY rowid {order} LIMIT ? OFFSET ?"
        )
        # Every match as the bytes of a bitmap (aggregated in SQLite: 8 matches a row).
        self._bitmap = (
            "SELECT rowid >> 3, sum(1 << (rowid & 7)) FROM guides WHERE guides MATCH ? GROUP BY rowid >> 3"
        )
        self._snippets = "SELECT id, title, tagline, inflate(body) FROM docs WHERE id IN ({marks})"
        self._db.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, guides, row)")
        self._size = 1 + (self._db.execute("SELECT max(id) FROM docs").fetchone()[0] or 0)
        if store is not None:
            self._restore_ranked(store.kept_ranked(self._key))

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
        if time.monotonic() > self._deadline or (self._yielding and self._waiting):
            self._stopped = True
            return 1
        return 0

    @contextmanager
    def _session(self, deadline: float, warm: bool = False) -> Iterator[None]:
        """The connection to this thread alone until ``deadline``, or :class:`SearchStopped`; for
        the ``warm``-up, only until a search waits for it."""
        wait = deadline - time.monotonic()
        with self._counting:
            self._waiting += not warm
        try:
            acquired = wait > 0 and self._lock.acquire(timeout=min(wait, threading.TIMEOUT_MAX))
        finally:
            with self._counting:
                self._waiting -= not warm
        if not acquired:
            raise SearchStopped
        if self.closed:  # (a warm-up still running when the snapshot was dropped)
            self._lock.release()
            raise SearchStopped
        try:
            self._deadline, self._stopped, self._yielding = deadline, False, warm
            self._db.set_progress_handler(self._over, PROGRESS_STEPS)
            yield
        except sqlite3.OperationalError:
            if self._stopped:  # "interrupted" by the progress handler
                raise SearchStopped from None
            raise
        finally:
            self._db.set_progress_handler(None, 0)
            self._deadline, self._yielding = math.inf, False
            self._lock.release()

    def _run(
        self, q: str, sql: str, *params: object, deadline: float = math.inf, warm: bool = False
    ) -> list[Any]:
        """The rows of ``sql`` for the first of ``q``'s queries that FTS5 accepts (none: no rows)."""
        with self._session(deadline, warm):
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

    def matches(self, q: str, deadline: float = math.inf, every: bool = False, warm: bool = False) -> Ranked:
        """The number of matches of ``q`` and its best :data:`.ranked.TOP` (FTS5's order), and
        with ``every`` each match (:meth:`.Ranked.set_matches`), computed once and kept
        (:class:`.RankedCache`, keyed by the query as normalized; for the ``warm``-up, apart)."""
        with self._session(deadline, warm):
            found = self._found.get(q)
            found = self._warm.get(q) if found is None else found
        if found is None:
            rows = self._run(q, self._count, deadline=deadline, warm=warm)
            top = [row[0] for row in self._run(q, self._page, TOP, 0, deadline=deadline, warm=warm)]
            found = Ranked(top, rows[0][0] if rows else 0)
            found.terms = self._terms(q, deadline) if warm else None
        if every and found.bits is None:  # a copy: the warm-up's results keep no bitmap
            found = Ranked(found.top, found.total)
            found.set_matches(self._run(q, self._bitmap, deadline=deadline), self._size)
        with self._session(deadline, warm):
            if not warm:
                self._found.put(q, found)
            elif q not in self._warm:
                self._warm[q] = found
                terms = None if found.terms is None else " ".join(found.terms)
                with self._counting:
                    self._unkept.append((q, found.total, found.top.tobytes(), terms))
        return found

    def _restore_ranked(self, rows: Iterable[RankedRow]) -> None:
        """The warm-up's results kept for these documents, each checked (positions within the
        index, no more than its total): a damaged one is left out, to be ranked again."""
        for q, total, top, terms in rows:
            try:
                found = Ranked.of_bytes(top, total)
            except (TypeError, ValueError):
                continue
            if total > self._size or (found.top and max(found.top) >= self._size):
                continue
            found.terms = tuple(terms.split(" ")) if isinstance(terms, str) and terms else None
            self._warm[q] = found
        self.restored = len(self._warm)

    def keep_ranked(self) -> int:
        """Give the warm-up's new results to the store (none: nothing); how many."""
        with self._counting:
            rows, self._unkept = self._unkept, []
        if rows and self._store is not None:
            self._store.keep_ranked(self._key, rows)
        return len(rows)

    def page(
        self, q: str, start: int, count: int, deadline: float = math.inf, order: str | None = None
    ) -> tuple[int, list[int]]:
        """(number of matches, the ``count`` best from ``start``): for a query without filters;
        with ``order`` ``slug`` or ``-slug``, in the order of the rowids (FTS5 walks its lists in
        that order and stops at the page).

        The first pages come from :meth:`matches`; a page past its :data:`.ranked.TOP` asks
        FTS5 (and a ``start`` past the matches asks nothing more, nor an OFFSET SQLite cannot hold).
        """
        found = self.matches(q, deadline)
        if start >= found.total:
            return found.total, []
        if order is not None:
            sql = self._by_rowid.format(order="DESC" if order.startswith("-") else "ASC")
            if found.terms:  # the same matches: "fam"* is "famille" OR "familles" (FTS5 streams these)
                q = " OR ".join(f'"{term}"' for term in found.terms)
            return found.total, [row[0] for row in self._run(q, sql, count, start, deadline=deadline)]
        page = found.best(None, start, count)
        if page is None:
            page = [row[0] for row in self._run(q, self._page, count, start, deadline=deadline)]
        return found.total, page

    def best(
        self, q: str, selected: Collection[int] | None, start: int, count: int, deadline: float = math.inf
    ) -> list[int]:
        """Ranks ``start`` to ``start + count`` of the matches of ``q`` within ``selected``: from
        the kept best (:meth:`matches`), else from FTS5's ranking of every match."""
        found = self.matches(q, deadline, every=True)
        page = found.best(selected, start, count)
        if page is None:
            hits = found.among(selected)
            page = [i for i in self.ranked(q, deadline) if i in hits][start : start + count]
        return page

    def _terms(self, q: str, deadline: float) -> tuple[str, ...] | None:
        """The terms a one-word query (``"word"*``) stands for, when at most :data:`MAX_TERMS`."""
        queries = fts_queries(q)
        if len(queries) != 1 or not (word := queries[0][1:-2]).isalnum() or queries[0] != f'"{word}"*':
            return None
        end = word[:-1] + chr(ord(word[-1]) + 1)
        sql = "SELECT term FROM temp.terms WHERE term >= ? AND term < ? LIMIT ?"
        with self._session(deadline, warm=True):
            terms = tuple(row[0] for row in self._db.execute(sql, (word, end, MAX_TERMS + 1)))
        return terms if 0 < len(terms) <= MAX_TERMS else None

    def frequent(self, least: int, most: int = 4096, deadline: float = math.inf) -> list[str]:
        """The ``most`` words (tokens) the most guides hold, at least ``least`` of them, most first,
        but those already ranked (kept from an earlier start). A scan of the whole vocabulary (two
        seconds at 100,000 guides): it gives way to a search as the warm-up does (SearchStopped)."""
        with self._session(deadline, warm=True):
            rows = self._db.execute(
                "SELECT term FROM temp.terms WHERE doc >= ? ORDER BY doc DESC, term LIMIT ?", (least, most)
            ).fetchall()
        return [row[0] for row in rows if row[0] not in self._warm]

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
            self.closed = True  # (a warm-up in progress stops)
            self._db.close()
