"""The seed guide (content/ccas.md), point by point as issue 2 accepts it."""

from __future__ import annotations

import pytest

from content_api import model as m
from content_api import parse_guide, render_html, render_text

from .conftest import SEED, walk


@pytest.fixture(scope="module")
def guide() -> m.Guide:
    return parse_guide(SEED.read_bytes(), "content/ccas.md")


def of_type(guide: m.Guide, kind: type) -> list:  # type: ignore[type-arg]
    return [node for node in walk(guide.body) if isinstance(node, kind)]


def test_front_matter(guide: m.Guide) -> None:
    assert guide.slug == "ccas"
    assert guide.title == "Aides sociales"
    assert guide.publish is True
    assert guide.noindex is False
    assert [t.slug for t in guide.tags] == ["cas-usage", "api-particulier", "ccas"]
    assert [t.label for t in guide.tags] == ["cas usage", "api particulier", "CCAS"]
    assert [(a.slug, a.name) for a in guide.apis] == [("particulier", "API Particulier")]
    assert guide.image == "dossier.jpg"
    assert guide.ok and guide.diagnostics == []


def test_one_quote_with_its_props_and_markdown_children(guide: m.Guide) -> None:
    (quote,) = of_type(guide, m.Quote)
    assert quote.logo == "/images/guides/sitiv.png"
    assert quote.link.startswith("https://www.sitiv.fr/Actualites/")
    assert quote.who == "Le SITIV"
    assert quote.title == "membre du réseau Déclic"
    assert quote.inline is False
    strong = [n for n in walk(quote) if isinstance(n, m.Strong)]
    assert [render_text(s) for s in strong] == ["facilitées et certifiées"]
    assert quote.position.start.line == 21 and quote.position.end.line == 24


def test_four_externals_and_one_button(guide: m.Guide) -> None:
    externals = of_type(guide, m.External)
    assert len(externals) == 4
    assert externals[0].href == "https://api.gouv.fr/les-api/api-particulier#donnees-accessibles-dans-l'api"
    assert render_text(externals[0]) == "données à disposition"
    (button,) = of_type(guide, m.Button)
    assert button.href == "https://datapass.api.gouv.fr/api-particulier?demarche=ccas"
    assert render_text(button) == "Remplir une demande"
    assert button.alt is False


def test_br_then_button_are_two_blocks(guide: m.Guide) -> None:
    html = [n for n in guide.body.children if isinstance(n, m.Html)]
    assert [n.value for n in html] == ["<br>"]  # the sanitizer's serialization of <br/>
    index = guide.body.children.index(html[0])
    paragraph = guide.body.children[index + 1]
    assert isinstance(paragraph, m.Paragraph) and isinstance(paragraph.children[0], m.Button)


def test_one_editor_table_with_typed_rows(guide: m.Guide) -> None:
    (table,) = of_type(guide, m.EditorTable)
    rows = [(r.editor, r.solution, r.date, r.request_url) for r in table.editors]
    assert rows == [
        (
            "Up",
            "Millesime Action Sociale",
            "Mi-Mai 2020",
            "https://datapass.api.gouv.fr/api-particulier?demarche=ccas-up",
        ),
        (
            "Arpège",
            "Sonate Opus",
            "Septembre 2020",
            "https://datapass.api.gouv.fr/api-particulier?demarche=ccas-arpege",
        ),
    ]
    assert all(r.guide == "ccas" and [a.slug for a in r.apis] == ["particulier"] for r in table.editors)
    assert guide.editors == table.editors
    assert not of_type(guide, m.Table)


def test_headings_have_the_site_ids(guide: m.Guide) -> None:
    headings = of_type(guide, m.Heading)
    assert [(h.depth, h.id) for h in headings] == [
        (2, "simplifier-l'instruction-des-dossiers-dans-un-ccas"),
        (2, "cadre-juridique"),
        (2, "editeurs"),
    ]
    assert next((e.depth, e.id, e.text) for e in guide.toc) == (
        2,
        "simplifier-l'instruction-des-dossiers-dans-un-ccas",
        "Simplifier l'instruction des dossiers dans un CCAS",
    )


def test_excerpt_and_reading_time(guide: m.Guide) -> None:
    assert guide.excerpt.startswith("Les Centres Communaux d'Action Sociale sont amenés")
    assert len(guide.excerpt) <= 201
    words = len(render_text(guide.body).split())
    assert guide.reading_time == -(-words // 200)


def test_positions_count_the_front_matter(guide: m.Guide) -> None:
    first = guide.body.children[0]
    assert first.position.start.line == 12  # the first body line of the file
    lines = SEED.read_text(encoding="utf-8").split("\n")
    for node in walk(guide.body):
        if node.position is not None:
            assert 1 <= node.position.start.line <= node.position.end.line <= len(lines)


def test_html_rendering_of_the_components(guide: m.Guide) -> None:
    html = render_html(guide.body)
    assert '<figure class="quote">' in html and "<strong>facilitées et certifiées</strong>" in html
    assert (
        'target="_blank" rel="noopener noreferrer">données à disposition'
        '<span class="sr-only"> (nouvelle fenêtre)</span></a>'
    ) in html
    assert '<a class="button" href="https://datapass.api.gouv.fr/api-particulier?demarche=ccas">' in html
    assert '<table class="editors">' in html and "<td>Arpège</td>" in html


def test_table_cells_know_their_columns(guide: m.Guide) -> None:
    (table,) = of_type(guide, m.EditorTable)
    lines = SEED.read_text(encoding="utf-8").split("\n")
    for row in table.children:
        for cell in row.children:
            start, end = cell.position.start, cell.position.end
            assert start.line == end.line == row.position.start.line
            source = lines[start.line - 1][start.column - 1 : end.column - 1]
            assert source == source.strip() and render_text(cell) in source
