"""What indexers and caches read (issue 15): section records and the change feed, priced.

    python bench/feeds.py [--guides 2000] [--duration 5] [--connections 64] [--rounds 3]

Generates ``--guides`` guides (bench/corpus.py: the real guides when ../shared is there, the seed
otherwise), then measures, in one run:

* in process, best of ``--rounds``: the section records of the whole library
  (``Catalog.records()``) against the load itself, and the change history of 10,000 guides: one
  step with 1 % of them changed (``History.advanced``), and ``since`` over 100 kept steps;
* over HTTP with wrk (2 threads), against ``GET /guides/<slug>`` in the same run: the first page
  of ``/search/records`` (100 records), every record as JSON Lines, ``/changes`` (the initial
  sync) and ``/changes?since=<cursor>`` (an up-to-date client), each as a ratio of the detail's
  requests/s; bytes of each answer, br. Talks to 127.0.0.1 only; without wrk, the HTTP part is
  skipped (Debian: ``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import generate
from bench.throughput import fetch, free_port, wait_for, wrk
from content_api.catalog import Catalog
from content_api.changes import Entry, History
from content_api.library import load_library


def best(rounds: int, job: object) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        job()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def in_process(folder: Path, rounds: int) -> None:
    library = load_library(folder)
    load = best(rounds, lambda: load_library(folder))
    records = best(rounds, lambda: Catalog.from_library(library).records())
    count = len(Catalog.from_library(library).records())
    print(f"load of {len(library.guides)} guides: {load * 1000:.0f} ms (best of {rounds})")
    print(f"records: {count} in {records * 1000:.0f} ms = x{records / load:.2f} of the load")

    state = {f"guide-{n:06d}": Entry(f'"{n:032x}"', "2026-01-01", n % 10 != 0) for n in range(10_000)}
    history = History.start(state)
    for step in range(100):
        changed = {slug: Entry(f'"{step}-{slug}"', "2026-02-01", True) for slug in list(state)[step::100]}
        history = history.advanced({**history.head, **changed}, keep=100)
    oldest = history.steps[0].cursor
    head = dict(history.head)
    head.update({slug: Entry('"x"', None, True) for slug in list(head)[::100]})
    advance = best(rounds, lambda: history.advanced(head, keep=100))
    since = best(rounds, lambda: history.since(oldest))
    found = history.since(oldest) or []
    print(f"history, 10,000 guides: a step with 100 changed {advance * 1000:.1f} ms")
    print(f"history, since the oldest of 100 steps ({len(found)} changes): {since * 1000:.1f} ms")


def over_http(folder: Path, duration: int, connections: int) -> None:
    if shutil.which("wrk") is None:
        print("wrk not found: HTTP part skipped")
        return
    port = free_port()
    command = [sys.executable, "-m", "content_api", "serve", "--port", str(port), "--content", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/ready", process, seconds=300)
        body, _ = fetch(f"{base}/changes")
        cursor = body.decode().rsplit('"cursor":"', 1)[1][:32]
        detail = sorted(p.stem for p in folder.glob("*.md"))[0]
        cases = [
            ("GET /guides/<slug> (reference)", f"/guides/{detail}", {}),
            ("GET /search/records (page 1)", "/search/records", {}),
            ("GET /search/records, JSON Lines", "/search/records", {"Accept": "application/x-ndjson"}),
            ("GET /changes (initial sync)", "/changes", {}),
            ("GET /changes?since=<cursor>", f"/changes?since={cursor}", {}),
        ]
        reference = 0.0
        print("\n| request | req/s | p99 | x detail | bytes (br) |\n|---|---|---|---|---|")
        for name, path, headers in cases:
            sized, _ = fetch(base + path, {**headers, "Accept-Encoding": "br"})
            rate, p99 = wrk(base + path, duration, connections, {**headers, "Accept-Encoding": "br"})
            reference = reference or rate
            print(f"| {name} | {rate:,.0f} | {p99} | x{rate / reference:.2f} | {len(sized):,} |")
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guides", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{platform.machine()}, Python {platform.python_version()}, {args.guides} guides")
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "guides"
        generate(args.guides, folder)  # the real guides when ../shared is there
        in_process(folder, args.rounds)
        over_http(folder, args.duration, args.connections)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
