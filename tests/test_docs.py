"""The README is the contract's companion: it must not drift from the code."""

from __future__ import annotations

import re

from content_api import model as m
from content_api.cli import build_parser
from content_api.diagnostics import RULES

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SOURCES = "\n".join(
    p.read_text(encoding="utf-8") for p in (ROOT / "content_api").rglob("*.py") if p.name != "diagnostics.py"
)


def test_every_diagnostic_code_is_documented_with_its_severity() -> None:
    from content_api.diagnostics import rules_table

    for code, rule in RULES.items():
        summary = rule.summary.replace("|", chr(92) + "|")
        row = f"| `{code}` | {rule.severity} | {rule.rgaa or '—'} | {summary} |"
        assert row in README, f"README lacks the row: {row}"
        assert rule.example, f"{code} has no example"
    assert rules_table() in README, "the README's table of rules is not rules_table()"


def test_every_documented_code_exists_and_is_used() -> None:
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \| (?:error|warning|info) \|", README, re.MULTILINE))
    assert documented == set(RULES)
    for code in RULES:
        assert f'"{code}"' in SOURCES, f"{code} is declared but never reported"


def test_every_node_type_is_documented() -> None:
    for node_type in m.NODE_TYPES:
        tag = node_type.__struct_config__.tag
        assert f"`{tag}`" in README, f"node type {tag} is not in the README"


def test_every_command_and_option_is_documented() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, command in commands.items():
        assert f"content-api {name}" in README
        for action in command._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert flag in README, f"{name} {flag} is not in the README"


def test_every_setting_is_documented() -> None:
    from content_api.config import SETTINGS_HELP

    for _name, variable, flag, _help in SETTINGS_HELP:
        assert f"| `{variable}` | `{flag}` |" in README, f"{variable} / {flag} is not in the README's table"


def test_every_endpoint_is_documented() -> None:
    from content_api.web.app import HANDLERS

    for handler in HANDLERS:
        for path in handler.paths:
            shown = path.replace("{slug:str}", "{slug}").replace("{path:path}", "{path}")
            assert f"`GET {shown}`" in README, f"{shown} is not in the README"
