"""Equal values of a library's guides are one object (decoded from a parse, each had a copy)."""

from __future__ import annotations

import gc
from pathlib import Path

from content_api import load_library
from content_api.parsed import EMPTY

GUIDE = """---
title: Guide {n}
tags: [Famille, Cantine]
api: [API Particulier]
---

## Partie

#### Sous-partie

Voir [ici](https://example.org/a-{n}) et [ici](https://example.org/b-{n}).

| Éditeur | Solution | API |
|---|---|---|
| Éditeur {n} | Logiciel | API Particulier |
"""


def test_tags_apis_paths_and_empty_bodies_are_shared(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOAD_PROCESSES", "1")
    for n in range(3):
        (tmp_path / f"g{n}.md").write_text(GUIDE.format(n=n), encoding="utf-8")
    for lean in (False, True):
        library = load_library(tmp_path, lean=lean)
        guides = list(library.guides.values())
        assert len(guides) == 3 and all(g.tags == guides[0].tags for g in guides)
        for guide in guides:
            assert [id(t) for t in guide.tags] == [id(t) for t in guides[0].tags]
            assert guide.apis[0] is guides[0].apis[0] and guide.editors[0].apis[0] is guides[0].apis[0]
            assert guide.editors[0].guide is guide.slug
            found = [d for d in guide.diagnostics if d.file == guide.file]
            assert len(found) >= 2 and all(d.file is guide.file for d in found)
            assert not any(gc.is_tracked(d) for d in guide.diagnostics)  # strings and ints only
            first = {d.message: d.message for d in guides[0].diagnostics}
            same = [d.message for d in guide.diagnostics if d.message in first]
            assert same and all(first[message] is message for message in same)
            assert (guide.body is EMPTY) == lean and (lean or guide.body.children)


def test_the_parse_cache_gives_its_parses_with_their_values_shared(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from content_api.cache import ParseCache
    from content_api.config import Settings
    from content_api.web.loader import Loader, SnapshotHolder

    monkeypatch.setenv("LOAD_PROCESSES", "1")
    for n in range(3):
        (tmp_path / f"g{n}.md").write_text(GUIDE.format(n=n), encoding="utf-8")
    Loader(Settings(content_dir=str(tmp_path), cache_dir=str(tmp_path / "cache")), SnapshotHolder()).load()
    guides = [parsed.guide for parsed in ParseCache(tmp_path / "cache").load().guides.values()]
    assert len(guides) == 3
    for guide in guides:
        assert [id(t) for t in guide.tags] == [id(t) for t in guides[0].tags] and guide.body is EMPTY
        assert all(d.file is guide.file for d in guide.diagnostics)
