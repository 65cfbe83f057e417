"""Regenerate the TypeScript types from the service's OpenAPI document.

    python clients/typescript/generate.py          # from the project root, with .venv active

Writes ``clients/typescript/openapi.json`` (the document ``/schema/openapi.json`` serves, built
here without a running server) and ``src/api.d.ts`` (openapi-typescript, ``npm ci`` first). The test
suite fails when the committed files differ from what this writes (tests/test_typescript.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def openapi_json() -> str:
    """The OpenAPI document of the service, as served (it does not depend on the content)."""
    from content_api.config import Settings
    from content_api.web.app import create_app
    from content_api.web.openapi import openapi_document

    with tempfile.TemporaryDirectory() as empty:
        app = create_app(Settings(content_dir=empty))
        return json.dumps(openapi_document(app.app), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def generate(out: Path = HERE) -> None:
    (out / "openapi.json").write_text(openapi_json(), encoding="utf-8")
    binary = HERE / "node_modules" / ".bin" / "openapi-typescript"
    (out / "src").mkdir(exist_ok=True)
    # a field with a default is left out of the JSON when it has that value (msgspec's
    # omit_defaults): optional in the types, not required as openapi-typescript makes it by default;
    # a free-form object (props, extra, hProperties) is Record<string, unknown>, not one of never
    options = ["--default-non-nullable", "false", "--empty-objects-unknown"]
    subprocess.run(
        [str(binary), str(out / "openapi.json"), *options, "-o", str(out / "src" / "api.d.ts")],
        check=True,
        capture_output=True,
    )


if __name__ == "__main__":
    generate()
    print(f"wrote {HERE / 'openapi.json'} and {HERE / 'src' / 'api.d.ts'}")
