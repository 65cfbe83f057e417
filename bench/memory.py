"""Memory by structure: what a worker holds once it serves a corpus, measured in process.

    python bench/memory.py CORPUS [--cache DIR] [--json OUT]

The corpus is loaded as a server worker loads it (``Loader`` with ``--cache DIR``: the first run
is cold and fills the cache, the next ones are warm), the memory the load freed is given back as
the worker does (``gc.collect``, ``malloc_trim``), then it prints the process's RSS, the C heap in
use (glibc's ``mallinfo2``), SQLite's own allocations, and the bytes each structure of the served
snapshot owns: a ``sys.getsizeof`` walk of the objects it reaches, each object counted once, for
the first structure (in the order printed) that reaches it. What the walk does not reach (the
interpreter, the libraries, allocator slack) is the difference to the heap in use.

``bench/scale.py`` gives the figure the targets are about (a real server's worker); this gives
where it goes, in a minute instead of several.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import sqlite3
import sys
import time
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from content_api.config import Settings  # noqa: E402
from content_api.web.loader import Loader, SnapshotHolder, _return_memory  # noqa: E402
from content_api.web.snapshot import Snapshot  # noqa: E402

_LEAVES = (str, bytes, bytearray, int, float, bool, type(None), memoryview)
_SKIP = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


_MALLINFO2 = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in _MALLINFO2.split()]


def heap_mib() -> dict[str, float]:
    """glibc's heap: in use (``uordblks`` + mmapped blocks) and free but kept (``fordblks``)."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return {"in_use": (info.uordblks + info.hblkhd) / 2**20, "free_kept": info.fordblks / 2**20}


def sqlite_mib() -> float:
    """What SQLite allocated (every connection of the process), from the library Python links."""
    import _sqlite3

    try:
        library = ctypes.CDLL(_sqlite3.__file__)
        library.sqlite3_memory_used.restype = ctypes.c_int64
        return float(library.sqlite3_memory_used()) / 2**20
    except (OSError, AttributeError):
        return float("nan")


def _children(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        yield from value.keys()
        yield from value.values()
    elif isinstance(value, list | tuple | set | frozenset):
        yield from value
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield getattr(value, name)
    else:
        for klass in type(value).__mro__:
            for name in getattr(klass, "__slots__", ()):
                if hasattr(value, name):
                    yield getattr(value, name)
        if hasattr(value, "__dict__"):
            yield value.__dict__


class Walker:
    """Sizes of object graphs, each object counted once across every call."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def size(self, *roots: Any) -> int:
        total, stack = 0, list(roots)
        while stack:
            value = stack.pop()
            if id(value) in self.seen or isinstance(value, _SKIP):
                continue
            self.seen.add(id(value))
            total += sys.getsizeof(value)
            if not isinstance(value, (*_LEAVES, sqlite3.Connection)):
                stack.extend(_children(value))
        return total


def _groups(snapshot: Snapshot) -> Iterable[tuple[str, list[Any]]]:
    prepared: dict[str, list[Any]] = {}
    for key, response in snapshot.prepared.items():
        group = "/guides/{slug}" if key.startswith("/guides/") and "?" not in key else key.split("?")[0]
        group = (
            group if group.count("/") < 2 or group == "/guides/{slug}" else "/" + group.split("/")[1] + "/..."
        )
        prepared.setdefault(group, []).append(response)
    largest = sorted(prepared.items(), key=lambda item: -len(item[1]))
    for group, responses in largest[:6]:
        yield f"prepared {group} ({len(responses)})", responses
    yield "prepared, the rest", [r for _, responses in largest[6:] for r in responses]
    for name in [
        "summary_json",
        "editor_json",
        "record_json",
        "records_ndjson",
        "modified",
        "record_modified",
    ]:
        yield f"snapshot.{name}", [getattr(snapshot, name, None)]
    for name in ("history",):
        yield f"snapshot.{name}", [getattr(snapshot, name, None)]
    entries = snapshot.catalog.entries
    for field in msgspec.structs.fields(entries[0]) if entries else ():
        yield f"guide.{field.name}", [getattr(guide, field.name) for guide in entries]
    yield "guide structs", list(entries)
    catalog = snapshot.catalog
    for name in [
        "summaries",
        "position",
        "by_tag",
        "by_api",
        "orders",
        "ranks",
        "editor_rows",
        "editor_keys",
    ]:
        yield f"catalog.{name}", [getattr(catalog, name, None)]
    for name in ("editors_by_api", "editors_by_guide"):
        yield f"catalog.{name}", [getattr(catalog, name, None)]
    library = snapshot.library
    for name in [
        "guides",
        "files",
        "diagnostics",
        "failed",
        "redirects",
        "graph",
        "parsed",
        "bodies",
        "texts",
        "sources",
    ]:
        yield f"library.{name}", [getattr(library, name, None)]
    yield "compressor.forms", [snapshot.compressor.forms]
    yield "compressor.records", [snapshot.compressor.records]
    yield "catalog, the rest", [catalog]
    yield "snapshot, the rest", [snapshot]


def account(snapshot: Snapshot) -> list[tuple[str, float]]:
    walker = Walker()
    return [(name, walker.size(*roots) / 2**20) for name, roots in _groups(snapshot)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    started = rss_mib()
    holder = SnapshotHolder()
    clock = time.perf_counter()
    settings = Settings(content_dir=str(args.corpus), cache_dir=str(args.cache) if args.cache else None)
    Loader(settings, holder).load()
    loaded = time.perf_counter() - clock
    _return_memory()
    snapshot = holder.snapshot
    assert snapshot is not None
    guides = len(snapshot.catalog.entries)
    figures: dict[str, Any] = {"guides": guides, "load_s": round(loaded, 1), "rss_before_mib": started}
    figures |= {"rss_mib": rss_mib(), "heap": heap_mib(), "sqlite_mib": sqlite_mib()}
    gc.disable()
    rows = account(snapshot)
    figures["structures_mib"] = dict(rows)
    walked = sum(size for _, size in rows)
    print(f"{guides} guides, loaded in {loaded:.1f} s; RSS {figures['rss_mib']:.1f} MiB "
          f"({figures['rss_mib'] / guides * 1000:.2f} per 1,000), {started:.1f} before the load")  # fmt: skip
    heap = figures["heap"]
    print(f"heap in use {heap['in_use']:.1f} MiB, free but kept {heap['free_kept']:.1f}; "
          f"SQLite {figures['sqlite_mib']:.1f}; walked {walked:.1f}")  # fmt: skip
    for name, size in sorted(rows, key=lambda row: -row[1]):
        if size >= 0.05:
            print(f"  {size:9.1f} MiB  {size * 2**20 / max(guides, 1):8.0f} B/guide  {name}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
