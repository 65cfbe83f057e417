"""The search layer against corpus size: is a search for a common word flat from 100 to 100,000?

    python bench/search_scale.py [--sizes 100,10000,100000] [--runs 3]

Builds the FTS5 index (:class:`content_api.catalog.search.SearchIndex`) of N synthetic guides made
of the real ones (bench/corpus.py's sources, title numbered), warms it as the catalog does
(:func:`content_api.catalog.warmup.warm`), and times, in process (no HTTP: what
``bench/scale.py`` adds on top is constant), the search shapes of ``bench/scale.py``:

* ``word``: ``q=WORD`` for its common words, first page and total, each word once (as the
  server's first search of it after the warm-up);
* ``word_sorted``: then ``q=WORD&sort=slug`` (FTS5 walks the matches in rowid order, which is the
  slug order, to the page);
* ``word_again``: ``q=WORD`` repeated (``--repeats`` times each);
* ``word_miss``: ``q=WORD`` with the kept results dropped first: the cost of a word the warm-up
  did not reach (FTS5 ranks every match: grows with the corpus);
* ``selective``: ``q="N"`` for numbers only one title holds;
* ``snippets``: the first page's snippets of ``q=WORD`` (cut in Python from the page's bodies:
  the bodies here are the Markdown sources, longer than the plain text the catalog indexes).

The first three are what the page and the total cost (``bench/scale.py`` adds HTTP, the
snippets and the response, the same at every size).

It prints p50 per shape and size, the ratio of the largest size to the smallest, the warm-up's
time, words and memory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import sources  # noqa: E402
from bench.scale import RARE, WORDS  # noqa: E402
from content_api.catalog import warmup  # noqa: E402
from content_api.catalog.search import SearchIndex  # noqa: E402


def documents(size: int) -> Iterator[tuple[int, str, str, str]]:
    found = sources(None)
    for n in range(size):
        front, body = found[n % len(found)]
        yield n, f"{front['title']} ({n})", str(front.get("tagline") or ""), body


def p50(index: SearchIndex, queries: list[str], run: Callable[[str], object], repeats: int) -> float:
    elapsed = []
    for q in queries * repeats:
        start = time.perf_counter()
        run(q)
        elapsed.append((time.perf_counter() - start) * 1000)
    return statistics.median(elapsed)


def measure(size: int, repeats: int, warm_seconds: float) -> dict[str, float]:
    started = time.perf_counter()
    index = SearchIndex(documents(size))
    built = time.perf_counter() - started
    started = time.perf_counter()
    warmed = warmup.warm(index, warm_seconds)
    warm = time.perf_counter() - started

    def word(q: str) -> None:
        index.page(q, 0, 20)

    def word_sorted(q: str) -> None:  # positions are in slug order (the catalog's entries are)
        index.page(q, 0, 20, order="slug")

    def snippets(q: str) -> None:
        index.snippets(q, index.page(q, 0, 20)[1])

    def word_miss(q: str) -> None:
        index._found, index._warm = type(index._found)(), {}  # what a word not yet ranked costs
        word(q)

    figures = {
        "build_s": built,
        "warm_s": warm,
        "warm_words": warmed,
        "kept_mib": (index._found.nbytes() + sum(r.nbytes() for r in index._warm.values())) / 2**20,
        # each once, in bench/scale.py's order: the first search of a word after the warm-up
        "word": p50(index, WORDS, word, 1),
        "word_sorted": p50(index, WORDS, word_sorted, 1),
        "selective": p50(index, [f'"{n}"' for n in RARE], word, 1),
        "word_again": p50(index, WORDS, word, repeats),
        "snippets": p50(index, WORDS, snippets, 1),
        "word_miss": p50(index, WORDS, word_miss, 1),
    }
    index.close()
    return figures


SHAPES = ("word", "word_sorted", "selective", "word_again", "snippets", "word_miss")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warm-seconds", type=float, default=warmup.WARM_SECONDS)
    args = parser.parse_args()
    results = {}
    for size in map(int, args.sizes.split(",")):
        results[size] = measure(size, args.repeats, args.warm_seconds)
        figures = results[size]
        print(f"{size:>7} guides: built {figures['build_s']:.1f} s, warmed {figures['warm_words']:.0f} words "
              f"in {figures['warm_s']:.1f} s ({figures['kept_mib']:.1f} MiB kept); p50 ms: "
              + ", ".join(f"{k} {figures[k]:.3f}" for k in SHAPES),
              flush=True)  # fmt: skip
    first, last = results[min(results)], results[max(results)]
    for key in SHAPES:
        print(f"{key:12} x{last[key] / first[key]:.2f} from {min(results)} to {max(results)} guides")
    return 0


if __name__ == "__main__":
    sys.exit(main())
