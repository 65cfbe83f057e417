"""Rounds of timed sides, the best and the median of each: what parse.py and sanitize.py share."""

from __future__ import annotations

import platform
import statistics
from collections.abc import Callable


def time_rounds(
    sides: dict[str, Callable[[], float]], rounds: int, warm_ups: int = 1
) -> dict[str, list[float]]:
    """The seconds of each side over ``rounds`` rounds that alternate them, after ``warm_ups`` runs each."""
    for run in sides.values():
        for _ in range(warm_ups):
            run()
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, run in sides.items():
            times[name].append(run())
    return times


def per_guide(values: list[float], guides: int) -> str:
    """The best and the median of ``values``, a guide, in milliseconds."""
    return f"{min(values) / guides * 1e3:.3f} ms / {statistics.median(values) / guides * 1e3:.3f} ms"


def report(corpus: str, rounds: int, results: dict[str, str]) -> None:
    """Print the corpus, the machine and the rounds, then a line ``label: value`` for each result."""
    print(f"corpus: {corpus}")
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(f"rounds: {rounds} (best / median per guide)")
    for label, value in results.items():
        print(f"{label}: {value}")
