"""The content graph (issue 16, points 1-2): a site-layout folder's API pages, producers and
services, typed and parsed by the guide engine, and the references between them and from the
guides resolved, or reported at their line with suggestions."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

from content_api import load_library
from content_api import model as m
from content_api.graph import ApiPage, Producer, Service, parse_page, site_layout
from content_api.library import MAX_FILE_SIZE

from .conftest import CORPUS, ROOT, SEED, SHARED, write

SITE = SHARED / "corpus" / "site"

PARTICULIER = """---
title: API Particulier
tagline: Les données des particuliers
taglin: une faute de frappe
producer: dinum
partners:
  - DILA
  - Inconnu du fichier
is_open: -1 # -1 means API not open
access_page:
  - who:
      - Une collectivité
    is_eligible: 1
    description: |
      Vous êtes **éligible**.

      <Button href="https://datapass.api.gouv.fr/api-particulier">Demander une habilitation</Button>
  - who: [Un particulier]
    is_eligible: -1
    description: "Vous n'êtes **pas** autorisé. <Carousel />"
    note: gardée
monitoring_description: >
  Le service est disponible.
content_intro: |

    ### À quoi sert l'API ?

    L'<External href="https://particulier.api.gouv.fr/">API Particulier</External> simplifie.
keywords: [Quotient familial, ccas]
uptime: 99.9
visits_2019: 15831
last_update: 31/03/2021
stat:
  lastXdays: 30
useSwaggerProxy: true
---

## Conditions

