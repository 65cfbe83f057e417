"""The choice of processes from the work (content_api.parallel), and pmap's results with them."""

from __future__ import annotations

import os
import time

import pytest

from content_api import parallel
from content_api.parallel import PARSE_SECONDS_PER_BYTE, START_MARGIN, START_SECONDS, pmap, processes_for

#: The fewest bytes for which a second process pays (T >= S (1 + 2 m): see processes_for).
ONE_MORE = int(START_SECONDS * (1 + 2 * START_MARGIN) / PARSE_SECONDS_PER_BYTE) + 1


def _pid(_: object) -> int:
    time.sleep(0.002)  # the pool's first chunks are taken before this process reaches them
    return os.getpid()


def test_small_work_stays_in_this_process_whatever_the_file_count() -> None:
    assert processes_for(0, 0, 8) == 0
    assert processes_for(200_000, 5_000, 8) == 0  # many tiny files: the start-up would cost more
    assert processes_for(ONE_MORE - 2, 500, 8) == 0


def test_a_second_process_from_the_crossover_on() -> None:
    assert processes_for(ONE_MORE, 500, 2) == 1
    assert processes_for(ONE_MORE, 500, 8) == 1  # enough for one more, not for two
    assert 500_000 < ONE_MORE < 2_000_000  # about 0.9 MB of Markdown: 150 to 200 real guides


def test_more_processes_as_the_work_grows_bounded_by_cores_and_items() -> None:
    choices = [processes_for(size, 10_000, 4) for size in range(0, 50_000_000, 250_000)]
    assert choices == sorted(choices)  # never fewer for more work
    assert max(choices) == 3  # cores - 1: this process works too
    assert processes_for(50_000_000, 2, 8) == 1  # items - 1: each process gets an item
    assert processes_for(10**12, 10**6, 64) == parallel.MAX_PROCESSES - 1
    assert processes_for(10**9, 1_000, 1) == 0  # one core: no other process


def test_the_same_figures_give_the_same_answer() -> None:
    assert {processes_for(3_000_000, 700, 2) for _ in range(100)} == {1}


def test_load_processes_overrides_the_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.PROCESSES, "1")
    assert parallel._children(10_000, 10**9, parallel.MIN_ITEMS, 1e-6) == 0
    monkeypatch.setenv(parallel.PROCESSES, "3")
    assert parallel._children(10, 10, parallel.MIN_ITEMS, 1e-6) == 2  # tiny work, processes all the same
    monkeypatch.delenv(parallel.PROCESSES)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    monkeypatch.delenv("CONTENT_API_WORKERS", raising=False)
    assert parallel._children(10, 10, parallel.MIN_ITEMS, 1e-6) == 0
    assert parallel._children(500, ONE_MORE, parallel.MIN_ITEMS, PARSE_SECONDS_PER_BYTE) == 1
    compressing = parallel.COMPRESS_SECONDS_PER_BYTE  # 20 times cheaper than parsing: no pool for as much
    assert parallel._children(500, ONE_MORE, parallel.MIN_ITEMS, compressing) == 0


def test_this_process_and_a_spawned_one_give_the_results_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.PROCESSES, "2")
    items = [str(i) * (i % 7) for i in range(300)]
    assert pmap(len, items) == [len(item) for item in items]
    with parallel.session():
        assert pmap(len, items, work=1) == [len(item) for item in items]
        assert parallel.pool_running()
        assert pmap(str.upper, items[:3]) == [item.upper() for item in items[:3]]
        pids = pmap(_pid, range(100), work=1)
    assert os.getpid() in pids[:10]  # this process works from the front,
    assert len(set(pids)) == 2 and pids[-1] != os.getpid()  # the spawned one took the last chunks


def test_a_large_work_is_the_processes_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.PROCESSES, "2")
    monkeypatch.setattr(parallel, "ALONE_SECONDS", 0.0)  # any work said in bytes is large
    items = [str(i) * (i % 7) for i in range(300)]
    with parallel.session():
        pids = pmap(_pid, range(60), work=1)
        assert parallel._local.pool._max_workers == 2  # this process's share went to one more
        assert pmap(len, items, work=1) == [len(item) for item in items]
    assert os.getpid() not in pids
    assert pmap(len, items) == [len(item) for item in items]  # no work said: this process works too


def test_a_large_work_on_a_smaller_pool_already_started_is_shared_with_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(parallel.PROCESSES, "2")
    monkeypatch.setattr(parallel, "ALONE_SECONDS", 0.0)
    with parallel.session():
        assert pmap(len, ["a"] * 500) == [1] * 500  # no work said: a pool of one, this process working
        pids = pmap(_pid, range(100), work=1)  # large, but the pool cannot grow: this process helps
    assert os.getpid() in pids[:10]
