"""Section records for search indexers: the catalog's records, then GET /search/records over HTTP.

The seed (content/ccas.md) is cut into its introduction and its three ``##`` sections; a guide
written here has ``###``, deeper and nested headings and a section longer than the content's
limit; the small library's noindex and draft guides and a ``search: false`` guide have none.
"""

from __future__ import annotations

import json
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import msgspec
import pytest

from content_api import load_library, parse_guide
from content_api import model as m
from content_api.catalog import Catalog
from content_api.catalog.records import MAX_CONTENT_CHARS, RecordList, SectionRecord, cut_content
from content_api.plain_text import render_text

from .conftest import SEED, write_small_library
from .server import Server, serve

SITE = "https://example.test"

HIDDEN = """---
title: Hors de la recherche
publish: true
search: false
---

Un guide introuvable par la recherche du site : motcache.

## Une section

Encore motcache.
"""

DEEP = """---
title: Profond
tags: [Profondeur]
api: [API Entreprise]
publish: true
updated: 2024-03-04
---

## Première partie

Texte un.

### Détail A

Texte A.

#### Plus bas

Reste dans le détail A.

## Seconde partie

<Quote who="Quelqu'un">

## Dans une citation

Citation.

</Quote>

### Détail B

LONG
"""

ORPHAN = """---
title: Orphelin
publish: true
---

### Sans parent

Texte.
"""

#: A word of the long section, repeated well past MAX_CONTENT_CHARS.
WORD = "mot"