Les conditions sont [ici en PDF](https://api.gouv.fr/cgu.pdf).
"""

INGRES = """---
title: API INGRES Noyau
tagline: Les référentiels
producer: direction-generale-tresor
is_open: peut-être
content_intro: [une, liste]
access_page: un texte
---
"""

LEGIFRANCE = """---
title: Légifrance
producer: Direction de l'information légale et administrative
---
Le droit.
"""

DUPLICATE = """---
title: API particulier
producer: dinumm
---
"""

DINUM = "---\nname: Direction Interministérielle du Numérique\nacronym: DINUM\nlogo: dinum.png\n---\n"
DILA = """---
name: Direction de l'information légale et administrative
acronym: DILA
nameWithPronoun: la DILA
type: Administration centrale
data: |
  | Donnée | Description |
  | --- | --- |
  | Lois | Les textes |
# site: commented out
---
"""

SERVICE = """---
title: 'Lyon : Mon compte'
link: https://www.lyon.fr
description: Calcul du quotient familial
api:
  - API Particulier
  - DILA_api_Legifrance
  - API Ingres noyau
  - API Particulié
  - API Statut étudiant boursier
screenshot: lyon.jpg
---

Le calcul du quotient familial **municipal**.
"""

GUIDE = """---
title: Un guide
api:
  - particulier
  - API Legifrance
  - API Particuliers
---
Texte.
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    data = tmp_path / "_data"
    shutil.copy(SEED, write(data / "guides", "guide.md", GUIDE).parent / "ccas.md")
    write(data / "api", "api-particulier.md", PARTICULIER)
    write(data / "api", "API_Ingres_Noyau.md", INGRES)
    write(data / "api", "DILA_api_Legifrance.md", LEGIFRANCE)
    write(data / "api", "zz-doublon.md", DUPLICATE)
    write(data / "producteurs", "dinum.md", DINUM)
    write(data / "producteurs", "dila.md", DILA)
    write(data / "service", "calcul-quotient-familial.md", SERVICE)
    return data


def line_of(text: str, needle: str, start: str = "") -> tuple[int, int]:
    """1-based line and column of ``needle`` in ``text`` (after ``start``)."""
    offset = text.index(needle, text.index(start) if start else 0)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def codes(diagnostics: list[m.Diagnostic], file: str = "") -> list[str]:
    return sorted(d.code for d in diagnostics if d.file is not None and d.file.endswith(file))


def find(node: Any, kind: type) -> Any:
    if isinstance(node, kind):
        return node
    for child in getattr(node, "children", None) or ():
        found = find(child, kind)
        if found is not None:
            return found
    return None


def test_the_layout_is_detected(tmp_path: Path, site: Path) -> None:
    layout = site_layout(site)
    assert layout is not None and layout.guides == str(site / "guides")
    assert sorted(layout.folders) == ["api", "producer", "service"]
    assert site_layout(site / "guides") is None  # a folder of guides
    write(tmp_path / "mixed" / "guides", "a.md", GUIDE)
    write(tmp_path / "mixed", "b.md", GUIDE)  # guides of its own beside guides/: a folder of guides
    assert site_layout(tmp_path / "mixed") is None


def test_api_pages_have_slugs_from_titles_and_file_names_as_aliases(site: Path) -> None:
    graph = load_library(site).graph
    assert graph is not None
    assert sorted(graph.apis) == ["ingres-noyau", "legifrance", "particulier"]
    assert graph.apis["legifrance"].aliases == ["dila-api-legifrance"]
    assert graph.apis["particulier"].aliases == []  # api-particulier.md is its slug already
    for name in ("API Particulier", "api-particulier", "particulier", "API_PARTICULIER"):
        assert graph.resolve_api(name) == "particulier", name
    assert graph.resolve_api("DILA_api_Legifrance") == graph.resolve_api("Légifrance") == "legifrance"
    assert graph.resolve_api("API Ingres noyau") == "ingres-noyau"
    assert graph.resolve_api("API Particuliers") is None
    assert graph.suggest_api("API Particuliers") == ["API Particulier"]


def test_duplicate_api_slugs_are_errors_and_the_first_file_wins(site: Path) -> None:
    library = load_library(site)
    assert library.graph is not None and library.graph.apis["particulier"].file.endswith("api-particulier.md")
    found = [d for d in library.diagnostics if d.code == "api-duplicate"]
    assert [(Path(d.file or "").name, d.line, d.severity) for d in found] == [("zz-doublon.md", 2, "error")]


def test_fields_are_typed_and_unknown_keys_kept(site: Path) -> None:
    graph = load_library(site).graph
    assert graph is not None
    page = graph.apis["particulier"]
    assert (page.title, page.tagline, page.is_open, page.uptime, page.visits_2019) == (
        "API Particulier",
        "Les données des particuliers",
        -1,
        99.9,
        15831,
    )
    assert (page.last_update, page.keywords, page.stat) == (
        "31/03/2021",
        ["Quotient familial", "ccas"],
        {"lastXdays": 30},
    )
    assert page.extra == {"taglin": "une faute de frappe", "useSwaggerProxy": True}
    assert [rule.who for rule in page.access_page] == [["Une collectivité"], ["Un particulier"]]
    assert [rule.is_eligible for rule in page.access_page] == [1, -1]
    assert page.access_page[1].extra == {"note": "gardée"}
    producer = graph.producers["dila"]
    assert (producer.acronym, producer.name_with_pronoun, producer.type) == (
        "DILA",
        "la DILA",
        "Administration centrale",
    )
    assert find(producer.data, m.Table) is not None and producer.aliases == [
        "direction-de-l-information-legale-et-administrative"
    ]
    service = graph.services["calcul-quotient-familial"]
    assert (service.title, service.link, service.screenshot) == (
        "Lyon : Mon compte",
        "https://www.lyon.fr",
        "lyon.jpg",
    )
    assert find(service.body, m.Strong) is not None


def test_misspelled_keys_and_wrong_types_are_warnings(site: Path) -> None:
    library = load_library(site)
    text = (site / "api" / "api-particulier.md").read_text(encoding="utf-8")
    unknown = [d for d in library.diagnostics if d.code == "key-unknown"]
    assert [(d.line, "'tagline'" in d.message) for d in unknown] == [(line_of(text, "taglin:")[0], True)]
    ingres = site / "api" / "API_Ingres_Noyau.md"
    types = [
        (d.line, d.message.split("'")[1])
        for d in library.diagnostics
        if d.file == str(ingres) and d.code == "front-matter-type"
    ]
    assert types == [(5, "is_open"), (6, "content_intro"), (7, "access_page")]
    assert codes(library.diagnostics, "API_Ingres_Noyau.md") == ["front-matter-type"] * 3 + [
        "producer-unresolved"
    ]
    assert library.graph is not None and library.graph.apis["ingres-noyau"].is_open is None


def test_markdown_in_yaml_is_parsed_at_its_file_position(site: Path) -> None:
    library = load_library(site)
    assert library.graph is not None
    page = library.graph.apis["particulier"]
    text = (site / "api" / "api-particulier.md").read_text(encoding="utf-8")
    first = page.access_page[0].description
    button = find(first, m.Button)
    assert button is not None and button.href == "https://datapass.api.gouv.fr/api-particulier"
    paragraph = first.children[1] if first else None
    assert paragraph is not None and paragraph.position is not None
    assert (paragraph.position.start.line, paragraph.position.start.column) == line_of(text, "<Button")
    assert first is not None and first.children[0].position is not None
    start = first.children[0].position.start
    assert (start.line, start.column) == line_of(text, "Vous êtes")
    heading = find(page.content_intro, m.Heading)  # after a blank line, indented by four
    assert heading is not None and heading.position is not None
    assert (heading.position.start.line, heading.position.start.column) == line_of(text, "### À quoi")
    assert find(page.content_intro, m.External) is not None
    unknown = [d for d in library.diagnostics if d.code == "component-unknown"]
    assert [(d.line, d.column) for d in unknown] == [line_of(text, "<Carousel")]  # in a quoted string
    body = find(page.body, m.Heading)
    assert body is not None and body.position is not None
    assert body.position.start.line == line_of(text, "## Conditions")[0]
    assert find(page.monitoring_description, m.Paragraph) is not None


def test_references_resolve_or_are_reported_with_suggestions(site: Path) -> None:
    library = load_library(site)
    graph = library.graph
    assert graph is not None
    assert graph.guide_apis == {"ccas": ["particulier"], "guide": ["particulier", "legifrance", None]}
    assert graph.guides_of_api("particulier") == ["ccas", "guide"]
    page = graph.apis["particulier"]
    assert page.producer is not None and page.producer.slug == "dinum"
    assert [(ref.name, ref.slug) for ref in page.partners] == [("DILA", "dila"), ("Inconnu du fichier", None)]
    assert graph.apis["legifrance"].producer is not None and graph.apis["legifrance"].producer.slug == "dila"
    assert (
        graph.apis["ingres-noyau"].producer is not None and graph.apis["ingres-noyau"].producer.slug is None
    )
    assert graph.apis_of_producer("dila") == ["legifrance"]
    service = graph.services["calcul-quotient-familial"]
    assert [ref.slug for ref in service.apis] == ["particulier", "legifrance", "ingres-noyau", None, None]
    assert graph.services_of_api("legifrance") == ["calcul-quotient-familial"]
    unresolved = {
        (Path(d.file or "").name, d.line, d.column): d
        for d in library.diagnostics
        if d.code.endswith("-unresolved")
    }
    service_text, guide_text = SERVICE, GUIDE
    expected = {
        (
            "calcul-quotient-familial.md",
            *line_of(service_text, "API Particulié"),
        ): "did you mean `API Particulier`?",
        ("calcul-quotient-familial.md", *line_of(service_text, "API Statut")): "is no API page",
        ("guide.md", *line_of(guide_text, "API Particuliers")): "did you mean `API Particulier`?",
        ("API_Ingres_Noyau.md", 4, 11): "is no producer",
        ("api-particulier.md", *line_of(PARTICULIER, "Inconnu du")): "is no producer",
    }
    assert sorted(unresolved) == sorted(expected)
    for place, words in expected.items():
        assert words in unresolved[place].message, (place, unresolved[place].message)
    assert unresolved[("api-particulier.md", *line_of(PARTICULIER, "Inconnu du"))].severity == "info"
    assert unresolved[("guide.md", *line_of(guide_text, "API Particuliers"))].severity == "warning"


def test_a_site_layout_serves_its_guides_as_a_folder_of_guides_does(site: Path) -> None:
    plain, layout = load_library(site / "guides"), load_library(site)
    assert plain.graph is None and layout.root == str(site)
    assert sorted(plain.guides) == sorted(layout.guides) == ["ccas", "guide"]
    for slug, guide in plain.guides.items():  # the same, but for the API page of each entry
        served = layout.guides[slug]
        unlinked = msgspec.structs.replace(served, apis=[m.Api(a.slug, a.name) for a in served.apis])
        assert msgspec.json.encode(guide) == msgspec.json.encode(unlinked)
    assert [a.page for a in layout.guides["guide"].apis] == ["particulier", "legifrance", None]
    assert [a.page for a in plain.guides["guide"].apis] == [msgspec.UNSET] * 3
    assert plain.content_hash != layout.content_hash  # the pages are content too


def test_a_plain_guides_folder_is_read_as_before(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "ccas.md")
    write(tmp_path / "api", "api-x.md", "---\ntitle: API X\n---\n")  # not a site: no guides/ folder
    library, seed = load_library(tmp_path), load_library(SEED.parent)
    assert library.graph is None and seed.graph is None
    assert list(library.guides) == ["ccas"] and library.content_hash == seed.content_hash
    assert [d.code for d in library.diagnostics] == [d.code for d in seed.diagnostics]
    guide, before = library.guides["ccas"], seed.guides["ccas"]
    assert msgspec.json.encode(
        msgspec.structs.replace(guide, file=before.file, updated=before.updated)
    ) == msgspec.json.encode(before)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"---\ntitle: [API\n---\n", "yaml-invalid"),
        (b"---\n- a\n- b\n---\ntexte\n", "title-missing"),  # not a mapping: Markdown, no title
        (b"", "title-missing"),
        (b"\x00\x01PNG", "file-binary"),
        (b"---\ntitle: API \xe9t\xe9\n---\n", "encoding-invalid"),
        (b"---\ntitle: API A\nis_open: *alias\n---\n", "yaml-invalid"),
        (
            b"---\ntitle: API B\naccess_page:\n  - who: {a: 1}\n    description: [x]\n  - 3\n---\n",
            "front-matter-type",
        ),
        (b"---\ntitle: API C\nno: 1\n2: deux\n? [a, b]\n: c\n---\n", None),
    ],
)
def test_hostile_pages_never_raise(data: bytes, code: str | None) -> None:
    page = parse_page("api", "api/hostile.md", data)
    assert isinstance(page, ApiPage) and page.file == "api/hostile.md"
    found = {d.code for d in page.diagnostics}
    assert "internal-error" not in found
    assert (code in found) if code else not any(d.severity == "error" for d in page.diagnostics), found
    msgspec.json.encode(page)


