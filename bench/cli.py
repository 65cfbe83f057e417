"""The command lines the benchmarks share."""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the real guides, when ../shared is next to this checkout
CORPUS = ROOT.parent / "shared" / "corpus" / "guides"


def doc_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser whose ``--help`` shows ``doc`` (the script's docstring) as it is written."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def corpus_options(doc: str | None) -> tuple[Path, int]:
    """``[--rounds N] [DIR]``: the folder of guides (the real ones, else content/) and the rounds."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("directory", nargs="?", type=Path)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    return args.directory or (CORPUS if CORPUS.is_dir() else ROOT / "content"), args.rounds
