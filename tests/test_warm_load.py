"""A warm restart (issue 17): the work a guide's parse-cache entry holds is not done again, and
the snapshot served is the same as after the cold load."""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import content_api.catalog.search as search_module
import content_api.guide_links as guide_links_module
import content_api.library as library_module
import content_api.web.prepared as prepared_module
import content_api.web.records as records_module
from content_api.config import Settings
from content_api.web.loader import Loader, SnapshotHolder
from content_api.web.record_store import RecordStore

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
    counting(guide_links_module, "did_you_mean")
    counting(RecordStore, "ndjson")  # every record joined as JSON Lines (and hashed)
    monkeypatch.setattr(guide_links_module, "SUGGESTED", {})  # this test's own, as a new process has
    real_build = search_module.SearchIndex._build

    def build(index: Any, documents: Any) -> None:
        found["search index built"] += 1
        real_build(index, documents)

    monkeypatch.setattr(search_module.SearchIndex, "_build", build)
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
    assert calls["search index built"] == 1 and calls["did_you_mean"] == 1  # /guides/absent
    assert calls["ndjson"] == 1
    calls.clear()
    guide_links_module.SUGGESTED.clear()  # a new process: the suggestion comes from the cache
    warm = Loader(settings, SnapshotHolder()).load()
    assert calls == {}, (
        "a warm restart parsed, compressed, cut or joined records, built the search index or sought "
        "close slugs"
    )
    assert warm.library.stats == {"parsed": 0, "reused": 7}
    # every response the same, but what speaks of the process (its load time: /health, /diagnostics)
    own = {"/health", "/ready", "/diagnostics"}
    assert {path: p.etag for path, p in warm.prepared.items() if path not in own} == {
        path: p.etag for path, p in cold.prepared.items() if path not in own
    }
    assert warm.record_json == cold.record_json and len(warm.record_json) >= 7  # a record a section
    assert warm.records_ndjson is not None and cold.records_ndjson is not None
    assert (warm.records_ndjson.etag, warm.records_ndjson.body) == (
        cold.records_ndjson.etag,
        cold.records_ndjson.body,
    )
    assert warm.diagnostics == cold.diagnostics  # the link checks ran again: same findings
    assert warm.history is not None and warm.history.cursor == cold.history.cursor  # type: ignore[union-attr]
    for slug, entry in warm.history.head.items():  # read from disk, the entries are the snapshot's now
        assert entry.etag is warm.prepared[f"/guides/{slug}"].etag
    assert any(d.code == "link-guide-missing" for d in warm.diagnostics)


def search_results(loader: Loader) -> list[tuple[str, list[int]]]:
    snapshot = loader.holder.snapshot
    assert snapshot is not None
    index = snapshot.catalog.wait()
    return [(q, index.ranked(q)) for q in ("caf", "quotient familial", "texte", "partie OR absent", "zzz")]


def test_the_kept_search_index_answers_as_a_built_one_and_a_bad_one_is_built_again(
    tmp_path: Path, calls: Counter[str], caplog: pytest.LogCaptureFixture
) -> None:
    content = tmp_path / "content"
    write(content, "ccas.md", SEED.read_bytes())
    write(content, "autre.md", "---\ntitle: Un texte\n---\nUne partie du texte sur la CAF.\n")
    cache = tmp_path / "cache"
    settings = Settings(content_dir=str(content), cache_dir=str(cache))
    cold = Loader(settings, SnapshotHolder())
    cold.load()
    expected = search_results(cold)
    assert [hits for _, hits in expected[:3]] != [[], [], []] and expected[-1] == ("zzz", [])
    calls.clear()
    warm = Loader(settings, SnapshotHolder())
    warm.load()
    assert calls["search index built"] == 0 and search_results(warm) == expected
    image = cache / "content-api.search"
    kept = image.read_bytes()
    for broken in (kept[: len(kept) // 2], kept.replace(b"SQLite format 3", b"SQLite format 9")):
        image.write_bytes(broken)
        calls.clear()
        again = Loader(settings, SnapshotHolder())
        again.load()  # a truncated file, a damaged image: built again, the same answers
        assert calls["search index built"] == 1 and search_results(again) == expected
    assert "unreadable, ignored" in caplog.text  # (SQLite refuses both files)
    image.write_bytes(kept)
    with contextlib.closing(sqlite3.connect(image)) as db:  # a row less: not these documents' index
        db.execute("DELETE FROM docs WHERE id = 0")
        db.commit()
    calls.clear()
    tampered = Loader(settings, SnapshotHolder())
    tampered.load()
    assert calls["search index built"] == 1 and search_results(tampered) == expected
    assert "the kept search index fails its checks" in caplog.text
    write(content, "autre.md", "---\ntitle: Un autre texte\n---\nRien sur la caisse.\n")
    calls.clear()
    changed = Loader(settings, SnapshotHolder())
    changed.load()  # other documents: the kept image is not theirs
    assert calls["search index built"] == 1
    assert search_results(changed) != expected


def test_a_remembered_suggestion_is_for_the_same_slugs_only(tmp_path: Path, calls: Counter[str]) -> None:
    content = tmp_path / "content"
    write(content, "g.md", "---\ntitle: G\n---\n[lien](/guides/absent)\n")
    settings = Settings(content_dir=str(content), cache_dir=str(tmp_path / "cache"))

    def missing(loader: Loader) -> str:
        snapshot = loader.load()
        return next(d.message for d in snapshot.diagnostics if d.code == "link-guide-missing")

    assert "vouliez-vous dire" not in missing(Loader(settings, SnapshotHolder()))
    write(content, "absente.md", "---\ntitle: Absente\n---\nTexte.\n")
    guide_links_module.SUGGESTED.clear()
    assert "« /guides/absente »" in missing(Loader(settings, SnapshotHolder()))  # other slugs: sought again
    assert calls["did_you_mean"] == 2
