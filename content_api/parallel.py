"""The load's CPU-bound steps on every core: parsing files, compressing responses.

Parsing is pure Python (the GIL allows one thread at a time), so the work goes to processes. They
are *spawned*, not forked: the load may run in a thread of a server whose other threads hold locks
a forked child would inherit locked. A spawned process costs about half a second before its first
result (a new interpreter importing content_api), so processes are started only when the work
pays for them (:func:`processes_for`), and this process works too: it takes the chunks from the
front while the pool, still starting, takes them from the back. A large work (:data:`ALONE_SECONDS`)
is the processes' alone, this one waiting: a server's worker then keeps a heap the size of what it
keeps, not of what it parsed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import TypeVar

log = logging.getLogger("content_api")

T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this are handled in this process (the calls that do not say their work in bytes).
MIN_ITEMS = 400
#: Environment variable: how many processes a load uses, this one included (1: no other process);
#: it overrides the choice from the work. Default: the CPUs, shared by the server's workers.
PROCESSES = "LOAD_PROCESSES"
#: Seconds one process takes to parse a byte of Markdown, measured with ``bench/load.py --repeat
#: 500`` on the real guides (2 vCPU, 2.4 MB: 2.6 to 2.8 s in one process, 1.1 to 1.2 µs a byte).
PARSE_SECONDS_PER_BYTE = 1.1e-6
#: Seconds to compress a byte of a response (br, prepared.py), measured the same way: 480 details,
#: 7.7 MB, 0.33 to 0.38 s, 0.043 to 0.049 µs a byte.
COMPRESS_SECONDS_PER_BYTE = 0.05e-6
#: Seconds from starting a spawned process to its first result (interpreter, imports), measured
#: the same way: 0.47 to 0.54 s for a pool of two.
START_SECONDS = 0.5
#: A process is started only when it gets at least this many times its start-up in work: the
#: chunks it takes while starting come back late, and the machine is shared. 0.5 puts the second
#: process at 1.0 s of parsing (about 0.9 MB), where bench/load.py --crossover measured the
#: crossover on real guides (150 files, 0.72 MB: 1.11 x slower with two; 200 files, 0.96 MB: 0.83 x).
START_MARGIN = 0.5
MAX_PROCESSES = 8
#: From this much work (seconds in one process), the processes do all of it and this one waits:
#: the small objects a parse makes and frees (the ASTs) scatter, and those this process keeps
#: after them (the guides, the responses) land among their holes, in memory it never gives back.
#: 10,000 generated guides loaded cold held 290 to 311 MiB this process working, 258 to 265 MiB
#: not, 246 MiB warm. Below it, this process's share of the work is worth more than the memory
#: (the pool's start, half a second, is then a tenth of the work or less).
ALONE_SECONDS = 10.0


def configured() -> int | None:
    """``LOAD_PROCESSES`` when set (at least 1), else None."""
    value = os.environ.get(PROCESSES)
    return max(1, int(value)) if value else None


def processes() -> int:
    """The processes a load may use, this one included: ``LOAD_PROCESSES``, else the CPUs."""
    value = configured()
    if value is not None:
        return value
    workers = max(1, int(os.environ.get("CONTENT_API_WORKERS", "1")))
    return max(1, min(MAX_PROCESSES, (os.cpu_count() or 1) // workers))


def processes_for(
    work_bytes: int, items: int, cores: int, *, seconds_per_byte: float = PARSE_SECONDS_PER_BYTE
) -> int:
    """How many processes to start besides this one, for ``items`` holding ``work_bytes`` of work.

    The work takes ``T = work_bytes x seconds_per_byte`` seconds in one process. With ``n`` processes
    started and this one working from the start, it ends at ``t = (T + n S) / (n + 1)`` (``S``:
    :data:`START_SECONDS`), each started process working ``t - S = (T - S) / (n + 1)``. A process is
    started only while that is at least ``START_MARGIN x S``: ``n <= (T - S) / (START_MARGIN S) - 1``.
    Never more than ``cores - 1`` nor ``items - 1``. Pure: the same figures, the same answer.
    """
    seconds = work_bytes * seconds_per_byte
    worth = int((seconds - START_SECONDS) / (START_MARGIN * START_SECONDS)) - 1
    return max(0, min(worth, cores - 1, items - 1, MAX_PROCESSES - 1))


_local = threading.local()


@contextmanager
def session() -> Iterator[None]:
    """Within this block, the pmap calls of this thread share one pool, started at first need."""
    _local.pool = None
    _local.in_session = True
    try:
        yield
    finally:
        pool, _local.pool, _local.in_session = _local.pool, None, False
        if pool is not None:
            pool.shutdown()


def _pool(count: int) -> tuple[ProcessPoolExecutor, bool]:
    """The session's pool (kept), or a pool of its own (to shut down after use)."""
    pool: ProcessPoolExecutor | None = getattr(_local, "pool", None)
    if pool is None:
        pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn"))
        if getattr(_local, "in_session", False):
            _local.pool = pool
            return pool, False
        return pool, True
    return pool, False