def long_text() -> str:
    return " ".join(f"{WORD}{n}" for n in range(MAX_CONTENT_CHARS // 3))


def write_library(folder: Path) -> Path:
    write_small_library(folder)
    (folder / "hidden.md").write_text(HIDDEN, encoding="utf-8")
    (folder / "deep.md").write_text(DEEP.replace("LONG", long_text()), encoding="utf-8")
    (folder / "orphan.md").write_text(ORPHAN, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_library(tmp_path_factory.mktemp("content"))


@pytest.fixture(scope="module")
def catalog(content: Path) -> Catalog:
    return Catalog.from_library(load_library(content))


@pytest.fixture(scope="module")
def records(catalog: Catalog) -> list[SectionRecord]:
    return catalog.records(SITE + "/")


def of(records: list[SectionRecord], slug: str) -> list[SectionRecord]:
    return [r for r in records if r.url_without_anchor == f"{SITE}/guides/{slug}"]


# --- the catalog's records ------------------------------------------------------------------------


def test_only_searchable_guides_have_records(records: list[SectionRecord]) -> None:
    slugs = [r.objectID.split("#")[0] for r in records]
    assert list(dict.fromkeys(slugs)) == ["ccas", "deep", "orphan"]  # slug order; no noindex, draft, hidden
    assert all("motcache" not in r.content for r in records)


def test_seed_sections_anchors_and_hierarchy(catalog: Catalog, records: list[SectionRecord]) -> None:
    seed = of(records, "ccas")
    guide = catalog.guide("ccas")
    assert guide is not None
    toc = [entry.id for entry in guide.toc]
    assert [r.anchor for r in seed] == [None, *toc]
    assert [r.type for r in seed] == ["lvl1", "lvl2", "lvl2", "lvl2"]
    assert [r.position for r in seed] == [0, 1, 2, 3]
    assert [r.objectID for r in seed] == ["ccas", *(f"ccas#{anchor}" for anchor in toc)]
    assert seed[0].url == seed[0].url_without_anchor == f"{SITE}/guides/ccas"
    assert seed[2].url == f"{SITE}/guides/ccas#cadre-juridique"
    assert seed[1].url == f"{SITE}/guides/ccas#simplifier-l'instruction-des-dossiers-dans-un-ccas"
    assert [(r.hierarchy.lvl0, r.hierarchy.lvl1, r.hierarchy.lvl2, r.hierarchy.lvl3) for r in seed] == [
        ("Guides", "Aides sociales", None, None),
        ("Guides", "Aides sociales", "Simplifier l'instruction des dossiers dans un CCAS", None),
        ("Guides", "Aides sociales", "Cadre Juridique", None),
        ("Guides", "Aides sociales", "Editeurs", None),
    ]
    assert all(r.tags == guide.tags and r.apis == ["particulier"] for r in seed)
    assert all(r.updated == guide.updated and r.updated for r in seed)


def test_seed_content_is_the_plain_text_of_each_section(
    catalog: Catalog, records: list[SectionRecord]
) -> None:
    seed = of(records, "ccas")
    guide = catalog.guide("ccas")
    assert guide is not None
    # the guide's whole text is the sections' text with the headings between them
    parts = [seed[0].content]
    for record, entry in zip(seed[1:], guide.toc, strict=True):
        parts += [entry.text, record.content]
    assert "\n\n".join(parts) == render_text(catalog.library.body("ccas"))
    assert seed[0].content.startswith("Les Centres Communaux d'Action Sociale")
    assert "accédant facilement aux données" in seed[0].content
    assert "Dites-le nous une fois" in seed[1].content  # a Quote's text
    assert "— Le SITIV, membre du réseau Déclic" in seed[1].content  # and its signature
    assert "données à disposition" in seed[1].content  # an External's
    assert seed[2].content.endswith("Remplir une demande")  # a Button's
    assert "Arpège | Sonate Opus" in seed[3].content  # an editor table's cells
    assert "Cadre Juridique" not in seed[2].content  # the heading is not its content


def test_deeper_and_nested_headings_stay_in_their_section(records: list[SectionRecord]) -> None:
    deep = of(records, "deep")
    assert [(r.type, r.anchor) for r in deep] == [
        ("lvl1", None),
        ("lvl2", "premiere-partie"),
        ("lvl3", "detail-a"),
        ("lvl2", "seconde-partie"),
        ("lvl3", "detail-b"),
    ]
    assert deep[0].content == ""  # the guide starts with a ## heading: its lvl1 record is its title
    assert deep[2].content == "Texte A.\n\nPlus bas\n\nReste dans le détail A."
    assert "Dans une citation" in deep[3].content and "Citation." in deep[3].content
    assert [(r.hierarchy.lvl2, r.hierarchy.lvl3) for r in deep] == [
        (None, None),
        ("Première partie", None),
        ("Première partie", "Détail A"),
        ("Seconde partie", None),
        ("Seconde partie", "Détail B"),
    ]
    assert deep[4].apis == ["entreprise"] and deep[4].tags == [m.Tag("profondeur", "Profondeur")]
    assert deep[4].updated == "2024-03-04"
    assert deep[2].url == f"{SITE}/guides/deep#detail-a"
    orphan = of(records, "orphan")
    assert [(r.type, r.hierarchy.lvl2, r.hierarchy.lvl3) for r in orphan] == [
        ("lvl1", None, None),
        ("lvl3", None, "Sans parent"),
    ]


def test_anchors_are_toc_ids(catalog: Catalog, records: list[SectionRecord]) -> None:
    for slug in ("ccas", "deep", "orphan"):
        guide = catalog.guide(slug)
        assert guide is not None
        toc = {entry.id for entry in guide.toc}
        anchors = [r.anchor for r in of(records, slug) if r.anchor is not None]
        assert anchors and set(anchors) <= toc, slug


def test_long_content_is_cut_on_a_word_boundary(records: list[SectionRecord]) -> None:
    whole = long_text()
    content = of(records, "deep")[4].content
    assert len(whole) > MAX_CONTENT_CHARS
    assert MAX_CONTENT_CHARS - 10 <= len(content) <= MAX_CONTENT_CHARS
    assert whole.startswith(content) and whole[len(content)] == " "  # whole words only
    assert content.split()[-1].startswith(WORD)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("abc def", 7, "abc def"),  # fits
        ("abc def", 6, "abc"),  # cut at the space before the limit
        ("abc def ghi", 7, "abc def"),  # a space just past the limit ends a whole word
        ("abc\ndef ghi", 6, "abc"),  # a line break is a boundary too
        ("abcdefghij", 4, "abcd"),  # one word longer than the limit: cut where the limit falls
        ("", 4, ""),
    ],
)
def test_cut_content(text: str, limit: int, expected: str) -> None:
    assert cut_content(text, limit) == expected


def test_default_site_url_and_label(catalog: Catalog) -> None:
    first = catalog.records()[0]
    assert first.url == "https://api.gouv.fr/guides/ccas"
    assert catalog.records(SITE, label="Docs")[0].hierarchy.lvl0 == "Docs"


def test_a_non_ascii_anchor_is_percent_encoded_in_the_url() -> None:
    from content_api.catalog.records import section_records

    guide = parse_guide("---\ntitle: T\npublish: true\n---\n\n## 日本 ok\n\nX\n", "t.md")
    (_, record) = section_records(guide, guide.body, SITE)
    assert record.anchor == guide.toc[0].id == "日本-ok"
    assert record.url == f"{SITE}/guides/t#{urllib.parse.quote('日本')}-ok"
    assert record.objectID == "t#日本-ok"


# --- the search front-matter key ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected", "warned"),
    [
        ("", True, False),
        ("search: false", False, False),
        ("search: true", True, False),
        ("search: non", False, True),  # text read as a boolean, with a warning (like publish)
        ("search: [1, 2]", False, True),
    ],
)
def test_search_front_matter(line: str, expected: bool, warned: bool) -> None:
    guide = parse_guide(f"---\ntitle: T\n{line}\n---\n\nTexte\n", "t.md")
    assert guide.search is expected
    warnings = [d for d in guide.diagnostics if d.code == "front-matter-type"]
    assert bool(warnings) is warned
    assert all("'search' should be true or false" in d.message and d.line == 3 for d in warnings)
    assert "search" not in guide.extra


