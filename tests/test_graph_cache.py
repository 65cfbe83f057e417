"""What a site layout's pages cost a load (issue 16): they are parsed in the same call as the
guides (one pool, never idle between the two), and a warm restart takes them from the parse
cache as it takes the guides: a page is parsed again only when its bytes or the options change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

import content_api.graph.load as graph_load
import content_api.library as library_module
from content_api import load_library
from content_api.cache import ParseCache
from content_api.config import Settings
from content_api.web.loader import Loader, SnapshotHolder

from .conftest import SEED, write

PAGES = {
    "api/api-particulier.md": "---\ntitle: API Particulier\nproducer: dinum\naccess_page:\n"
    "  - who: [Une collectivité]\n    is_eligible: 1\n    description: |\n      Vous êtes **éligible**.\n"
    "---\n\n## Conditions\n\nLe [détail](https://api.gouv.fr/cgu.pdf).\n",
    "api/api-entreprise.md": "---\ntitle: API Entreprise\nproducer: dinum\n---\n",
    "producteurs/dinum.md": "---\nname: Direction interministérielle du numérique\nacronym: DINUM\n---\n",
    "service/un-service.md": "---\ntitle: Un service\napi:\n  - API Particulier\n  - API Entreprize\n---\n",
}
GUIDE = "---\ntitle: Un guide\napi:\n  - API Particulier\n  - API Particuliers\n---\nTexte.\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    data = tmp_path / "_data"
    write(data / "guides", "un-guide.md", GUIDE)
    write(data / "guides", "ccas.md", SEED.read_bytes())
    for name, text in PAGES.items():
        write(data / Path(name).parent, Path(name).name, text)
    return data


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files of the pages parsed (in this process: fewer files than a pool is started for)."""
    found: list[str] = []
    real = graph_load.parse_page

    def counted(kind: Any, file: str, *args: Any, **options: Any) -> Any:
        found.append(Path(file).name)
        return real(kind, file, *args, **options)

    monkeypatch.setattr(graph_load, "parse_page", counted)
    return found


def load(folder: Path, cache: Path, **settings: Any) -> Loader:
    loader = Loader(Settings(content_dir=str(folder), cache_dir=str(cache), **settings), SnapshotHolder())
    loader.load()
    return loader


def library_of(loader: Loader) -> library_module.Library:
    assert loader.holder.snapshot is not None
    return loader.holder.snapshot.library


def test_a_warm_restart_parses_no_page_and_serves_the_same_graph(
    tmp_path: Path, site: Path, parses: list[str]
) -> None:
    cold = library_of(load(site, tmp_path / "cache"))
    assert sorted(parses) == sorted(Path(name).name for name in PAGES)
    assert cold.stats == {"parsed": 6, "reused": 0}  # 2 guides, 4 pages
    parses.clear()
    warm = library_of(load(site, tmp_path / "cache"))
    assert parses == [] and warm.stats == {"parsed": 0, "reused": 6}
    assert cold.graph is not None and warm.graph is not None
    for kind in ("apis", "producers", "services", "guide_apis"):
        assert msgspec.json.encode(getattr(warm.graph, kind)) == msgspec.json.encode(
            getattr(cold.graph, kind)
        )
    assert warm.diagnostics == cold.diagnostics and warm.content_hash == cold.content_hash
    unresolved = [d for d in warm.diagnostics if d.code == "api-unresolved"]
    assert [(Path(d.file or "").name, d.line) for d in unresolved] == [
        ("un-guide.md", 5),
        ("un-service.md", 5),
    ]
    assert "did you mean `API Particulier`?" in unresolved[0].message
    assert "did you mean `API Entreprise`?" in unresolved[1].message
    write(site / "api", "api-entreprise.md", "---\ntitle: API Entreprize\nproducer: dinum\n---\n")
    changed = library_of(load(site, tmp_path / "cache"))
    assert parses == ["api-entreprise.md"] and changed.stats == {"parsed": 1, "reused": 5}
    assert changed.graph is not None and changed.graph.resolve_api("API Entreprize") == "entreprize"


def test_the_cached_pages_are_not_reused_under_other_parse_options(
    tmp_path: Path, site: Path, parses: list[str]
) -> None:
    first = load_library(site)
    ParseCache(tmp_path).save(first.parsed, {})
    cached = ParseCache(tmp_path).load().guides
    parses.clear()
    assert load_library(site, cache=cached).stats == {"parsed": 0, "reused": 6}
    assert parses == []
    raw = load_library(site, cache=cached, html="raw")
    assert sorted(parses) == sorted(Path(name).name for name in PAGES) and raw.stats["parsed"] == 6


def test_the_pages_are_parsed_in_the_guides_call(monkeypatch: pytest.MonkeyPatch, site: Path) -> None:
    calls: dict[str, list[int]] = {"library": [], "graph": []}
    for name, module in (("library", library_module), ("graph", graph_load)):

        def recorded(func: Any, items: Any, *, real: Any = module.pmap, name: str = name, **kw: Any) -> Any:
            calls[name].append(len(items))
            return real(func, items, **kw)

        monkeypatch.setattr(module, "pmap", recorded)
    library = load_library(site)
    assert calls == {"library": [6], "graph": [0]}
    assert library.graph is not None and sorted(library.graph.apis) == ["entreprise", "particulier"]
    assert sum(1 for parsed in library.parsed.values() if parsed.page is not None) == 4
