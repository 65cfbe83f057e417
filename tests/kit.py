"""The TypeScript kit compiled once per test session, and a way to run its functions from Python.

``compiled_kit()`` runs the kit's own ``tsc`` (clients/typescript/node_modules, as the Makefile's
set-up installs it) into a temporary folder removed at exit; ``run_kit(script, data)`` runs an ES
module script that imports the compiled ``render.js`` as ``./render.js``, with ``data`` as JSON on
its standard input, and returns what it prints as JSON. ``packed_kit()`` is ``npm pack`` of the kit
(its ``prepack`` builds ``dist/`` with the whole ``tsc --strict``, libraries' types included).

``spec_cases()``, ``guide_cases()`` and ``hostile_cases()`` are the renderings that
tests/test_unified.py and tests/test_react.py compare with ``render_html``; ``run_node`` runs the
kit's test scripts (clients/typescript/test) on them.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec

from content_api import model as m
from content_api import parse_guide, render_html
from content_api.parse.html_policy import HtmlMode

from .cases import FIXTURES, all_cases
from .conftest import ROOT, SEED, SPEC, corpus_files
from .xss import read_payloads

KIT = ROOT / "clients" / "typescript"
TSC = KIT / "node_modules" / ".bin" / "tsc"


def kit_missing() -> str | None:
    """Why the kit cannot be compiled and run here, or None."""
    if shutil.which("node") is None or not TSC.exists():
        return "Node.js or clients/typescript/node_modules missing (run `npm ci` in clients/typescript)"
    return None


def temporary_folder(prefix: str) -> Path:
    """A folder removed when the tests end."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@functools.cache
