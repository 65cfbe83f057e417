"""A warm restart (issue 17): the work a guide's parse-cache entry holds is not done again, and
the snapshot served is the same as after the cold load."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import content_api.library as library_module
import content_api.web.prepared as prepared_module
import content_api.web.records as records_module
from content_api.config import Settings
from content_api.web.loader import Loader, SnapshotHolder

from .conftest import SEED, write


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each per-guide step ran (in this process: fewer bytes than a pool pays for)."""
    monkeypatch.delenv("LOAD_PROCESSES", raising=False)
    found: Counter[str] = Counter()

    def counting(module: Any, name: str) -> None:
        real = getattr(module, name)

        def counted(*args: Any) -> Any:
            found[name] += 1
            return real(*args)

        monkeypatch.setattr(module, name, counted)

    counting(library_module, "parse_file")
    counting(prepared_module, "compress")
    counting(records_module, "section_records")
    return found


def test_a_warm_restart_parses_compresses_and_cuts_nothing_and_serves_the_same(
    tmp_path: Path, calls: Counter[str]
) -> None:
    content = tmp_path / "content"
    write(content, "ccas.md", SEED.read_bytes())
    for i in range(6):
        link = f"[suivant](/guides/g{i + 1})" if i < 5 else "[absent](/guides/absent)"
        write(
            content,
            f"g{i}.md",
            f"---\ntitle: Guide {i}\npublish: true\n---\n## Partie\n\n{'Un texte. ' * 60}{link}\n",
        )
    settings = Settings(content_dir=str(content), cache_dir=str(tmp_path / "cache"))
    cold = Loader(settings, SnapshotHolder()).load()
    assert calls["parse_file"] == 7 and calls["compress"] > 7 and calls["section_records"] == 7
    calls.clear()
    warm = Loader(settings, SnapshotHolder()).load()
    assert calls == {}, "a warm restart parsed, compressed or cut records again"
    assert warm.library.stats == {"parsed": 0, "reused": 7}
    # every response the same, but what speaks of the process (its load time: /health, /diagnostics)
    own = {"/health", "/ready", "/diagnostics"}
    assert {path: p.etag for path, p in warm.prepared.items() if path not in own} == {
        path: p.etag for path, p in cold.prepared.items() if path not in own
    }
    assert warm.record_json == cold.record_json and warm.record_modified == cold.record_modified
    assert warm.diagnostics == cold.diagnostics  # the link checks ran again: same findings
    assert any(d.code == "link-guide-missing" for d in warm.diagnostics)
