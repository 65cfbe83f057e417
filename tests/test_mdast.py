"""The AST as mdast says: ``listItem.spread`` is each item's own (mdast-util-from-markdown's).

A list is spread when CommonMark calls it loose (an item separated from the next by a blank line,
or an item holding two blocks separated by one); each item is spread when a blank line of its own
(not one inside a nested list, quote or code block) has more of the item after it. Compared with
mdast-util-from-markdown (pinned in clients/typescript/package-lock.json) on every CommonMark
example that has a list; that comparison needs Node.js and skips, saying so, without it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from content_api import model as m
from content_api import parse_guide

from .conftest import ROOT, SPEC, needs_shared

KIT = ROOT / "clients" / "typescript"
FRONT = "---\ntitle: t\n---\n"

#: Run in clients/typescript (its node_modules): each example's list items, as (line, spread).
ITEMS = """
import {fromMarkdown} from 'mdast-util-from-markdown'
import {readFileSync} from 'node:fs'
const out = {}
for (const example of JSON.parse(readFileSync(0, 'utf8'))) {
  const found = []
  const walk = (node) => {
    if (node.type === 'listItem') found.push([node.position.start.line, node.spread])
    for (const child of node.children || []) walk(child)
  }
  walk(fromMarkdown(example.markdown))
  if (found.length) out[example.example] = found
}
console.log(JSON.stringify(out))
"""


def items(markdown: str) -> list[tuple[int, bool]]:
    """(line in ``markdown``, spread) of every list item, in document order."""
    found: list[tuple[int, bool]] = []

    def walk(node: Any) -> None:
        if isinstance(node, m.ListItem) and node.position is not None:
            found.append((node.position.start.line - FRONT.count("\n"), node.spread))
        for child in getattr(node, "children", None) or ():
            walk(child)

    walk(parse_guide(FRONT + markdown, "t.md").body)
    return found


def spreads(markdown: str) -> tuple[bool, list[bool]]:
    """The first list's spread and its items' (a list inside a quote included)."""
    nodes: list[Any] = [parse_guide(FRONT + markdown, "t.md").body]
    while not isinstance(nodes[0], m.List):
        nodes = nodes[1:] + list(getattr(nodes[0], "children", None) or ())
    first = nodes[0]
    return first.spread, [item.spread for item in first.children]


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("- a\n- b\n", (False, [False, False])),  # tight
        ("- a\n\n- b\n", (True, [False, False])),  # loose: items apart, each a single block
        ("- a\n\n  b\n- c\n", (True, [True, False])),  # two blocks of the first item, apart
        ("- a\n  - b\n\n    c\n- d\n", (False, [False, False])),  # the blank line is the inner item's
        ("- a\n  - b\n\n  c\n", (True, [True])),  # after the nested list, more of the outer item
        ("- a\n\n  [x]: /u\n", (True, [True])),  # a definition is part of the item (no node here)
        ("- ```\n  a\n\n  b\n  ```\n- c\n", (False, [False, False])),  # inside a code block
        ("> - a\n>\n>   b\n", (True, [True])),  # in a quote: '>' alone is a blank line
    ],
)
def test_each_item_has_its_own_spread(markdown: str, expected: tuple[bool, list[bool]]) -> None:
    assert spreads(markdown) == expected


@needs_shared
@pytest.mark.skipif(
    shutil.which("node") is None or not (KIT / "node_modules" / "mdast-util-from-markdown").is_dir(),
    reason="Node.js or clients/typescript/node_modules missing (run `npm ci` in clients/typescript)",
)
def test_item_spread_is_mdast_util_from_markdowns_on_every_commonmark_example() -> None:
    examples = json.loads((SPEC / "commonmark.json").read_text(encoding="utf-8"))
    result = subprocess.run(
        ["node", "--input-type=module", "-e", ITEMS],
        input=json.dumps(examples),
        cwd=KIT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    expected = {
        int(number): [tuple(item) for item in found] for number, found in json.loads(result.stdout).items()
    }
    assert len(expected) > 70  # the examples with lists
    wrong = {
        number: (items(examples[number - 1]["markdown"]), found)
        for number, found in expected.items()
        if items(examples[number - 1]["markdown"]) != found
    }
    assert wrong == {}
