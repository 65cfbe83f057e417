"""Fuzzed requests: schemathesis against a live server's own OpenAPI document (bench/fuzz.py).

Every operation, every phase (examples, coverage, fuzzing, stateful), positive and negative data,
every check: no server error, no response outside the documented schema and status codes, no
schema-violating request accepted, no valid one rejected. Bounded here (25 examples per operation
and phase, over 1,000 requests); `python bench/fuzz.py` is the long run.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from bench.fuzz import SAMPLE, fuzz, serve

from .conftest import ROOT
from .server import free_port

pytestmark = pytest.mark.skipif(
    not Path(sys.executable).with_name("st").exists() and shutil.which("st") is None,
    reason="schemathesis (st) is not installed",
)


@pytest.mark.timeout(600)
def test_schemathesis_finds_nothing(
    tmp_path: Path, server_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "essai.md").write_text(SAMPLE, encoding="utf-8")
    port = free_port()
    monkeypatch.setenv("SERVER", server_name)  # bench/fuzz.py's server takes this environment
    process = serve(content, port)
    try:
        code, requests, failures, summary = fuzz(port, 25, seed=1, report=tmp_path / "report.ndjson")
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
    assert (code, failures) == (0, 0), summary
    assert requests >= 1000, summary
