"""Run the parser cases of tests/fixtures (see tests/fixtures.py for the format)."""

from __future__ import annotations

import json

import pytest

from .cases import Case, actual, all_cases

CASES = all_cases()


def test_there_are_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    assert case.expected, f"{case.id}: no expectation written"
    assert json.loads(actual(case.markdown)) == json.loads(case.expected)
