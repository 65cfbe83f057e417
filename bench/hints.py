"""What the rendering hints (issue 14) cost: parse time and body JSON, with and without them.

    .venv/bin/python bench/hints.py [--corpus DIR] [--rounds 7]

Parses every guide of the corpus (../shared/corpus/guides, else content/) with the parse's
``hints`` stage and without it, in alternating rounds in one process (best round of each kept),
and prints the ratios; then the worst case the depth cap bounds: a 1 MB-class file of Quotes
nested 30 deep, its body JSON over its source size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import content_api.parse as parse_module  # noqa: E402
from content_api import parse_guide  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus" / "guides"


def one_round(files: list[bytes]) -> tuple[float, int]:
    start = time.perf_counter()
    bodies = [parse_guide(data, "g.md").body for data in files]
    elapsed = time.perf_counter() - start
    return elapsed, sum(len(msgspec.json.encode(body)) for body in bodies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED if SHARED.is_dir() else ROOT / "content")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    files = [path.read_bytes() for path in sorted(args.corpus.glob("*.md"))]
    stages = list(parse_module.STAGES)
    without = [stage for stage in stages if stage[0] != "hints"]
    best = {"with": (float("inf"), 0), "without": (float("inf"), 0)}
    for _ in range(args.rounds):
        for name, chosen in (("with", stages), ("without", without)):
            parse_module.STAGES[:] = chosen
            elapsed, size = one_round(files)
            best[name] = (min(best[name][0], elapsed), size)
    parse_module.STAGES[:] = stages
    (hinted, hinted_size), (plain, plain_size) = best["with"], best["without"]
    print(f"{len(files)} guides of {args.corpus}, best of {args.rounds} rounds")
    print(f"parse: {hinted * 1000:.1f} ms with hints, {plain * 1000:.1f} ms without: x{hinted / plain:.3f}")
    ratio = hinted_size / plain_size
    print(f"body JSON: {hinted_size:,} bytes with hints, {plain_size:,} without: x{ratio:.3f}")
    levels = 30
    text = '<Quote who="w">\n' * levels + "\n" + "mot " * 200_000 + "\n\n" + "</Quote>\n" * levels
    source = "---\ntitle: t\n---\n" + text
    body = msgspec.json.encode(parse_guide(source, "deep.md").body)
    ratio = len(body) / len(source)
    print(f"{levels} nested Quotes around {len(source):,} bytes: body JSON x{ratio:.2f} the source")


if __name__ == "__main__":
    main()
