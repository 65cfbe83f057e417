"""content_api.hast (the Python port of mdast-util-to-hast) gives what the real ``toHast`` gives.

The port writes every ``data.hChildren``; if it differed from to-hast, a plain unified pipeline
would render a component's content otherwise than the rest of the page. So, on every body at hand
(the seed, every guide of the corpus, every CommonMark and GFM example in both HTML modes,
hostile bodies), ``to_hast(body)`` is compared with ``toHast(body, {allowDangerousHtml: true})``
of mdast-util-to-hast (pinned in clients/typescript/package-lock.json), positions aside, node for
node. One Node.js process runs them all; it skips, saying why, without Node.js or the kit's
node_modules.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import msgspec
import pytest

from content_api import hast, parse_guide
from content_api.hast import to_hast

from .conftest import CORPUS, ROOT, SEED, SPEC

KIT = ROOT / "clients" / "typescript"
FRONT = "---\ntitle: t\n---\n"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (KIT / "node_modules" / "mdast-util-to-hast").is_dir(),
    reason="Node.js or clients/typescript/node_modules missing (run `npm ci` in clients/typescript)",
)

#: Each body's toHast, positions (and the code's data.meta) removed, as JSON lines.
TO_HAST = """
import {toHast} from 'mdast-util-to-hast'
import {readFileSync} from 'node:fs'
const clean = (node) => {
  delete node.position
  if (node.type === 'element') delete node.data
  for (const child of node.children || []) clean(child)
  return node
}
for (const body of JSON.parse(readFileSync(0, 'utf8'))) {
  process.stdout.write(JSON.stringify(clean(toHast(body, {allowDangerousHtml: true})).children) + '\\n')
}
"""

HOSTILE = [
    '<Quote who="w">\n' * 8 + "\ndeep *text*  \n  after a break\n\n" + "</Quote>\n" * 8,
    '<External href="javascript:alert(1)">x</External> <Button href="data:text/html,x">y</Button>',
    '<Quote link="javascript:x" logo="vbscript:y" who="w">\n\n- [x] a\n\n- [ ] b\n\n</Quote>',
    "| Éditeur | Demande |\n|:-:|--|\n| A | <External href='/x'>go</External> |\n| B |\n| C | d | e |",
    "<Unclosed>\n\n# h\n\n<External href=/x>never closed",
    "![a](javascript:x) [b](javascript:y) <http://ünicode.com/%zz> www.exemple.fr/é",
    "a\\\n  b  \n\tc <Quote>q</Quote>\n\n```\n\nx\n```\n\n<details><summary>s</summary>\n\nt\n\n</details>",
]


def bodies() -> dict[str, Any]:
    found: dict[str, Any] = {"seed": parse_guide(SEED.read_bytes(), "ccas.md").body}
    for index, markdown in enumerate(HOSTILE):
        found[f"hostile {index}"] = parse_guide(FRONT + markdown, "t.md").body
    for path in sorted(CORPUS.glob("*.md")) if CORPUS.is_dir() else []:
        found[path.name] = parse_guide(path.read_bytes(), path.name).body
    for name in ("commonmark.json", "gfm.json", "gfm-tables.json"):
        spec = SPEC / name
        for example in json.loads(spec.read_text("utf-8")) if spec.is_file() else []:
            for mode in ("raw", "sanitize"):
                guide = parse_guide(FRONT + example["markdown"], "t.md", html=mode)
                found[f"{name} {example['example']} {mode}"] = guide.body
    return found


def real_to_hast(bodies: list[Any]) -> list[Any]:
    """``toHast`` of each body, as JSON values (one Node.js run)."""
    result = subprocess.run(
        ["node", "--input-type=module", "-e", TO_HAST],
        input=msgspec.json.encode(bodies),
        capture_output=True,
        cwd=KIT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def differing(cases: dict[str, Any], expected: list[Any]) -> list[str]:
    assert len(expected) == len(cases)
    return [
        name
        for (name, body), value in zip(cases.items(), expected, strict=True)
        if json.loads(msgspec.json.encode(to_hast(body))) != value
    ]


def test_to_hast_is_mdast_util_to_hasts_on_every_body() -> None:
    cases = bodies()
    differ = differing(cases, real_to_hast(list(cases.values())))
    assert differ == [], f"{len(differ)} of {len(cases)} differ: {differ[:10]}"
    assert len(cases) > len(HOSTILE)


def test_the_comparison_sees_a_wrong_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not vacuous: a port that forgot one of to-hast's rules (which lists are loose, the line
    endings between blocks) is caught on the seed and the hostile bodies."""
    cases = {name: body for name, body in bodies().items() if name.startswith(("seed", "hostile"))}
    expected = real_to_hast(list(cases.values()))
    assert differing(cases, expected) == []
    monkeypatch.setattr(hast, "_list_loose", lambda parent: True)
    assert differing(cases, expected) != []
    monkeypatch.undo()
    monkeypatch.setattr(hast, "wrap", lambda nodes, loose: list(nodes))
    assert "seed" in differing(cases, expected)