def pool_running() -> bool:
    """Whether this thread's session has started its pool (a pmap of a few items then costs no start)."""
    return getattr(_local, "pool", None) is not None


def _children(items: int, work: int | None, min_items: int, seconds_per_byte: float) -> int:
    """How many processes ``pmap`` uses besides this one."""
    forced = configured()
    if forced is not None:
        return min(forced - 1, items - 1) if items > 1 else 0
    if pool_running():  # started already: it costs nothing more
        return min(processes() - 1, items - 1)
    if work is not None:
        return processes_for(work, items, processes(), seconds_per_byte=seconds_per_byte)
    return processes() - 1 if items >= min_items else 0


def _run_chunk(func: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [func(item) for item in chunk]


def _spread(
    pool: ProcessPoolExecutor, func: Callable[[T], R], chunks: list[Sequence[T]], alone: bool = False
) -> list[R]:
    """Each chunk done here, from the front, unless a process of the pool (from the back) took it
    (``alone``: the pool's processes do every chunk)."""
    futures: list[Future[list[R]]] = [pool.submit(_run_chunk, func, chunk) for chunk in reversed(chunks)]
    futures.reverse()
    results: list[R] = []
    for chunk, future in zip(chunks, futures, strict=True):
        results += _run_chunk(func, chunk) if not alone and future.cancel() else future.result()
    return results


def _alone(count: int, large: bool) -> bool:
    """Whether the pool's processes do all of a work, this one waiting: a large work with no pool
    yet (one more process is started); with a session's pool, one that has a process more than
    ``count`` and a large work, or a process for each core (this one would then add nothing)."""
    pool: ProcessPoolExecutor | None = getattr(_local, "pool", None)
    if pool is None:
        return large
    workers: int = pool._max_workers  # type: ignore[attr-defined]
    return workers > count and (large or workers >= processes())


def pmap(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    chunks_per_process: int = 8,
    min_items: int = MIN_ITEMS,
    work: int | None = None,
    seconds_per_byte: float = PARSE_SECONDS_PER_BYTE,
) -> list[R]:
    """``[func(item) for item in items]``, spread over processes when it is worth it.

    ``work``: the bytes the items hold, ``seconds_per_byte`` what one costs (the choice is then
    :func:`processes_for`'s), else ``min_items`` items start the pool. ``LOAD_PROCESSES`` overrides both.
    """
    count = _children(len(items), work, min_items, seconds_per_byte)
    if count <= 0:
        return [func(item) for item in items]
    alone = _alone(count, work is not None and work * seconds_per_byte >= ALONE_SECONDS)
    if alone and not pool_running():
        count += 1  # this process's share goes to one more
    size = max(1, len(items) // ((count + 1) * chunks_per_process))
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    pool, own = _pool(count)
    try:
        return _spread(pool, func, chunks, alone)
    except BrokenProcessPool:
        # The processes died starting: most often a script that loads guides at import time, without
        # ``if __name__ == "__main__":`` (a spawned process imports the script again). Slower, not wrong.
        log.warning(
            "the load's processes could not start (in a script, call load_library under "
            '`if __name__ == "__main__":`); working on one core'
        )
        if not own:
            _local.pool = None
            pool.shutdown(cancel_futures=True)
        return [func(item) for item in items]
    finally:
        if own:
            pool.shutdown(cancel_futures=True)
