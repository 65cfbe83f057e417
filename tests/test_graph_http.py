"""The content graph over HTTP (issue 16, point 3 and the logos of point 5): /apis enriched by the
catalogue, /apis/{slug}, /producers[/{slug}], /services[/{slug}], guides' apis[].page, logo sizes
from ASSETS_DIR; a folder of guides answering as it always did. Real servers on 127.0.0.1: one on a
small site written here (with an ASSETS_DIR), one on the same guides as a plain folder, and one on
the real samples of ../shared/corpus/site when they are there."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import msgspec
import pytest

from content_api import load_library
from content_api.catalog import Catalog
from content_api.config import Settings
from content_api.web.export import export, file_for
from content_api.web.routes import ROUTES

from .conftest import CORPUS, SEED, SHARED
from .server import Server, serve
from .site import DINUM_LOGO, PARTICULIER_LOGO, write_guides, write_site
from .test_routes import undocumented

SITE = SHARED / "corpus" / "site"
MODELS = {route.path.replace("{slug:str}", "*"): route.model for route in ROUTES}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("graph-http")
    data, public = write_site(root)
    return data, public, write_guides(root / "plain")


@pytest.fixture(scope="module")
def site(folders: tuple[Path, Path, Path], server_name: str) -> Iterator[Server]:
    data, public, _ = folders
    with serve("--content", str(data), env={"ASSETS_DIR": str(public)}, server=server_name) as server:
        yield server


@pytest.fixture(scope="module")
def plain(folders: tuple[Path, Path, Path], server_name: str) -> Iterator[Server]:
    with serve("--content", str(folders[2]), server=server_name) as server:
        yield server


def checked(server: Server, url: str, status: int = 200) -> Any:
    """The JSON of ``url``, decoded with its route's model, every key of it documented there."""
    reply = server.get(url)
    assert reply.status == status, (url, reply.body[:300])
    path = url.split("?")[0]
    model = MODELS.get(path) or MODELS[path.rsplit("/", 1)[0] + "/*"]
    msgspec.json.decode(reply.body, type=model)
    value = reply.json()
    assert undocumented(value, msgspec.inspect.type_info(model)) == [], url
    return value


def test_apis_lists_every_api_page_with_its_fields(site: Server) -> None:
    items = checked(site, "/apis")["data"]
    assert [(i["slug"], i["guides"], i["editors"]) for i in items] == [
        ("particulier", 2, 2),  # ccas (API Particulier) and mix (api-particulier): one page
        ("inconnue", 1, 0),
        ("legifrance", 0, 0),  # only the draft names it (DILA_api_Legifrance): facets count published guides
        ("orpheline", 0, 0),  # a page no guide names is listed
    ]
    particulier = items[0]
    assert particulier["title"] == particulier["name"] == "API Particulier"
    assert particulier["path"] == "/apis/particulier" and particulier["is_open"] == -1
    assert (particulier["logo_width"], particulier["logo_height"]) == PARTICULIER_LOGO
    producer = particulier["producer"]
    assert (producer["name"], producer["slug"]) == ("dinum", "dinum")
    assert producer["producer"]["acronym"] == "DINUM"
    assert (producer["producer"]["logo_width"], producer["producer"]["logo_height"]) == DINUM_LOGO
    assert items[1] == {"slug": "inconnue", "name": "API Inconnue", "guides": 1, "editors": 0}
    assert "logo_width" not in items[2]  # a logo on another host is not measured
    assert items[3]["producer"] == {"name": "personne", "slug": None, "producer": None}


def test_a_plain_folder_answers_as_before(plain: Server, folders: tuple[Path, Path, Path]) -> None:
    reply = plain.get("/apis")
    before = Catalog.from_library(load_library(folders[2])).apis()
    assert reply.body == msgspec.json.encode({"data": before})
    assert all(set(item) == {"slug", "name", "guides", "editors"} for item in reply.json()["data"])
    assert all("page" not in api for api in plain.get("/guides/mix").json()["apis"])
    for url in ("/apis/particulier", "/producers", "/producers/dinum", "/services", "/services/lyon"):
        problem = plain.get(url)
        assert problem.status == 404, url
        assert problem.header("content-type") == "application/problem+json"
        assert "folder of guides" in problem.json()["detail"], url