def test_hostile_producers_and_services_never_raise() -> None:
    producer = parse_page("producer", "producteurs/x.md", b"---\nacronym: X\nname: [a]\n---\n")
    assert isinstance(producer, Producer) and "title-missing" in {d.code for d in producer.diagnostics}
    service = parse_page("service", "service/y.md", b"---\ntitle: Y\napi: 3\nnoindex: peut-etre\n---\n")
    assert isinstance(service, Service) and [r.name for r in service.apis] == ["3"]
    assert [d.code for d in service.diagnostics] == ["front-matter-type"]


def test_a_megabyte_description_is_bounded_and_an_oversized_file_refused(tmp_path: Path) -> None:
    data = tmp_path / "_data"
    write(data / "guides", "g.md", GUIDE)
    big = (
        "  - who: [a]\n    description: |\n" + "      _a *b [c](d) <External href='x'>e</External>\n" * 18_000
    )
    write(data / "api", "big.md", "---\ntitle: API Big\naccess_page:\n" + big + "---\n")
    write(data / "api", "huge.md", "---\ntitle: API Huge\n---\n" + "x" * MAX_FILE_SIZE)
    library = load_library(data)
    assert library.graph is not None and list(library.graph.apis) == ["big"]
    assert "file-too-large" in codes(library.diagnostics, "huge.md")
    description = library.graph.apis["big"].access_page[0].description
    assert description is not None and description.children
    assert "internal-error" not in codes(library.diagnostics)


