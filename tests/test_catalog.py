"""The catalog, queried directly as plain Python: no server, no web layer.

The same small library as the HTTP tests (the seed, a noindex guide, a draft, a broken file), so
that each answer here can be compared with what ``/guides`` and ``/editors`` give for it.
"""

from __future__ import annotations

import sys

import pytest

from content_api import Catalog, load_library
from content_api.catalog import GuideQuery

from .conftest import write_small_library


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    folder = write_small_library(tmp_path_factory.mktemp("content"))
    return Catalog.from_library(load_library(folder), asset_base="https://example.org/")


def slugs(catalog: Catalog, **query: object) -> list[str]:
    return [item.slug for item in catalog.guides(**query).items]  # type: ignore[arg-type]


def test_the_catalog_imports_nothing_of_the_web() -> None:
    import subprocess

    code = (
        "import sys, content_api.catalog\n"
        "print(sorted(m for m in sys.modules if 'litestar' in m or 'content_api.web' in m))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["ccas", "draft", "noindex"]),  # by title, accents aside: Aides, Brouillon, Éligibilité
        ({"tag": "portail-famille"}, ["draft", "noindex"]),
        ({"tag": "Portail Famille"}, ["draft", "noindex"]),  # a label is a tag too
        ({"tag": ["Portail-Famille", "entreprises"]}, ["noindex"]),  # every tag must match
        ({"tag": "portail-famille,entreprises"}, ["noindex"]),
        ({"api": ["entreprise", "API Particulier"]}, ["draft"]),
        ({"api": "api-entreprise"}, ["draft", "noindex"]),
        ({"publish": True}, ["ccas", "noindex"]),
        ({"publish": False}, ["draft"]),
        ({"noindex": False, "publish": True}, ["ccas"]),
        ({"tag": "inconnu"}, []),
        ({"tag": "!!!"}, []),  # normalizes to nothing: matches nothing
        ({"tag": ""}, ["ccas", "draft", "noindex"]),  # empty: filters nothing
        ({"sort": "-title"}, ["noindex", "draft", "ccas"]),
        ({"sort": "updated"}, ["draft", "noindex", "ccas"]),
        ({"sort": "-updated", "publish": True}, ["ccas", "noindex"]),
    ],
)
def test_filters_and_sorts(catalog: Catalog, query: dict[str, object], expected: list[str]) -> None:
    assert slugs(catalog, **query) == expected


def test_pages(catalog: Catalog) -> None:
    first, second = catalog.guides(per_page=2), catalog.guides(per_page=2, page=2)
    assert [g.slug for g in first.items] == ["ccas", "draft"] and [g.slug for g in second.items] == [
        "noindex"
    ]
    assert (first.total, first.pages, second.page) == (3, 2, 2)
    assert catalog.guides(page=9).items == [] and catalog.guides(page=9).total == 3
    with pytest.raises(ValueError, match="per_page"):
        catalog.guides(per_page=0)
    with pytest.raises(ValueError, match="sort"):
        catalog.guides(sort="color")  # type: ignore[arg-type]


def test_summaries(catalog: Catalog) -> None:
    ccas = catalog.guides(tag="ccas").items[0]
    assert ccas.path == "/guides/ccas" and ccas.title.startswith("Aides")
    assert (ccas.image_url, ccas.thumbnail_url) == (
        "https://example.org/dossier.jpg",
        "https://example.org/thumbnail_dossier.jpg",
    )
    assert ccas.snippet is None  # only a search has snippets
    guide = catalog.guide("CCAS")
    assert guide is not None and guide.slug == "ccas" and catalog.guide("broken") is None


def test_search(catalog: Catalog) -> None:
    found = catalog.guides(q="Quotient Familial")
    assert [g.slug for g in found.items] == ["ccas"] and found.warning is None
    assert found.items[0].snippet is not None and "<mark>" in found.items[0].snippet
    assert slugs(catalog, q="éditeur") == slugs(catalog, q="editeur")
    assert set(slugs(catalog, q="editeur")) == {"ccas", "noindex", "draft"}
    assert slugs(catalog, q="entreprises")[0] == "noindex"  # in its title and tags: ranked first
    assert slugs(catalog, q="editeur", sort="slug") == ["ccas", "draft", "noindex"]
    assert slugs(catalog, q="editeur", publish=False) == ["draft"]
    assert slugs(catalog, q="zzzzzz") == [] and slugs(catalog, q='"') == []


def test_a_search_past_its_deadline_is_stopped_not_failed(catalog: Catalog) -> None:
    found = catalog.select(GuideQuery.of(q="editeur"), deadline=0.0)
    assert found.stopped and found.total == 0 and found.positions == []


def test_editors(catalog: Catalog) -> None:
    assert [r.editor for r in catalog.editors().rows] == ["Arpège", "Up", "Zèbre"]
    assert [r.editor for r in catalog.editors(api="API Entreprise").rows] == ["Zèbre"]
    assert [r.editor for r in catalog.editors(guide="ccas", q="OPUS").rows] == ["Arpège"]
    assert [r.editor for r in catalog.editors(q="zebre").rows] == ["Zèbre"]
    assert catalog.editors(api="inconnue").rows == [] and catalog.editors(q="x" * 5000).total == 0
    page = catalog.editors(per_page=2, page=2)
    assert [r.editor for r in page.rows] == ["Zèbre"] and (page.total, page.pages) == (3, 2)
    assert catalog.editors().page is None  # every row: no page


def test_facets(catalog: Catalog) -> None:
    tags = {t.slug: (t.label, t.guides) for t in catalog.tags()}
    # published guides only: the draft's Portail-Famille adds neither a guide nor its label
    assert tags["portail-famille"] == ("portail famille", 1) and tags["entreprises"] == ("Entreprises", 1)
    assert catalog.tags()[0].guides >= catalog.tags()[-1].guides  # most used first
    apis = {a.slug: (a.guides, a.editors) for a in catalog.apis()}
    assert apis["entreprise"] == (1, 1) and apis["particulier"][0] == 1


def test_a_tag_or_api_only_drafts_name_is_no_facet(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = write_small_library(tmp_path_factory.mktemp("drafts"))
    (folder / "seul.md").write_text(
        "---\ntitle: Seul\ntags: [Brouillon seul]\napi: [API Fantôme]\n---\n\nTexte\n", encoding="utf-8"
    )
    catalog = Catalog.from_library(load_library(folder))
    assert "brouillon-seul" not in {t.slug for t in catalog.tags()}
    assert "fantome" not in {a.slug for a in catalog.apis()}
    # the draft is still listed and filtered by them, as /guides lists drafts
    assert catalog.guides(tag="Brouillon seul", api="fantome").total == 1
