"""The search warm-up's results kept beside the search index (``serve --cache``): a restart on the
same documents ranks nothing again and answers alike; results of other documents, a damaged file
and tampered rows are never used (issue 17, point 3)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from content_api import Catalog, cache, load_library
from content_api.cache import RANKED_FILE, ParseCache
from content_api.catalog import warmup
from content_api.catalog.search import SearchIndex
from content_api.catalog.warmup import KEEP_EVERY, warm
from content_api.config import Settings
from content_api.web.loader import Loader, SnapshotHolder

from .conftest import write

WORDS = ["commun", "frequent", "courant"]


def documents(count: int = 120, extra: str = "") -> list[tuple[int, str, str, str]]:
    """Common words in most documents, a few times each, with titles that rank some higher."""
    return [
        (
            n,
            f"titre {WORDS[n % 3]} {n}",
            "accroche" if n % 4 else "commun",
            " ".join(WORDS * (1 + n % 5)) + extra,
        )
        for n in range(count)
    ]


def answers(index: SearchIndex) -> dict[str, tuple[int, list[int]]]:
    return {q: index.page(q, 0, 10) for q in [*WORDS, "co", "titre commun"]}


def test_a_restart_takes_the_kept_results_and_ranks_nothing_again(tmp_path: Path) -> None:
    store = ParseCache(tmp_path)
    first = SearchIndex(documents(), store)
    assert first.frequent(least=50) and not first._warm
    assert warm(first, words=first.frequent(least=50)) >= 3
    expected, kept = answers(first), dict(first._warm)
    assert (tmp_path / RANKED_FILE).is_file() and first.keep_ranked() == 0  # all given already
    first.close()

    again = SearchIndex(documents(), store)
    assert again.frequent(least=50) == []  # every frequent word is kept: the warm-up ranks none
    assert set(again._warm) == set(kept)
    for q, found in kept.items():
        assert list(again._warm[q].top) == list(found.top) and again._warm[q].total == found.total
        assert again._warm[q].terms == found.terms
    statements: list[str] = []
    again._db.set_trace_callback(statements.append)
    assert {q: again.page(q, 0, 10) for q in WORDS} == {q: expected[q] for q in WORDS}
    assert not any("ORDER BY rank" in sql for sql in statements)  # the kept results, not FTS5's ranking
    again._db.set_trace_callback(None)
    assert answers(again) == expected
    again.close()


def test_results_of_other_documents_are_not_used_and_are_replaced(tmp_path: Path) -> None:
    store = ParseCache(tmp_path)
    first = SearchIndex(documents(), store)
    warm(first, words=WORDS)
    first.close()
    other = SearchIndex(documents(extra=" autre"), store)  # another body: another key
    assert other._warm == {} and set(other.frequent(least=50)) >= set(WORDS)
    warm(other, words=["commun"])
    with contextlib.closing(sqlite3.connect(tmp_path / RANKED_FILE)) as db:
        assert [row[0] for row in db.execute("SELECT q FROM ranked")] == ["commun"]  # the old ones dropped
    other.close()


def test_a_damaged_file_is_ignored_then_written_anew(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = ParseCache(tmp_path)
    (tmp_path / RANKED_FILE).write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)
    index = SearchIndex(documents(), store)
    assert index._warm == {} and "unreadable, ignored" in caplog.text
    warm(index, words=["commun"])  # the damaged file is removed, then written anew
    assert "removed" in caplog.text
    warm(index, words=["courant"])
    assert sorted(row[0] for row in store.kept_ranked(index._key)) == ["commun", "courant"]
    index.close()
    again = SearchIndex(documents(), store)
    assert set(again._warm) == {"commun", "courant"}
    again.close()


def test_tampered_rows_are_left_out(tmp_path: Path) -> None:
    store = ParseCache(tmp_path)
    first = SearchIndex(documents(), store)
    warm(first, words=WORDS)
    expected = answers(first)
    first.close()
    with contextlib.closing(sqlite3.connect(tmp_path / RANKED_FILE)) as db:
        db.execute("UPDATE ranked SET top = x'ffffffff' WHERE q = 'commun'")  # a position past the index
        db.execute("UPDATE ranked SET top = x'010203' WHERE q = 'frequent'")  # not whole uint32s
        db.execute("UPDATE ranked SET total = 1 WHERE q = 'courant'")  # fewer matches than its best
        db.commit()
    again = SearchIndex(documents(), store)
    assert again._warm == {} and set(again.frequent(least=50)) >= set(WORDS)  # ranked again
    assert answers(again) == expected
    again.close()


def test_two_warm_ups_at_once_keep_both(tmp_path: Path) -> None:
    """Two workers of one server warm the same documents and give their results to one file."""
    store = ParseCache(tmp_path)
    indexes = [SearchIndex(documents(), store) for _ in range(2)]
    words = [[f"w{n}" for n in range(part, 2 * KEEP_EVERY + 10, 2)] for part in (0, 1)]
    threads = [
        threading.Thread(target=warm, args=(i,), kwargs={"words": w})
        for i, w in zip(indexes, words, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    kept = {row[0] for row in store.kept_ranked(indexes[0]._key)}
    assert kept == set(words[0]) | set(words[1])
    for index in indexes:
        index.close()


def test_a_file_locked_by_another_worker_is_not_taken_for_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = ParseCache(tmp_path)
    first = SearchIndex(documents(), store)
    warm(first, words=WORDS)
    before = store.kept_ranked(first._key)
    assert before
    monkeypatch.setattr(cache, "RANKED_LOCK_TIMEOUT", 0.05)
    with contextlib.closing(sqlite3.connect(tmp_path / RANKED_FILE, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another worker writing
        with caplog.at_level(logging.WARNING, logger="content_api"):
            store.keep_ranked(first._key, [("autre", 1, b"\0\0\0\0", None)])
        other.execute("ROLLBACK")
    assert "database is locked" in caplog.text and "removed" not in caplog.text
    assert store.kept_ranked(first._key) == before  # the other worker's file is still whole
    first.close()


def warm_up_line(caplog: pytest.LogCaptureFixture, count: int) -> str:
    """The ``count``-th "search warm-up:" line of the log (the warm-up runs in its own thread)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("search warm-up:")]
        if len(lines) >= count:
            return lines[count - 1]
        time.sleep(0.05)
    raise AssertionError(f"no search warm-up line #{count} in the log")


