"""What the content graph adds to a load: a folder of guides against the same guides in the
site's layout with a catalogue of API pages, producers and services (issue 16).

    python bench/graph.py [--guides 1000] [--pages 200] [--rounds 5]

Generates N guides (bench/corpus.py) and P API pages made from the real ones of
``../shared/corpus/site/api`` (each with a new title; a built-in page when ../shared is absent),
plus the real producers and services, then loads the guides alone and the site (guides and
catalogue), alternating, keeping each one's best time:

* cold: no parse cache, each load in a ``parallel.session()`` with ``lean=True``, as the server's
  are (the pages are parsed in the same pool and the same call as the guides); wall time and CPU
  time (this process and its pool's processes: a busy machine blurs wall times more);
* warm: a restart with the parse cache (``cache.py``: the file written, then read by each load),
  as ``serve --cache`` does.

The site is loaded twice: whole (``check``'s load, and every reload), and as a server's first
load, which serves the guides once the pages' front matter is read and parses their Markdown in a
second load (``web/loader.py``): the target is the first figure of that one, the time until the
guides are served; the second load's time is printed beside it.

Also times the graph step on its own (``load_graph``: reading what the guides' call parsed,
resolving the references). Prints the ratios site / guides alone (target: under 10 %, <= 1.10) and
the machine's load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import content_api.library as library_module  # noqa: E402
from bench.corpus import generate  # noqa: E402
from content_api import load_library, parallel  # noqa: E402
from content_api.cache import ParseCache  # noqa: E402

SITE = ROOT.parent / "shared" / "corpus" / "site"
_TITLE = re.compile(r"^title: .*$", re.MULTILINE)

FALLBACK = """---
title: API Exemple
tagline: Une API
producer: dinum
access_page:
  - who: [Une collectivité]
    is_eligible: 1
    description: |
      Vous êtes **éligible**. <External href="https://exemple.gouv.fr">En savoir plus</External>

      <Button href="https://datapass.api.gouv.fr/">Demander un accès</Button>
content_intro: |
  ### À quoi sert l'API ?

  Elle sert.
---

## Documentation

Le [guide](https://exemple.gouv.fr/doc).
"""


def make_site(out: Path, guides: int, pages: int) -> None:
    generate(guides, out / "guides")
    api = out / "api"
    api.mkdir(parents=True)
    samples = sorted(SITE.glob("api/*.md")) if SITE.is_dir() else []
    texts = [path.read_text(encoding="utf-8") for path in samples] or [FALLBACK]
    for number in range(pages):
        text = _TITLE.sub(f"title: API Générée {number}", texts[number % len(texts)], count=1)
        (api / f"api-generee-{number}.md").write_text(text, encoding="utf-8")
    for kind in ("producteurs", "service"):
        if (SITE / kind).is_dir():
            shutil.copytree(SITE / kind, out / kind)


def timed_load(
    folder: Path, cache: ParseCache | None = None, *, defer: bool = False
) -> tuple[float, float, float]:
    """One load of ``folder`` in a session (warm when ``cache`` is given): wall and CPU seconds.
    ``defer``: as a server's first load, the pages' front matter only (the guides are served
    then), followed by the load that parses the pages' Markdown (its wall time is the third
    figure; 0 when there is none)."""
    before, start = os.times(), time.perf_counter()
    with parallel.session():
        cached = cache.load().guides if cache is not None else None
        library = load_library(folder, cache=cached, lean=True, git_dates="off", defer_pages=defer)
    wall, after = time.perf_counter() - start, os.times()
    assert library.guides, "nothing loaded"
    second = 0.0
    if library.graph is not None and library.graph.pending:
        begun = time.perf_counter()
        with parallel.session():
            completed = load_library(folder, previous=library, lean=True, git_dates="off")
        second = time.perf_counter() - begun
        assert completed.graph is not None and not completed.graph.pending
    return wall, sum(after[:4]) - sum(before[:4]), second


def _timing_the_graph_step(graph_times: list[float]) -> None:
    real = library_module.load_graph

    def timed(*args: Any) -> Any:
        start = time.perf_counter()
        try:
            return real(*args)
        finally:
            graph_times.append(time.perf_counter() - start)

    library_module.load_graph = timed  # type: ignore[assignment]


#: What is compared: the guides alone, the site loaded whole, the site as a server's first load
#: (the pages' Markdown deferred to a second load).
VARIANTS = ("guides alone", "site, whole", "site, pages deferred")


def rounds(
    site: Path, count: int, caches: dict[Path, ParseCache] | None
) -> dict[str, list[tuple[float, ...]]]:
    """``count`` loads of each variant, alternating: their wall and CPU times (warm, each from the
    cache of its own folder, when ``caches`` is given: the cache holds the pages whole, so a warm
    deferred load defers nothing)."""
    times: dict[str, list[tuple[float, ...]]] = {name: [] for name in VARIANTS}
    for _ in range(count):
        for name, folder, defer in zip(
            VARIANTS, (site / "guides", site, site), (False, False, True), strict=True
        ):
            times[name].append(timed_load(folder, caches[folder] if caches else None, defer=defer))
    return times


def report(name: str, times: dict[str, list[tuple[float, ...]]]) -> float:
    best = {variant: [min(kept) for kept in zip(*found, strict=True)] for variant, found in times.items()}
    alone, alone_cpu, _ = best[VARIANTS[0]]
    print(f"{name}: guides alone {alone:.3f} s (CPU {alone_cpu:.2f} s)")
    for variant in VARIANTS[1:]:
        wall, cpu, second = best[variant]
        then = f"; the pages' Markdown then in {second:.3f} s" if second else ""
        ratios = f"x{wall / alone:.3f} wall, x{cpu / alone_cpu:.3f} CPU"
        print(f"  {variant}: {wall:.3f} s (CPU {cpu:.2f} s): {ratios}{then}")
    return alone


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--guides", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    graph_times: list[float] = []
    _timing_the_graph_step(graph_times)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "_data"
        make_site(site, args.guides, args.pages)
        caches = {}
        for number, folder in enumerate((site / "guides", site)):  # each folder's own parse cache
            library = load_library(folder, lean=True)
            caches[folder] = ParseCache(Path(tmp) / f"cache-{number}")
            caches[folder].save(library.parsed, {})
        assert library.graph is not None and len(library.graph.apis) == args.pages
        print(
            f"{args.guides} guides, {args.pages} API pages (best of {args.rounds}); load average "
            f"{os.getloadavg()[0]:.2f}"
        )
        graph_times.clear()
        alone = report("cold", rounds(site, args.rounds, None))
        best_graph = min(graph_times)
        report("warm (parse cache)", rounds(site, args.rounds, caches))
    print(
        f"the graph step (cold, reading the pages parsed with the guides, resolving): {best_graph:.3f} s, "
        f"x{(alone + best_graph) / alone:.3f} of the guides' cold load; load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
