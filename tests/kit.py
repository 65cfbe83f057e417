"""The TypeScript kit compiled once per test session, and a way to run its functions from Python.

``compiled_kit()`` runs the kit's own ``tsc`` (clients/typescript/node_modules, as the Makefile's
set-up installs it) into a temporary folder removed at exit; ``run_kit(script, data)`` runs an ES
module script that imports the compiled ``render.js`` as ``./render.js``, with ``data`` as JSON on
its standard input, and returns what it prints as JSON.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .conftest import ROOT

KIT = ROOT / "clients" / "typescript"
TSC = KIT / "node_modules" / ".bin" / "tsc"


def kit_missing() -> str | None:
    """Why the kit cannot be compiled and run here, or None."""
    if shutil.which("node") is None or not TSC.exists():
        return "Node.js or clients/typescript/node_modules missing (run `npm ci` in clients/typescript)"
    return None


@functools.cache
def compiled_kit() -> Path:
    out = Path(tempfile.mkdtemp(prefix="content-api-kit-"))
    atexit.register(shutil.rmtree, out, True)
    result = subprocess.run(
        [str(TSC), "-p", str(KIT / "tsconfig.json"), "--outDir", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (out / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    (out / "node_modules").symlink_to(KIT / "node_modules")
    return out


def run_kit(script: str, data: Any) -> Any:
    """Run ``script`` (an ES module; ``input`` holds ``data``) next to the compiled kit."""
    kit = compiled_kit()
    prelude = 'import { readFileSync } from "node:fs";\nconst input = JSON.parse(readFileSync(0, "utf8"));\n'
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
