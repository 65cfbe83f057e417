"""Generate a corpus of N guides from real ones, for load and scale benchmarks.

    python bench/corpus.py N OUT_DIR [--source DIR] [--seed S]

Each generated guide is a real guide (from ``../shared/corpus/guides`` when present, plus the
seed ``content/ccas.md``) with a new slug and title, tags and APIs drawn from pools that grow with
N (about 2·√N tags and √N/2 APIs, so the indexes see realistic cardinalities), varied publish and
noindex flags, and the editor rows of its tables renamed. The output is deterministic for a seed.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus" / "guides"
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_EDITOR_ROW = re.compile(r"^(\|\s*)([^|\n]+?)(\s*\|)", re.MULTILINE)
WORDS = [
    "famille",
    "cantine",
    "transport",
    "école",
    "santé",
    "logement",
    "énergie",
    "emploi",
    "entreprise",
    "association",
    "commune",
    "région",
    "département",
    "social",
    "fiscal",
    "scolaire",
    "étudiant",
    "retraite",
    "handicap",
    "sport",
]


def sources(directory: Path | None) -> list[tuple[dict[str, object], str]]:
    """(front matter, body) of the real guides that have a title."""
    folders = [d for d in (directory, SHARED if directory is None else None) if d is not None and d.is_dir()]
    paths = [p for folder in folders for p in sorted(folder.glob("*.md"))] + [ROOT / "content" / "ccas.md"]
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        match = _FRONT.match(text)
        if not match:
            continue
        try:
            front = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            continue
        if isinstance(front, dict) and front.get("title"):
            found.append((front, text[match.end() :]))
    return found


def _rename_editors(body: str, rng: random.Random, number: int) -> str:
    """Rename the first cell of the rows of editor tables (header and delimiter rows kept)."""
    out, in_editors = [], False
    for line in body.split("\n"):
        stripped = line.strip().lower()
        if stripped.startswith("|") and ("editeur" in stripped[:12] or "éditeur" in stripped[:12]):
            in_editors = True
        elif not stripped.startswith("|"):
            in_editors = False
        elif in_editors and not set(stripped) <= set("|-: "):
            line = _EDITOR_ROW.sub(
                lambda m: f"{m.group(1)}Éditeur {rng.randrange(number * 2 + 50)}{m.group(3)}", line, 1
            )
        out.append(line)
    return "\n".join(out)


def generate(count: int, out: Path, source: Path | None = None, seed: int = 0) -> list[Path]:
    rng = random.Random(seed)
    guides = sources(source)
    if not guides:
        raise SystemExit("no source guide found")
    tags = [f"{rng.choice(WORDS)} {n}" for n in range(max(4, int(2 * math.sqrt(count))))]
    apis = [f"API {rng.choice(WORDS).capitalize()} {n}" for n in range(max(2, int(math.sqrt(count) / 2)))]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for n in range(count):
        front, body = guides[n % len(guides)]
        front = dict(front)
        front["title"] = f"{front['title']} ({n})"
        front["tags"] = rng.sample(tags, k=min(len(tags), rng.randint(1, 4)))
        front["api"] = rng.sample(apis, k=min(len(apis), rng.randint(1, 2)))
        front["publish"] = rng.random() < 0.85
        front["noindex"] = rng.random() < 0.1
        front.pop("related_guides", None)
        text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n"
        path = out / f"guide-{n:06d}.md"
        path.write_text(text + _rename_editors(body, rng, count), encoding="utf-8")
        written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--source", type=Path, help="folder of real guides (default: ../shared/corpus/guides)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    written = generate(args.count, args.out, args.source, args.seed)
    print(f"{len(written)} guides written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