def test_an_api_page_with_its_guides_editors_producer_and_services(site: Server) -> None:
    page = checked(site, "/apis/particulier")
    assert [g["slug"] for g in page["guides"]] == ["ccas", "mix"]
    assert sorted((e["editor"], e["guide"]) for e in page["editors"]) == [("Arpège", "ccas"), ("Up", "ccas")]
    assert page["producer"]["producer"]["name"] == "Direction Interministérielle du Numérique"
    assert [(p["name"], p["slug"]) for p in page["partners"]] == [
        ("DILA", "dila"),
        ("Inconnu du fichier", None),
    ]
    assert page["partners"][1]["producer"] is None
    assert [s["slug"] for s in page["services"]] == ["lyon"]
    assert page["content_intro"]["type"] == "root" and page["body"]["type"] == "root"
    description = page["access_page"][0]["description"]
    assert description["type"] == "root"
    assert "button" in json.dumps(description)  # the Markdown inside the YAML string, parsed
    assert page["keywords"] == ["Quotient familial"] and "file" not in page and "diagnostics" not in page
    legifrance = checked(site, "/apis/legifrance")
    assert legifrance["aliases"] == ["dila-api-legifrance"]
    assert [g["slug"] for g in legifrance["guides"]] == ["draft"]  # drafts too, as /guides lists them
    assert legifrance["guides"][0]["publish"] is False
    assert checked(site, "/apis/orpheline")["guides"] == []


def test_api_pages_are_prepared_responses(site: Server) -> None:
    first = site.get("/apis/particulier", accept_encoding="br")
    assert first.header("content-encoding") == "br" and first.header("etag")
    assert json.loads(brotli.decompress(first.body))["slug"] == "particulier"
    again = site.get("/apis/particulier", if_none_match=first.header("etag") or "")
    assert (again.status, again.body) == (304, b"")
    zipped = site.get("/apis/particulier", accept_encoding="gzip")
    assert zipped.header("content-encoding") == "gzip"
    assert json.loads(gzip.decompress(zipped.body))["slug"] == "particulier"
    assert site.get("/apis/PARTICULIER").body == site.get("/apis/particulier").body


def test_other_names_of_a_page_move_and_unknown_ones_are_404(site: Server) -> None:
    for url, location in (
        ("/apis/API%20Particulier", "/apis/particulier"),
        ("/apis/api-particulier", "/apis/particulier"),
        ("/apis/DILA_api_Legifrance", "/apis/legifrance"),
        ("/producers/DINUM", None),  # another case of the slug: the page itself
        ("/producers/Direction%20de%20l'information%20l%C3%A9gale%20et%20administrative", "/producers/dila"),
    ):
        reply = site.get(url)
        assert (reply.status, reply.header("location")) == ((301, location) if location else (200, None)), url
    missing = site.get("/apis/particuliers")
    assert missing.status == 404 and missing.header("content-type") == "application/problem+json"
    assert "did you mean 'API Particulier'?" in missing.json()["detail"]
    for url in ("/producers/personne", "/services/nulle-part"):
        assert site.get(url).status == 404, url


def test_unknown_parameters_are_refused(site: Server) -> None:
    for url in ("/apis/particulier?x=1", "/producers?page=2", "/producers/dinum?y=", "/services?apis=x",
                "/services/lyon?api=particulier"):  # fmt: skip
        reply = site.get(url)
        assert reply.status == 400, url
        assert reply.json()["errors"][0]["param"] in ("x", "page", "y", "apis", "api"), url


def test_producers(site: Server) -> None:
    listed = checked(site, "/producers")
    assert [(p["slug"], p["apis"]) for p in listed["data"]] == [("dila", 1), ("dinum", 1)]
    assert "logo_width" not in listed["data"][0]  # dila's logo is not in ASSETS_DIR
    assert (listed["data"][1]["logo_width"], listed["data"][1]["logo_height"]) == DINUM_LOGO
    dila = checked(site, "/producers/dila")
    assert [a["slug"] for a in dila["apis"]] == ["legifrance"]
    assert [a["slug"] for a in dila["partner_of"]] == ["particulier"]
    assert dila["name"] == "Direction de l'information légale et administrative"


def test_services_filtered_by_api(site: Server) -> None:
    every = checked(site, "/services")
    assert [s["slug"] for s in every["data"]] == ["autre", "lyon"] and every["meta"]["total"] == 2
    assert every["data"][0]["apis"] == [
        {"slug": "dila-api-legifrance", "name": "DILA_api_Legifrance", "page": "legifrance"},
        {"slug": "inconnue", "name": "API Inconnue", "page": None},
    ]
    spellings = ("particulier", "api-particulier", "API%20Particulier", "API_PARTICULIER")
    bodies = {site.get(f"/services?api={value}").body for value in spellings}
    assert len(bodies) == 1
    assert [s["slug"] for s in checked(site, "/services?api=particulier")["data"]] == ["lyon"]
    for query, found in (
        ("api=DILA_api_Legifrance", ["autre", "lyon"]),  # a file name: resolved to its page
        ("api=L%C3%A9gifrance", ["autre", "lyon"]),
        ("api=legifrance&api=particulier", ["lyon"]),  # repeated: all must match
        ("api=legifrance,particulier", ["lyon"]),
        ("api=API%20Inconnue", ["autre"]),  # a name of no page: the services that write it
        ("api=zzz", []),
        ("api=", ["autre", "lyon"]),  # an empty value filters nothing
    ):
        assert [s["slug"] for s in checked(site, f"/services?{query}")["data"]] == found, query
    lyon = checked(site, "/services/lyon")
    assert [a["slug"] for a in lyon["api_pages"]] == ["particulier", "legifrance"]
    assert lyon["body"]["type"] == "root" and lyon["title"] == "Lyon : Mon compte"


