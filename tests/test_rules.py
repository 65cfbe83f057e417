"""The registry of lint rules (content_api/lint): every rule declared beside the code that reports
it, reported on its own trigger, and assembled into the one table of codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from content_api import lint, parse_guide
from content_api.diagnostics import RULES

from .cases import FRONT_MATTER

TRIGGERS = [(code, rules.triggers[code]) for rules in lint.SUBJECTS.values() for code in rules.rules]
_CODE = re.compile(r'"([a-z0-9]+(?:-[a-z0-9]+)+)"')


@pytest.mark.parametrize(("code", "trigger"), TRIGGERS, ids=[code for code, _ in TRIGGERS])
def test_each_rule_is_reported_on_its_trigger(code: str, trigger: str) -> None:
    guide = parse_guide(FRONT_MATTER + trigger, "trigger.md")
    assert code in {d.code for d in guide.diagnostics}, guide.diagnostics


def test_every_rule_of_a_subject_is_in_the_table_as_declared() -> None:
    for rules in lint.SUBJECTS.values():
        for code, rule in rules.rules.items():
            assert RULES[code] is rule


def test_a_rule_module_reports_only_the_codes_it_declares() -> None:
    """A code is reported where it is declared: no lint module reports another subject's code."""
    for name, rules in lint.SUBJECTS.items():
        source = Path(lint.__file__).with_name(f"{name}.py").read_text(encoding="utf-8")
        reported = {code for code in _CODE.findall(source) if code in RULES}
        assert reported == set(rules.rules), name


def test_every_parse_module_reports_only_codes_it_does_not_leave_to_a_lint_module() -> None:
    """Outside content_api/lint, no module names a lint rule's code: the rule's module reports it."""
    lint_codes = {code for rules in lint.SUBJECTS.values() for code in rules.rules}
    package = Path(lint.__file__).parent.parent
    for path in package.rglob("*.py"):
        if path.parent.name == "lint":
            continue
        named = set(_CODE.findall(path.read_text(encoding="utf-8"))) & lint_codes
        assert not named, f"{path.relative_to(package)} reports {sorted(named)}"