# --- over HTTP ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(content: Path, server_name: str) -> Iterator[Server]:
    with serve("--content", str(content), "--site-url", SITE + "/", server=server_name) as server:
        yield server


def everything(api: Server) -> list[dict[str, Any]]:
    reply = api.get("/search/records?per_page=1000")
    assert reply.status == 200
    data: list[dict[str, Any]] = reply.json()["data"]
    return data


def test_http_records_are_the_catalogs(api: Server, records: list[SectionRecord]) -> None:
    reply = api.get("/search/records")
    assert reply.status == 200 and reply.header("content-type") == "application/json"
    body = msgspec.json.decode(reply.body, type=RecordList)
    assert body.data == records  # every field, typed as the OpenAPI document says
    assert body.meta == m.ListMeta(total=len(records), page=1, per_page=100, pages=1)
    assert body.links == m.ListLinks(self="/search/records", next=None, prev=None)


def test_a_search_false_guide_stays_in_the_sitemap(api: Server) -> None:
    sitemap = api.get("/sitemap.xml").body.decode()
    assert f"<loc>{SITE}/guides/hidden</loc>" in sitemap
    assert "/guides/noindex<" not in sitemap  # noindex is out of both
    assert all(not r["objectID"].startswith(("hidden", "noindex", "draft")) for r in everything(api))


def test_paging_and_links(api: Server) -> None:
    every = everything(api)
    total = len(every)
    assert total == 11
    seen: list[dict[str, Any]] = []
    url: str | None = "/search/records?per_page=3"
    pages = 0
    while url is not None:
        reply = api.get(url).json()
        pages += 1
        assert reply["meta"] == {"total": total, "page": pages, "per_page": 3, "pages": 4}
        assert reply["links"]["self"] == url
        assert reply["links"]["prev"] == (
            None
            if pages == 1
            else "/search/records?per_page=3"
            if pages == 2
            else f"/search/records?page={pages - 1}&per_page=3"
        )
        seen += reply["data"]
        url = reply["links"]["next"]
    assert pages == 4 and seen == every
    past = api.get("/search/records?page=9&per_page=3").json()
    assert past["data"] == [] and past["links"]["next"] is None
    assert past["links"]["prev"] == "/search/records?page=4&per_page=3"  # the last page there is