def test_guides_carry_the_api_page_of_each_entry(site: Server) -> None:
    mix = checked(site, "/guides/mix")
    assert mix["apis"] == [
        {"slug": "particulier", "name": "api-particulier", "page": "particulier"},
        {"slug": "inconnue", "name": "API Inconnue", "page": None},
    ]
    listed = {g["slug"]: g["apis"] for g in checked(site, "/guides")["data"]}
    assert listed["mix"] == mix["apis"] and listed["draft"][0]["page"] == "legifrance"
    related = checked(site, "/apis/particulier")["guides"]
    assert [g["apis"] for g in related if g["slug"] == "mix"] == [mix["apis"]]


def test_the_static_export_holds_the_pages(
    site: Server, folders: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    data, public, _ = folders
    out = tmp_path / "export"
    result = export(Settings(content_dir=str(data), assets_dir=str(public)), out, search=False)
    for url in ("/apis", "/apis/particulier", "/apis/orpheline", "/producers", "/producers/dila",
                "/services", "/services?api=legifrance", "/services/autre"):  # fmt: skip
        assert url in result.urls, url
        path, _, query = url.partition("?")
        assert (out / file_for(path, query)).read_bytes() == site.get(url).body, url


def test_a_missing_logo_is_reported_at_its_line(site: Server) -> None:
    found = site.get("/diagnostics?code=image-missing").json()["diagnostics"]
    logos = [(d["file"], d["line"]) for d in found if d["file"].startswith("producteurs/")]
    assert logos == [("producteurs/dila.md", 4)]


def test_pages_are_set_on_copies_and_follow_the_catalogue(tmp_path: Path) -> None:
    """The parse kept for the next load (and the parse cache) has no ``page``: a reload whose
    catalogue changed reuses the parse of an unchanged guide and resolves it again."""
    data, _ = write_site(tmp_path)
    first = load_library(data)
    assert [a.page for a in first.guides["mix"].apis] == ["particulier", None]
    assert all(a.page is msgspec.UNSET for p in first.parsed.values() for a in p.guide.apis)
    (data / "api" / "api-particulier.md").unlink()
    second = load_library(data, previous=first)
    # every parse reused (the 3 guides' and the pages' left), none made again
    assert second.stats["reused"] == len(first.parsed) - 1 and second.stats["parsed"] == 0
    assert [a.page for a in second.guides["mix"].apis] == [None, None]
    assert [a.page for a in first.guides["mix"].apis] == ["particulier", None]  # the served one, as it was


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, server_name: str) -> Iterator[Server]:
    """The real samples in the site's layout; the guides are the real ones, with the repository's
    ccas.md (the guide of the acceptance criterion) in place of the corpus's later version."""
    if not (SITE.is_dir() and CORPUS.is_dir()):
        pytest.skip("../shared/corpus/site and ../shared/corpus/guides are not here")
    data = tmp_path_factory.mktemp("real") / "_data"
    (data / "guides").mkdir(parents=True)
    for name in ("api", "producteurs", "service"):
        (data / name).symlink_to(SITE / name)
    for guide in CORPUS.glob("*.md"):  # copied: a link that leads outside the folder is refused
        shutil.copy(SEED if guide.name == "ccas.md" else guide, data / "guides" / guide.name)
    with serve("--content", str(data), server=server_name) as server:
        yield server


def test_the_real_particulier_page_holds_the_ccas_guide_its_editors_and_producer(real: Server) -> None:
    page = checked(real, "/apis/particulier")
    assert page["title"] == "API Particulier"
    ccas = [g for g in page["guides"] if g["slug"] == "ccas"]
    assert [g["title"] for g in ccas] == ["Aides sociales"]
    assert {e["editor"] for e in page["editors"] if e["guide"] == "ccas"} == {"Up", "Arpège"}
    producer = page["producer"]
    assert (producer["name"], producer["slug"]) == ("dinum", "dinum")
    assert producer["producer"]["name"] == "Direction Interministérielle du Numérique"
    assert {"calcul-quotient-familial", "dossier-social-etudiant"} <= {s["slug"] for s in page["services"]}
    # every guide listed names the page, and every editor row listed is one of those guides'
    assert all(any(a["page"] == "particulier" for a in g["apis"]) for g in page["guides"])
    assert {e["guide"] for e in page["editors"]} <= {g["slug"] for g in page["guides"]}
    listed = {item["slug"]: item for item in checked(real, "/apis")["data"]}
    assert listed["particulier"]["guides"] == sum(g["publish"] for g in page["guides"]) > 1
    assert all(checked(real, item["path"])["slug"] == slug for slug, item in listed.items() if "path" in item)
    assert len([item for item in listed.values() if "path" in item]) == len(list((SITE / "api").glob("*.md")))
