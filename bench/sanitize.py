"""The cost of the raw-HTML sanitizer on parsing the real guides: the default mode against raw.

    python bench/sanitize.py [--rounds N] [DIR]

DIR defaults to ../shared/corpus/guides (the real guides) when present, else content/. Rounds
alternate ``parse_guide(html="sanitize")`` (the default) and ``parse_guide(html="raw")`` (raw HTML
kept verbatim: no sanitizer) over every guide; the best round of each is kept (the least disturbed
by the rest of the machine), with the median. A last line times ``sanitize_html`` alone on every
html node of the corpus. The cache of short fragments is emptied before each round: a load parses
each file once.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

from content_api import model as m
from content_api import parse_guide
from content_api.parse.html_safety import _sanitize_short, sanitize_html

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "guides"


def html_nodes(node: object) -> list[str]:
    found = [node.value] if isinstance(node, m.Html) else []
    for child in getattr(node, "children", None) or ():
        found += html_nodes(child)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", type=Path)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    directory = args.directory or (CORPUS if CORPUS.is_dir() else ROOT / "content")
    files = [(str(path), path.read_bytes()) for path in sorted(directory.glob("*.md"))]
    if not files:
        print(f"no guide in {directory}", file=sys.stderr)
        return 2
    fragments = [v for path, data in files for v in html_nodes(parse_guide(data, path, html="raw").body)]

    def parse_all(mode: str) -> float:
        _sanitize_short.cache_clear()  # a load parses each file once: no fragment cleaned before
        started = time.perf_counter()
        for path, data in files:
            parse_guide(data, path, html=mode)  # type: ignore[arg-type]
        return time.perf_counter() - started

    def sanitize_all() -> float:
        _sanitize_short.cache_clear()
        started = time.perf_counter()
        for fragment in fragments:
            sanitize_html(fragment)
        return time.perf_counter() - started

    sides = {
        "sanitize": lambda: parse_all("sanitize"),
        "raw": lambda: parse_all("raw"),
        "alone": sanitize_all,
    }
    for run in sides.values():  # warm up
        run()
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.rounds):
        for name, run in sides.items():
            times[name].append(run())
    n = len(files)

    def per_guide(values: list[float]) -> str:
        return f"{min(values) / n * 1e3:.3f} ms / {statistics.median(values) / n * 1e3:.3f} ms"

    cost = min(times["sanitize"]) - min(times["raw"])
    print(f"corpus: {directory} ({n} files, {len(fragments)} html nodes)")
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(f"rounds: {args.rounds} (best / median per guide)")
    print(f"parse_guide, html=sanitize : {per_guide(times['sanitize'])}")
    print(f"parse_guide, html=raw      : {per_guide(times['raw'])}")
    print(f"sanitizer's cost           : {cost / n * 1e3:.3f} ms a guide ({cost / min(times['raw']):+.1%})")
    print(f"sanitize_html alone        : {per_guide(times['alone'])} (every html node of the guide)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
