"""Parse time of the engine against markdown-it-py's raw tokenization, same rules enabled.

    python bench/parse.py [--rounds N] [DIR]

DIR defaults to ../shared/corpus/guides (the real guides) when present, else content/. Both
sides get the same bodies: the baseline is ``MarkdownIt("commonmark")`` with table,
strikethrough and linkify enabled, calling ``md.parse(body)`` on each guide's Markdown (front
matter already removed); the engine is ``parse_guide(file bytes)``: decoding, front matter,
components, AST, heading ids, TOC, editor rows, excerpt and reading time. Rounds alternate the
sides; the best round of each is kept (least disturbed by the rest of the machine) and the
ratio engine / baseline is printed. Target: <= 1.3.

The engine's linkify is linkify-it-py configured for GFM (``GfmLinkify``: no bare domains, a
pretest that looks for ``://``, ``@`` or ``www.`` only). A third line times markdown-it-py with
that same linkify, so the cost of everything the engine adds on top of tokenizing shows apart.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from markdown_it import MarkdownIt

from content_api import parse_guide
from content_api.parse.context import Context
from content_api.parse.front_matter import split_front_matter
from content_api.parse.linkify import GfmLinkify
from content_api.parse.source import decode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cli import corpus_options  # noqa: E402
from bench.rounds import per_guide, report, time_rounds  # noqa: E402


def baseline_markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"linkify": True}).enable(["table", "strikethrough", "linkify"])


def load(directory: Path) -> list[tuple[str, bytes, str]]:
    guides = []
    for path in sorted(directory.glob("*.md")):
        data = path.read_bytes()
        ctx = Context(str(path))
        body = split_front_matter(decode(data, ctx) or "", ctx).body
        guides.append((str(path), data, body))
    return guides


def time_round(fn, items) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


def main() -> int:
    directory, rounds = corpus_options(__doc__)
    guides = load(directory)
    if not guides:
        print(f"no guide in {directory}", file=sys.stderr)
        return 2
    md = baseline_markdown()
    md_gfm = baseline_markdown()
    md_gfm.linkify = GfmLinkify()
    bodies = [body for _, _, body in guides]
    files = [(path, data) for path, data, _ in guides]
    sides = {
        "stock": lambda: time_round(md.parse, bodies),
        "gfm": lambda: time_round(md_gfm.parse, bodies),
        "engine": lambda: time_round(lambda f: parse_guide(f[1], f[0]), files),
    }
    times = time_rounds(sides, rounds, warm_ups=2)
    base, gfm, engine = times["stock"], times["gfm"], times["engine"]
    n = len(guides)
    size = sum(len(data) for _, data in files)
    report(
        f"{directory} ({n} files, {size / 1024:.0f} KiB)",
        rounds,
        {
            "markdown-it-py tokens ": per_guide(base, n),
            "  same, GFM linkify    ": per_guide(gfm, n),
            "content-api parse     ": per_guide(engine, n),
            "ratio engine / tokens ": f"{min(engine) / min(base):.2f} (target <= 1.3)",
            "ratio engine / tokens with the engine's linkify": f"{min(engine) / min(gfm):.2f}",
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
