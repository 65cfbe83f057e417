"""Shared test helpers: where the project and ../shared are, and how to skip without them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Every Hypothesis test of the suite: 150 examples in CI, 5,000 with HYPOTHESIS_PROFILE=long.
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "guides"
REFERENCE = SHARED / "corpus" / "reference"
SPEC = SHARED / "spec"
SEED = ROOT / "content" / "ccas.md"

needs_shared = pytest.mark.skipif(
    not (CORPUS.is_dir() and SPEC.is_dir()),
    reason="../shared (guide corpus and spec examples) is not next to this checkout",
)


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.md")) if CORPUS.is_dir() else []


def walk(node: object):  # type: ignore[no-untyped-def]
    """Every node of an AST, depth first, in document order."""
    yield node
    for child in getattr(node, "children", None) or ():
        yield from walk(child)