def test_the_server_warms_its_snapshot_and_a_restart_ranks_nothing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The loader (not the catalog: `check`, `export` and a Python user start no warm-up) warms
    each snapshot it serves; with --cache, the next start takes what the first one ranked."""
    monkeypatch.setattr(warmup, "WARM_MATCHES", 20)
    caplog.set_level(logging.INFO, logger="content_api")
    content = tmp_path / "content"
    for n in range(30):
        write(
            content, f"g{n:02d}.md", f"---\ntitle: Guide {n}\n---\n\n{' '.join(WORDS[: 1 + n % 3])} texte\n"
        )
    settings = Settings(content_dir=str(content), cache_dir=str(tmp_path / "cache"))
    Catalog.from_library(load_library(content)).wait()
    time.sleep(0.3)
    assert not any("search warm-up" in r.getMessage() for r in caplog.records)  # a catalog alone: none
    first = Loader(settings, SnapshotHolder())
    first.load()
    line = warm_up_line(caplog, 1)
    assert line.startswith("search warm-up: 4 frequent word(s) ranked in") and line.endswith(
        ", 0 kept from an earlier start"
    )
    assert (tmp_path / "cache" / RANKED_FILE).is_file()
    again = Loader(settings, SnapshotHolder())
    again.load()
    line = warm_up_line(caplog, 2)
    assert line.startswith("search warm-up: 0 frequent word(s)") and line.endswith(
        ", 4 kept from an earlier start"
    )
    snapshot = again.holder.snapshot
    assert snapshot is not None and set(snapshot.catalog.search._warm) == {"guide", "texte", *WORDS[:2]}
