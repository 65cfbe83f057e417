"""The search warm-up: the most frequent words ranked once, ahead, while the snapshot is served.

A search for a word most guides hold costs FTS5 time in proportion to the corpus (it scores every
match before ``LIMIT``). Once the index is built, :func:`warm_later` ranks the most frequent words
(:meth:`.SearchIndex.frequent`) in a thread of its own, in the connection's idle time (a search
waiting for the connection stops the warm-up's statement, which runs again once that search is
answered), keeping each one's total and best (:class:`.ranked.Ranked`): their first pages then
cost what a selective search costs. With a store (``serve --cache``), the results are given to it
as they come (:data:`KEEP_EVERY`) and at the end, so that a restart on the same documents ranks
again only what was not kept.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import TypeVar

from .search import SearchIndex, SearchStopped, normalize_query

log = logging.getLogger("content_api")
T = TypeVar("T")
#: The warm-up ranks, once the index is built, the words that this many guides or more hold
#: (below, FTS5 answers in a few milliseconds), most frequent first, ...
WARM_MATCHES = 500
#: ... at most this many (their best and their number only: about 1.3 KB each) ...
WARM_WORDS = 4096
#: ... for at most this many seconds.
WARM_SECONDS = 600.0
#: The warm-up gives its results to the store every this many words (and at the end).
KEEP_EVERY = 256


def warm_later(index: SearchIndex, seconds: float = WARM_SECONDS) -> threading.Thread:
    """:func:`warm` in a thread of its own that holds ``index`` weakly: a snapshot replaced
    meanwhile is freed, and its warm-up stops."""
    thread = threading.Thread(
        target=_warm, args=(weakref.ref(index), seconds), name="search-warm", daemon=True
    )
    thread.start()
    return thread


def warm(index: SearchIndex, seconds: float = WARM_SECONDS, words: Iterable[str] | None = None) -> int:
    """Rank ahead the searches of the most frequent words (or ``words``), for at most ``seconds``,
    giving the connection up to any search that waits for it; how many it ranked."""
    return _warm(weakref.ref(index), seconds, words)


def _patiently(index: SearchIndex, deadline: float, call: Callable[[], T]) -> T:
    """``call()`` (a statement of the warm-up), again each time a search stopped it to take the
    connection; SearchStopped once the index is closed or past ``deadline``."""
    while True:
        try:
            return call()
        except SearchStopped:
            if index.closed or time.monotonic() >= deadline:
                raise
        time.sleep(0.005)  # a search took the connection: let it be answered


def _warm(ref: weakref.ref[SearchIndex], seconds: float, words: Iterable[str] | None = None) -> int:
    """:func:`warm` of the index ``ref`` refers to, while it is alive; the warm-up of the frequent
    words (``words`` None) says when it ends, and what it did, in the log."""
    started = time.monotonic()
    deadline = started + seconds
    done = 0
    try:
        if (index := ref()) is None:
            return 0
        frequent = functools.partial(index.frequent, WARM_MATCHES, WARM_WORDS, deadline)
        queries = _patiently(index, deadline, frequent) if words is None else list(words)
        del index
        for q in filter(None, map(normalize_query, queries)):
            if (index := ref()) is None:
                break
            _patiently(index, deadline, functools.partial(index.matches, q, deadline, warm=True))
            done += 1
            if done % KEEP_EVERY == 0:
                index.keep_ranked()
            del index
    except SearchStopped:  # past the time given, or closed
        pass
    if (index := ref()) is not None:
        index.keep_ranked()
        if words is None:
            log.info(
                "search warm-up: %d frequent word(s) ranked in %.1f s, %d kept from an earlier start",
                done,
                time.monotonic() - started,
                index.restored,
            )
    return done
