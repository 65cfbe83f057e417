"""Parser cases as data: ``tests/fixtures/*.txt`` hold Markdown in and the expected AST JSON out.

Each case is a title line, then ``.``, the Markdown body, ``.``, the expected JSON, ``.``. The
body is parsed after a three-line front matter, so diagnostic lines are file lines (the body
starts on line 4). The expected JSON is ``{"body": [...], "diagnostics": [...]}``: the root's
children without ``position`` nor ``data`` (positions and rendering hints have tests of their
own) and each diagnostic as
``"line:column severity code"``.

``python -m tests.cases --write`` fills in missing expectations; read what it writes before
committing it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from content_api import parse_guide

FIXTURES = Path(__file__).parent / "fixtures"
FRONT_MATTER = "---\ntitle: Fixture\n---\n"


@dataclass
class Case:
    file: Path
    title: str
    markdown: str
    expected: str

    @property
    def id(self) -> str:
        return f"{self.file.stem}: {self.title}"


def read_cases(path: Path) -> list[Case]:
    lines = path.read_text(encoding="utf-8").split("\n")
    cases, i = [], 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        title = lines[i]
        assert lines[i + 1] == ".", f"{path}:{i + 2}: expected '.' after the title"
        parts: list[list[str]] = [[], []]
        i += 2
        for part in parts:
            while lines[i] != ".":
                part.append(lines[i])
                i += 1
            i += 1
        cases.append(Case(path, title, "\n".join(parts[0]) + "\n", "\n".join(parts[1])))
    return cases


def all_cases() -> list[Case]:
    return [case for path in sorted(FIXTURES.glob("*.txt")) for case in read_cases(path)]


def _strip_positions(value: Any) -> Any:
    """Without ``position``, nor a node's rendering hints (``data``): both have tests of their own."""
    if isinstance(value, dict):
        node = "type" in value
        return {
            k: _strip_positions(v) for k, v in value.items() if k != "position" and not (node and k == "data")
        }
    if isinstance(value, list):
        return [_strip_positions(v) for v in value]
    return value


def _compact(value: Any, indent: str) -> str:
    """JSON with one node per line: a node's scalars on its line, its children below it."""
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        inner = indent + " "
        return "[\n" + ",\n".join(inner + _compact(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, dict):
        parts = [f"{json.dumps(k, ensure_ascii=False)}: {_compact(v, indent)}" for k, v in value.items()]
        return "{" + ", ".join(parts) + "}"
    return json.dumps(value, ensure_ascii=False)


def actual(markdown: str) -> str:
    guide = parse_guide(FRONT_MATTER + markdown, "fixture.md")
    result = {
        "body": _strip_positions(msgspec.to_builtins(guide.body.children)),
        "diagnostics": [f"{d.line}:{d.column} {d.severity} {d.code}" for d in guide.diagnostics],
    }
    return _compact(result, "")


def write(path: Path) -> None:
    out = []
    for case in read_cases(path):
        expected = case.expected or actual(case.markdown)
        out.append(f"{case.title}\n.\n{case.markdown}.\n{expected}\n.\n")
    path.write_text("".join(out), encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        for fixture in sorted(FIXTURES.glob("*.txt")):
            write(fixture)
