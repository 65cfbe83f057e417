"""What the content graph adds to a load: a folder of guides against the same guides in the
site's layout with a catalogue of API pages, producers and services (issue 16).

    python bench/graph.py [--guides 1000] [--pages 200] [--rounds 3]

Generates N guides (bench/corpus.py) and P API pages made from the real ones of
``../shared/corpus/site/api`` (each with a new title; a built-in page when ../shared is absent),
plus the real producers and services, then loads the guides alone and the site (guides and
catalogue), alternating, cold (no parse cache), keeping each one's best time, and times the
graph step of the site loads on its own (a busy machine blurs the difference of two loads). Each load runs
in a ``parallel.session()``, as the server's loads do: the pages are parsed in the guides' pool.
Prints both and the ratio (target: the catalogue adds under 10 %, ratio <= 1.10).
"""

from __future__ import annotations

import argparse
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


def timed_load(folder: Path, graph_times: list[float]) -> float:
    """One cold load of ``folder`` in a session; the graph step's own time goes to ``graph_times``."""
    start = time.perf_counter()
    with parallel.session():
        library = load_library(folder)
    elapsed = time.perf_counter() - start
    assert library.guides, "nothing loaded"
    return elapsed


def _timing_the_graph_step(graph_times: list[float]) -> None:
    real = library_module.load_graph

    def timed(*args: Any) -> Any:
        start = time.perf_counter()
        try:
            return real(*args)
        finally:
            graph_times.append(time.perf_counter() - start)

    library_module.load_graph = timed  # type: ignore[assignment]


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
    alone, with_graph = [], []
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "_data"
        make_site(site, args.guides, args.pages)
        library = load_library(site)
        assert library.graph is not None and len(library.graph.apis) == args.pages
        graph_times.clear()
        for _ in range(args.rounds):
            alone.append(timed_load(site / "guides", graph_times))
            with_graph.append(timed_load(site, graph_times))
    best_alone, best_site, best_graph = min(alone), min(with_graph), min(graph_times)
    print(f"{args.guides} guides alone (best of {args.rounds}): {best_alone:.3f} s")
    print(
        f"the same in the site layout with {args.pages} API pages: {best_site:.3f} s "
        f"(x{best_site / best_alone:.3f})"
    )
    ratio = (best_alone + best_graph) / best_alone
    verdict = "ok" if ratio <= 1.10 else "MISSED"
    print(
        f"the graph step alone: {best_graph:.3f} s: x{ratio:.3f} of the guides' load "
        f"(target <= 1.10: {verdict})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
