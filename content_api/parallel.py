"""The load's CPU-bound steps on every core: parsing files, compressing responses.

Parsing is pure Python (the GIL allows one thread at a time), so the work goes to processes. They
are *spawned*, not forked: the load may run in a thread of a server whose other threads hold locks
a forked child would inherit locked. Below ``MIN_ITEMS`` items, or with one process, it all runs
here: starting processes costs more than it saves.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import TypeVar

log = logging.getLogger("content_api")

T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this are handled in this process.
MIN_ITEMS = 400
#: Environment variable: how many processes a load may use (default: the CPUs, shared by the workers).
PROCESSES = "LOAD_PROCESSES"


def processes() -> int:
    configured = os.environ.get(PROCESSES)
    if configured:
        return max(1, int(configured))
    workers = max(1, int(os.environ.get("CONTENT_API_WORKERS", "1")))
    return max(1, min(8, (os.cpu_count() or 1) // workers))


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


def pmap(
    func: Callable[[T], R], items: Sequence[T], *, chunks_per_process: int = 4, min_items: int = MIN_ITEMS
) -> list[R]:
    """``[func(item) for item in items]``, spread over processes when it is worth it (``min_items``)."""
    count = processes()
    if count <= 1 or len(items) < min_items:
        return [func(item) for item in items]
    chunksize = max(1, len(items) // (count * chunks_per_process))
    pool, own = _pool(count)
    try:
        return list(pool.map(func, items, chunksize=chunksize))
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
