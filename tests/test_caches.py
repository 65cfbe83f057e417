"""The per-query cache and the edge memo are bounded in bytes (issue 12, finding 7).

Before: bounded in entries only (2,048 each), 2,500 distinct 60 KB `q` values grew a worker from
70 MB to 765 MB: the query was kept whole in the keys and in the links of every response.
"""

from __future__ import annotations

import random
import shutil
import time
import urllib.parse
from pathlib import Path

from content_api.config import Settings
from content_api.web.app import create_app
from content_api.web.caches import ResponseCache, footprint
from content_api.web.prepared import Prepared
from content_api.web.snapshot import MAX_MEMO_KEY

from .conftest import SEED
from .rsgi_client import in_process
from .server import children_of, serve


def rss(pid: int) -> int:
    """Resident memory of a process, in bytes (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


#: A random byte as a lower-case letter.
LETTERS = bytes(ord("a") + byte % 26 for byte in range(256))


def random_words(rnd: random.Random, count: int) -> str:
    """``count`` random words of 7 lower-case letters (in a few ms: the test's 600 queries, made
    with one ``choices`` a word, took longer than the server to answer them)."""
    letters = rnd.randbytes(7 * count).translate(LETTERS)
    return b" ".join(letters[start : start + 7] for start in range(0, len(letters), 7)).decode()


def test_the_cache_holds_its_byte_limit_keys_included() -> None:
    cache = ResponseCache(limit=100_000)
    body = b'{"data":"' + b"x" * 2_000 + b'"}'
    for n in range(500):
        cache.put(f"/guides?q={n}" + "k" * 1_000, Prepared(body))
        assert cache.size <= cache.limit
    assert 0 < len(cache) < 500
    assert cache.size == sum(footprint(f"/guides?q={n}" + "k" * 1_000, Prepared(body)) for n in range(500)
                             if f"/guides?q={n}" + "k" * 1_000 in cache)  # fmt: skip
    assert footprint("k" * 1_000, Prepared(body)) > 1_000 + 3 * len(body)  # key, body and room for gzip, br
    newest = f"/guides?q=499{'k' * 1_000}"
    assert newest in cache and "/guides?q=0" + "k" * 1_000 not in cache  # least recently used out first
    cache.put("huge", Prepared(b"y" * 50_000))  # over a quarter of the limit: not kept
    assert "huge" not in cache and cache.size <= cache.limit


def test_the_cache_drops_the_least_recently_used() -> None:
    cache = ResponseCache(limit=4 * footprint("a", Prepared(b"1")))
    for key in "abcd":
        cache.put(key, Prepared(b"1"))
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("e", Prepared(b"1"))
    assert [k for k in "abcde" if k in cache] == ["a", "c", "d", "e"]


def test_queries_share_their_normalized_entry_and_long_keys_are_not_memoized(
    tmp_path: Path, interface: str
) -> None:
    shutil.copy(SEED, tmp_path / "ccas.md")
    edge = create_app(Settings(content_dir=str(tmp_path)))
    snapshot = edge.holder.snapshot
    assert snapshot is not None
    with in_process(edge, interface) as client:  # the memo is the edge's, over ASGI and RSGI
        for q in ("quotient", "Quotient", "quotient  quotient", "QUOTIENT " * 50):
            assert client.get("/guides", params={"q": q}).status_code == 200
        assert [key for key in snapshot.cache._items if "q=" in key] == ["/guides?q=quotient"]
        long = "quotient " + "x" * 60_000
        assert client.get("/guides", params={"q": long}).status_code == 200
    assert all(len(key) <= MAX_MEMO_KEY for key in snapshot.answered._items)
    assert any("q=quotient" in key for key in snapshot.answered._items)  # the short ones are memoized
    assert (
        snapshot.cache.limit == Settings().query_cache_bytes
        and snapshot.answered.limit == Settings().edge_cache_bytes
    )


def test_600_distinct_60_kb_queries_grow_a_worker_by_less_than_200_mb(
    tmp_path: Path, server_name: str
) -> None:
    """The acceptance figure of finding 7, with the default settings, on each server."""
    shutil.copy(SEED, tmp_path / "ccas.md")
    rnd = random.Random(7)
    with serve("--content", str(tmp_path), server=server_name) as server:
        server.get("/guides?q=quotient")
        # the worker: the largest child (uvicorn's supervisor also has multiprocessing's tracker)
        worker = max(children_of(server.process.pid), key=rss)
        before = rss(worker)
        started = time.monotonic()
        for n in range(600):
            q = f"quotient{n} {random_words(rnd, 7_500)}"[:60_000]
            reply = server.get("/guides?q=" + urllib.parse.quote_plus(q))  # 60 KB of URL
            assert reply.status == 200 and reply.json()["meta"]["total"] == 0
        grown, took = rss(worker) - before, time.monotonic() - started
        print(f"RSS grew by {grown / 2**20:.1f} MiB over 600 queries of 60 KB in {took:.1f} s")
        assert grown < 200 * 2**20, f"the worker grew by {grown / 2**20:.0f} MiB"