def test_ndjson_is_every_record_one_a_line(api: Server) -> None:
    every = everything(api)
    for url in ("/search/records", "/search/records?page=2&per_page=1"):
        reply = api.get(url, accept="application/x-ndjson")
        assert reply.status == 200
        assert reply.header("content-type") == "application/x-ndjson"
        assert reply.body.endswith(b"\n")
        lines = reply.body.decode().split("\n")[:-1]
        assert [json.loads(line) for line in lines] == every
        msgspec.json.decode(lines[0], type=SectionRecord)
    preferred = api.get("/search/records", accept="application/json;q=0.5, application/x-ndjson")
    assert preferred.header("content-type") == "application/x-ndjson"
    assert api.get("/search/records", accept="*/*").header("content-type") == "application/json"
    refused = api.get("/search/records", accept="text/html")
    assert refused.status == 406 and "application/x-ndjson" in refused.json()["detail"]


def test_the_edge_memo_keeps_both_forms(api: Server) -> None:
    """A page a handler answered in JSON is answered again by the edge: in JSON Lines when asked."""
    url = "/search/records?per_page=7"
    first = api.get(url)
    again = api.get(url, accept="application/x-ndjson")
    assert first.header("content-type") == "application/json"
    assert again.header("content-type") == "application/x-ndjson"
    assert len(again.body.decode().splitlines()) == 11
    assert api.get(url).body == first.body


def test_etags_304_vary_and_br(api: Server) -> None:
    for url in ("/search/records", "/search/records?page=2&per_page=2"):
        for accept in ("application/json", "application/x-ndjson"):
            reply = api.get(url, accept=accept)
            etag = reply.header("etag")
            assert etag and reply.header("vary") == "Accept, Accept-Encoding"
            again = api.get(url, accept=accept, if_none_match=etag)
            assert again.status == 304 and again.body == b""
            packed = api.get(url, accept=accept, accept_encoding="br")
            assert packed.header("content-encoding") == "br"
            assert brotli.decompress(packed.body) == reply.body
    json_tag = api.get("/search/records").header("etag")
    ndjson_tag = api.get("/search/records", accept="application/x-ndjson").header("etag")
    assert json_tag != ndjson_tag
    assert (
        api.get("/search/records", accept="application/x-ndjson", if_none_match=json_tag or "").status == 200
    )


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("unknown=1", "unknown"),
        ("q=mot", "q"),
        ("per_page=0", "per_page"),
        ("per_page=1001", "per_page"),
        ("page=0", "page"),
        ("page=null", "page"),
        ("page=1&page=2", "page"),
        ("per_page=deux", "per_page"),
    ],
)
def test_bad_parameters_are_400(api: Server, query: str, param: str) -> None:
    for accept in ("application/json", "application/x-ndjson"):
        reply = api.get(f"/search/records?{query}", accept=accept)
        assert reply.status == 400, (query, reply.body)
        assert reply.header("content-type") == "application/problem+json"
        assert param in reply.body.decode()


def test_the_openapi_document_declares_the_records(api: Server) -> None:
    document = api.get("/schema/openapi.json").json()
    operation = document["paths"]["/search/records"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"page", "per_page"}
    content = operation["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/RecordList"}
    assert content["application/x-ndjson"]["schema"]["type"] == "string"
    schemas = document["components"]["schemas"]
    record = schemas["SectionRecord"]
    assert set(record["properties"]) == set(SectionRecord.__struct_fields__)
    assert set(record["required"]) == set(SectionRecord.__struct_fields__)
    assert set(schemas["RecordHierarchy"]["properties"]) == {"lvl0", "lvl1", "lvl2", "lvl3"}


def test_the_seed_served_as_the_readme_says(tmp_path: Path, server_name: str) -> None:
    shutil.copy(SEED, tmp_path / "ccas.md")
    with serve("--content", str(tmp_path), server=server_name) as server:
        data = server.get("/search/records").json()["data"]
    assert [r["objectID"] for r in data] == [
        "ccas",
        "ccas#simplifier-l'instruction-des-dossiers-dans-un-ccas",
        "ccas#cadre-juridique",
        "ccas#editeurs",
    ]
    assert data[2]["url"] == "https://api.gouv.fr/guides/ccas#cadre-juridique"
