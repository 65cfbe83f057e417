"""The TypeScript kit (clients/typescript): generated types, `tsc --strict`, the example renderer.

* the committed `openapi.json` and `src/api.d.ts` are what `generate.py` writes from the current
  OpenAPI document (the API changed without the types being regenerated: this fails);
* `npm pack` builds the package (`prepack`: `tsc --strict`, the libraries' types checked too) and
  packs its two entries, `.` and `./react`, with their types;
* `render.ts` gives, byte for byte, the HTML of the service's `render_html` (the seed; every guide
  of the corpus when ../shared is there);
* the `switch` over `node.type` is exhaustive: without one of its cases, it does not compile.

Needs Node.js and `npm ci` in clients/typescript (the Makefile's set-up does it).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from content_api import model as m
from content_api import parse_guide, render_html

from .conftest import CORPUS, ROOT, SEED, walk
from .kit import compiled_kit, packed_kit, run_kit

KIT = ROOT / "clients" / "typescript"
TSC = KIT / "node_modules" / ".bin" / "tsc"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not TSC.exists(),
    reason="Node.js or clients/typescript/node_modules missing (run `npm ci` in clients/typescript)",
)


def generate(out: Path) -> None:
    sys.path.insert(0, str(KIT))
    try:
        from generate import generate as write  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(KIT))
    write(out)


def test_types_are_generated_from_the_current_openapi(tmp_path: Path) -> None:
    generate(tmp_path)
    for name in ("openapi.json", "src/api.d.ts"):
        current = (tmp_path / name).read_text(encoding="utf-8")
        committed = (KIT / name).read_text(encoding="utf-8")
        assert current == committed, f"{name} is stale: run `python clients/typescript/generate.py`"


def tsc(project: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TSC), "-p", str(project / "tsconfig.json"), "--outDir", str(out), "--skipLibCheck"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def compiled() -> Path:
    return compiled_kit()


def test_npm_pack_builds_the_package_with_tsc_strict() -> None:
    _, report = packed_kit()  # asserts that `npm pack` (and its `tsc --strict` build) succeeded
    files = {file["path"] for file in report["files"]}
    entries = {
        f"dist/{name}.{ext}" for name in ("index", "react", "render", "hast", "api") for ext in ("js", "d.ts")
    }
    assert entries - {"dist/api.js"} <= files  # api.d.ts holds types only
    assert {"package.json", "README.md"} <= files
    assert not {f for f in files if f.startswith(("src/", "test/", "node_modules/")) or "cli." in f}


def render_ts(compiled: Path, body: m.Root, heading_ids: bool) -> str:
    return subprocess.run(
        ["node", str(compiled / "cli.js"), *(["--heading-ids"] if heading_ids else [])],
        input=msgspec.json.encode({"body": body}),
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout.decode()


def guides() -> list[Path]:
    return [SEED, *sorted(CORPUS.glob("*.md"))] if CORPUS.is_dir() else [SEED]


#: Every (body, heading ids) rendered with render.ts, in one Node.js run.
RENDER_ALL = """import { renderHtml } from "./render.js";
process.stdout.write(JSON.stringify(input.map(([body, headingIds]) => renderHtml(body, { headingIds }))));
"""


def sized_body() -> m.Root:
    """Images and a Quote logo with the sizes ASSETS_DIR gives them."""
    text = b'![a](/x.png) et ![b](y.png)\n\n<Quote logo="/l.png" who="W">\n\nQ\n\n</Quote>\n'
    body = parse_guide(text, "sized.md").body
    found = [node for node in walk(body) if isinstance(node, m.Image | m.Quote)]
    assert len(found) == 3
    for n, node in enumerate(found[:2]):
        node.width, node.height = 640 + n, 480
    found[2].logo_width, found[2].logo_height = 120, 60
    return body


def test_render_ts_writes_what_render_html_writes(compiled: Path) -> None:
    bodies = [(str(path), parse_guide(path.read_bytes(), str(path)).body) for path in guides()]
    bodies.append(("sized", sized_body()))
    jobs = [(name, body, ids) for name, body in bodies for ids in (False, True)]
    rendered = run_kit(RENDER_ALL, msgspec.to_builtins([(body, ids) for _, body, ids in jobs]))
    assert len(rendered) == len(jobs) == 2 * len(guides()) + 2
    assert 'width="640" height="480"' in rendered[-1] and 'width="120" height="60"' in rendered[-1]
    for (name, body, heading_ids), html in zip(jobs, rendered, strict=True):
        assert html == render_html(body, heading_ids=heading_ids), (name, heading_ids)
    # the command line the suite's other tests use, on the seed
    seed = parse_guide(SEED.read_bytes(), str(SEED)).body
    assert render_ts(compiled, seed, heading_ids=True) == render_html(seed, heading_ids=True)


def test_the_switch_is_exhaustive(tmp_path: Path) -> None:
    project = tmp_path / "kit"
    shutil.copytree(KIT, project, ignore=shutil.ignore_patterns("node_modules", "dist"))
    (project / "node_modules").symlink_to(KIT / "node_modules")
    render = project / "src" / "render.ts"
    source = render.read_text(encoding="utf-8")
    case = '    case "editorTable": return table(r, node, \'<table class="editors">\\n\');\n'
    assert case in source
    render.write_text(source.replace(case, ""), encoding="utf-8")
    result = tsc(project, tmp_path / "out")
    assert result.returncode != 0 and "never" in result.stdout, result.stdout