@pytest.mark.skipif(not (SITE.is_dir() and CORPUS.is_dir()), reason="../shared/corpus/site is not here")
def test_the_site_samples_load_and_link(tmp_path: Path) -> None:
    data = tmp_path / "_data"
    data.mkdir()
    for name in ("api", "producteurs", "service"):
        (data / name).symlink_to(SITE / name)
    (data / "guides").symlink_to(CORPUS)
    library = load_library(data)
    graph = library.graph
    assert graph is not None
    pages = [*graph.apis.values(), *graph.producers.values(), *graph.services.values()]
    assert len(graph.files) == len(pages) == len(list(SITE.glob("*/*.md")))
    assert [
        d for d in library.diagnostics if d.severity == "error" and "/guides/" not in (d.file or "")
    ] == []
    assert graph.resolve_api("API Particulier") == "particulier"
    ccas = next(
        slug
        for slug, guide in library.guides.items()
        if guide.apis == [m.Api(slug="particulier", name="API Particulier", page="particulier")]
    )
    assert graph.guide_apis[ccas] == ["particulier"]
    assert (
        graph.apis["particulier"].producer is not None and graph.apis["particulier"].producer.slug == "dinum"
    )
    unresolved = [d for d in library.diagnostics if d.code == "api-unresolved"]
    names = {d.message.split("(api/)")[0] for d in unresolved if "/guides/" in (d.file or "")}
    assert any("API Répertoire National des Associations" in name for name in names)
    for found in unresolved:  # at the line of the entry, which names the API
        line = Path(found.file or "").read_text(encoding="utf-8").split("\n")[found.line - 1]
        assert line[found.column - 1 :].rstrip().strip("'\"") in found.message, (found, line)


