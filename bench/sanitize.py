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

import sys
import time
from pathlib import Path

from content_api import model as m
from content_api import parse_guide
from content_api.parse.html_safety import _sanitize_short, sanitize_html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cli import corpus_options  # noqa: E402
from bench.rounds import per_guide, report, time_rounds  # noqa: E402


def html_nodes(node: object) -> list[str]:
    found = [node.value] if isinstance(node, m.Html) else []
    for child in getattr(node, "children", None) or ():
        found += html_nodes(child)
    return found


def main() -> int:
    directory, rounds = corpus_options(__doc__)
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
    times = time_rounds(sides, rounds)
    n = len(files)
    raw = min(times["raw"])
    cost = min(times["sanitize"]) - raw
    report(
        f"{directory} ({n} files, {len(fragments)} html nodes)",
        rounds,
        {
            "parse_guide, html=sanitize ": per_guide(times["sanitize"], n),
            "parse_guide, html=raw      ": per_guide(times["raw"], n),
            "sanitizer's cost           ": f"{cost / n * 1e3:.3f} ms a guide ({cost / raw:+.1%})",
            "sanitize_html alone        ": f"{per_guide(times['alone'], n)} (every html node of the guide)",
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