def compiled_kit() -> Path:
    """The kit compiled to run (the libraries' own types are not checked again: ``packed_kit`` does)."""
    out = temporary_folder("content-api-kit-")
    result = subprocess.run(
        [str(TSC), "-p", str(KIT / "tsconfig.json"), "--outDir", str(out), "--skipLibCheck"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (out / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    (out / "node_modules").symlink_to(KIT / "node_modules")
    return out


@functools.cache
def packed_kit() -> tuple[Path, dict[str, Any]]:
    """``npm pack`` of a copy of the kit, offline: the tarball and npm's report (its ``files``)."""
    work = temporary_folder("content-api-pack-")
    project = work / "kit"
    shutil.copytree(KIT, project, ignore=shutil.ignore_patterns("node_modules", "dist", "*.tgz"))
    (project / "node_modules").symlink_to(KIT / "node_modules")
    result = subprocess.run(
        ["npm", "pack", "--json", "--offline", "--pack-destination", str(work)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout)[0]
    return work / report["filename"], report


def run_kit(script: str, data: Any) -> Any:
    """Run ``script`` (an ES module; ``input`` holds ``data``) next to the compiled kit."""
    kit = compiled_kit()
    prelude = (  # stdin read as a stream: readFileSync(0) fails (EAGAIN) on a big input in a pipe
        "const chunks = [];\nfor await (const chunk of process.stdin) chunks.push(chunk);\n"
        'const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".mjs", dir=kit, delete=False, encoding="utf-8") as file:
        file.write(prelude + script)
    try:
        result = subprocess.run(
            ["node", file.name],
            input=json.dumps(data),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        Path(file.name).unlink()
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# Renderings to compare with render_html (tests/test_unified.py, tests/test_react.py): each case is
# (name, body, render_html(body, heading_ids=True)), since unified output always has heading ids.

#: The front matter tests/test_spec.py puts before each spec example.
SPEC_FRONT_MATTER = "---\ntitle: spec\n---\n"
HTML_MODES: tuple[HtmlMode, ...] = ("raw", "sanitize")

Case = tuple[str, m.Root, str]


def case(name: str, body: m.Root) -> Case:
    return (name, body, render_html(body, heading_ids=True))


@functools.cache
def spec_cases() -> tuple[Case, ...]:
    """Every CommonMark and GFM spec example of ../shared/spec, in both HTML modes (none without it)."""
    cases = []
    for file in ("commonmark.json", "gfm.json"):
        path = SPEC / file
        for example in json.loads(path.read_text(encoding="utf-8")) if path.is_file() else ():
            for mode in HTML_MODES:
                body = parse_guide(SPEC_FRONT_MATTER + example["markdown"], "spec.md", html=mode).body
                cases.append(case(f"{path.stem}:{example['example']}:{mode}", body))
    return tuple(cases)


@functools.cache
def guide_cases() -> tuple[Case, ...]:
    """The seed guide and every guide of ../shared/corpus/guides."""
    named = [("seed", SEED)] + [("guide", path) for path in corpus_files()]  # the corpus has a ccas.md too
    return tuple(
        case(f"{kind}:{path.name}", parse_guide(path.read_bytes(), str(path)).body) for kind, path in named
    )


def nested(depth: int) -> str:
    """Quotes and Externals inside each other, ``depth`` of each, the innermost left unclosed."""
    quote = '<Quote who="n{0}" link="https://q.fr/{0}" logo="/l{0}.png" title="t">\n\n'
    quotes = "".join(quote.format(i) for i in range(depth))
    externals = "".join(f'<External href="https://e.fr/{i}">lien {i} ' for i in range(depth))
    return quotes + externals + "fin" + "</External>" * (depth - 1) + "\n\n</Quote>\n\n" * (depth - 1)


def huge_table(rows: int, columns: int, first: str) -> str:
    head = "| " + " | ".join([first] + [f"c{j}" for j in range(1, columns)]) + " |\n"
    rule = "|" + "|".join([":--", "--:", ":-:", "---"][j % 4] for j in range(columns)) + "|\n"
    cell = "**r{0}** [l](https://x.fr/{0}/{1}) <Button href='/b'>b</Button>"
    body = "".join("| " + " | ".join(cell.format(i, j) for j in range(columns)) + " |\n" for i in range(rows))
    return head + rule + body


def hostile_markdown() -> list[tuple[str, str]]:
    """(name, Markdown) of inputs written to break a renderer."""
    texts = [(f"xss:{p.id}", p.text) for p in read_payloads()]
    texts += [(f"fixture:{c.id}", c.markdown) for c in all_cases()]
    for index, url in enumerate(json.loads((FIXTURES / "url_cases.json").read_text("utf-8"))):
        target = url["url"].replace("\n", " ").replace(">", "%3E")
        attribute = target.replace('"', "&quot;")
        texts.append(
            (
                f"url:{index}",
                f'[a](<{target}>) ![b](<{target}>) <External href="{attribute}">e</External>\n\n'
                f'<Quote logo="{attribute}" link="{attribute}" who="w">\nq\n</Quote>\n\n'
                f'<Datagouv href="{attribute}" src="{attribute}" />\n',
            )
        )
    texts += [
        ("nested:4", nested(2)),  # 4 nodes with hChildren in a chain: the most the hints follow
        ("nested:30", nested(30)),
        ("nested:40", nested(40)),  # beyond the parser's nesting limit
        ("unclosed", "<Quote who='a'>\n\n*a* <External href='/x'>b <Button href='/b'>c\n\n- <NextSteps>\n"),
        ("unclosed-inline", "a <External href='/x'>b <q>c</q> <Grid>d\n\n> <Quote who='q'>e\n"),
        # where to-hast's normalizeUri and markdown-it's normalizeLink differ: the hints decide
        ("idn", "[a](http://ünicode.com/é) [b](a%zzb) ![c](http://bücher.de/x%zz.png)\n"),
        ("tasks:loose", "- [x] a\n\n  b\n- [ ] c\n\n1. [ ] d\n\n2. [x]\n"),
        # info strings split on whitespace JavaScript's way, at the top and inside hChildren
        (
            "lang",
            "```js\u00a0x\na\n```\n\n```\ufeffpy\tm\nb\n```\n\n<Quote>\n\n```c\u3000d\n```\n\n</Quote>\n",
        ),
        # raw HTML left open inside components, and a component right after a hard break
        (
            "open-html",
            "<NextSteps>\n\n<details>\n\nq\n\n</NextSteps>\n\nApres <External href='/e'>  e</External>  \n",
        ),
    ]
    return texts


@functools.cache
def hostile_guides() -> tuple[tuple[str, m.Guide], ...]:
    """The hostile inputs parsed, in both HTML modes, and two big tables (no HTML in them: one mode)."""
    front = "---\ntitle: h\n---\n"
    guides = [
        (f"{name}:{mode}", parse_guide(front + text, "h.md", html=mode))
        for name, text in hostile_markdown()
        for mode in HTML_MODES
    ]
    for name, first in (("table:big", "Nom"), ("table:editors", "Éditeur(s)")):
        guides.append((name, parse_guide(front + huge_table(100, 8, first), "h.md")))
    return tuple(guides)


@functools.cache
def hostile_cases() -> tuple[Case, ...]:
    return tuple(case(name, guide.body) for name, guide in hostile_guides())


def too_deep() -> frozenset[str]:
    """The hostile cases whose Quotes, Externals and editor tables nest deeper than their hints
    follow (the outer ones have no ``hChildren``: a ``hints-too-deep`` warning, README)."""
    return frozenset(
        name for name, guide in hostile_guides() if any(d.code == "hints-too-deep" for d in guide.diagnostics)
    )


def run_node(script: Path, data: bytes, *args: str, timeout: float = 300) -> Any:
    """Run a Node.js script of the kit (its node_modules) with ``data`` on stdin; its JSON output."""
    result = subprocess.run(
        ["node", str(script), *args],
        input=data,
        cwd=KIT,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-5000:]
    return json.loads(result.stdout)


def encode(cases: Iterable[Case], **extra: Any) -> bytes:
    """The input of the kit's test scripts: ``{"cases": [[name, body, html], ...], **extra}``."""
    return msgspec.json.encode({"cases": list(cases), **extra})


def mismatches(outcome: dict[str, Any], names: Iterable[str], exempt: Iterable[str]) -> dict[str, Any]:
    """What differs or throws in a test script's ``outcome`` among ``names``, ``exempt`` aside (at
    most 5, to read)."""
    skip = set(exempt)
    found = {n: outcome["thrown"].get(n) or outcome["different"].get(n) for n in names if n not in skip}
    return dict(list({n: why for n, why in found.items() if why}.items())[:5])