@pytest.mark.skipif(not (SITE.is_dir() and CORPUS.is_dir()), reason="../shared/corpus/site is not here")
def test_check_reports_the_unresolved_apis_of_the_real_guides(tmp_path: Path) -> None:
    data = tmp_path / "_data"
    data.mkdir()
    for name in ("api", "producteurs", "service"):
        (data / name).symlink_to(SITE / name)
    (data / "guides").symlink_to(CORPUS)
    result = subprocess.run(
        [sys.executable, "-m", "content_api", "check", str(data), "--select", "api"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = [line for line in result.stdout.splitlines() if f"{data}/guides/" in line]
    assert found and all(" warning [api-unresolved] API " in line for line in found), found
    assert any(line.endswith("did you mean `API Statut Etudiant - écriture`?") for line in found)
    assert any("'API Répertoire National des Associations' is no API page" in line for line in found)
    # the summary counts every kind: the files read, and the guides and pages served
    counts = [len(list(SITE.glob(f"{kind}/*.md"))) for kind in ("api", "producteurs", "service")]
    total = sum(counts) + len(list(CORPUS.glob("*.md")))
    summary = result.stderr.strip().splitlines()[-1]
    served = r"{} file\(s\), \d+ guide\(s\), {} API page\(s\), {} producer\(s\), {} service\(s\) served, "
    assert re.fullmatch(served.format(total, *counts) + r"0 error\(s\), \d+ warning\(s\)", summary), summary


def test_a_reload_reuses_the_parsed_pages_and_leaves_the_served_graph_as_it_was(site: Path) -> None:
    first = load_library(site)
    assert first.graph is not None
    served = msgspec.json.encode(first.graph.apis["particulier"])
    write(site / "producteurs", "dinum.md", "---\nname: Autre\n---\n")  # renamed: still dinum.md
    (site / "producteurs" / "dila.md").unlink()  # partner DILA and Légifrance's producer now unresolved
    second = load_library(site, previous=first)
    assert second.graph is not None
    before, after = first.graph.parsed, second.graph.parsed
    reused = [key for key in after if key in before and after[key] is before[key]]
    assert len(reused) == 5  # every page but the two producers changed
    assert msgspec.json.encode(first.graph.apis["particulier"]) == served
    assert [ref.slug for ref in second.graph.apis["particulier"].partners] == [None, None]
    assert second.graph.apis["legifrance"].producer is not None
    assert second.graph.apis["legifrance"].producer.slug is None


def test_the_server_serves_a_site_layout_folder(site: Path) -> None:
    """The snapshot handed to handlers holds the graph (its kinds are tagged, so a union of them
    can be typed and checked: an untagged union made every handler taking the snapshot fail)."""
    from litestar.testing import TestClient

    from content_api.config import Settings
    from content_api.web import app as web

    edge = web.create_app(Settings(content_dir=str(site), watch=True))
    with TestClient(app=edge.app) as client:
        health = client.get("/health").json()
        preview = client.get("/preview")
        guide = client.get("/guides/ccas")
    assert (health["guides"], preview.status_code, guide.status_code) == (2, 200, 200)
    assert "Aides sociales" in preview.text and guide.json()["apis"] == [
        {"slug": "particulier", "name": "API Particulier", "page": "particulier"}
    ]
    page = msgspec.json.decode(msgspec.json.encode(load_library(site).graph), type=dict)
    assert page["apis"]["particulier"]["kind"] == "api" and page["producers"]["dila"]["kind"] == "producer"


def test_watch_reloads_on_a_change_in_any_folder_of_the_site(site: Path, server_name: str) -> None:
    """With --watch, a guide of guides/ and a page of api/ are watched as the guides of a folder are."""
    from .server import serve
    from .test_reload import until

    with serve("--content", str(site), "--watch", server=server_name) as server:
        assert server.get("/guides/guide").json()["title"] == "Un guide"
        write(site / "guides", "guide.md", GUIDE.replace("title: Un guide", "title: Un autre guide"))
        until(lambda: server.get("/guides/guide").json()["title"] == "Un autre guide")
        before = server.get("/health").json()
        write(site / "api", "api-particulier.md", PARTICULIER.replace("taglin:", "tagline2:"))
        until(lambda: server.get("/health").json()["content_hash"] != before["content_hash"])
        assert server.get("/health").json()["warnings"] == before["warnings"]  # the same key-unknown
