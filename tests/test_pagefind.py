"""The static export's search: a Pagefind index of /search/records' sections, and its page.

One export of a small library (the seed, the conftest guides, a hostile guide, a guide left out
of search, one more guide for the filters) is shared by the module. The index is read back from
the bundle's fragment files and compared with the catalog's records; then nginx (or Python's
http.server) serves the export to Debian's Chromium, which searches through ``pagefind.js`` and
through the page's UI.
"""

from __future__ import annotations

import functools
import gzip
import html.parser
import http.server
import json
import shutil
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from content_api import cli
from content_api.catalog import Catalog
from content_api.catalog.records import SectionRecord
from content_api.config import Settings
from content_api.library import load_library
from content_api.web.app import create_app
from content_api.web.export import export
from content_api.web.search_index import (
    BUNDLE_DIR,
    SEARCH_CSP,
    SearchIndexError,
    build_search_index,
    filter_value,
    guide_html,
)

from .browser import chromium, needs_chromium
from .conftest import CORPUS, needs_shared, write_small_library
from .server import Server
from .test_export import NGINX, nginx

SITE = "https://site.example"
HOSTILE = """---
title: <script>alert(1)</script> & <img src=x onerror=alert(2)>
tags: [portail famille, "<b>gras</b>"]
api: [API Particulier]
publish: true
---

Au guichet : `<img src=x onerror=alert(3)>` et `<script>alert(4)</script>`.

## Le `<script>alert(5)</script>` du guichet

Texte `</p><h2 id="faux">faux</h2>`.
"""
MAIRIE = """---
title: Mairie
tags: [Entreprises]
api: [API Entreprise]
publish: true
---

Le guichet unique de la mairie.

## Déjà là

Un guichet.

### Détails d'accès

Horaires du guichet.
"""
#: 750 KB: 150 sections of 5,000 characters (cut at 4,000 in the records), 50 repeated headings,
#: a title of quotes, backslashes, a right-to-left override and character references
HUGE = '---\ntitle: "Titre \\\\ \\" \' \u202e 🙂 &amp; &lt;x"\npublish: true\n---\n\nIntro.\n\n' + "".join(
    f"## {'Même' if i % 3 == 0 else f'Partie {i}'}\n\n{'mot ' * 1250}\n\n" for i in range(150)
)
HIDDEN = "---\ntitle: Hors recherche\npublish: true\nsearch: false\n---\n\nLe guichet caché.\n"


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_small_library(tmp_path_factory.mktemp("content"))
    for name, text in (("hostile", HOSTILE), ("mairie", MAIRIE), ("hidden", HIDDEN), ("enorme", HUGE)):
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def exported(content: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "site"
    result = export(Settings(content_dir=str(content), site_url=SITE), out)
    assert result.search is not None and result.search.pages == 4  # ccas, enorme, hostile, mairie
    return out


def records_of(content: Path) -> dict[str, list[SectionRecord]]:
    """The catalog's section records (what /search/records serves), by guide."""
    by_guide: dict[str, list[SectionRecord]] = {}
    for record in Catalog.from_library(load_library(content)).records(SITE):
        by_guide.setdefault(record.url_without_anchor.rsplit("/", 1)[1], []).append(record)
    return by_guide


def fragments(out: Path) -> dict[str, dict[str, Any]]:
    """The index's pages, read from the bundle's fragment files, by URL."""
    pages = {}
    for path in (out / BUNDLE_DIR / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        page = json.loads(data[len(b"pagefind_dcd") :])
        pages[page["url"]] = page
    return pages


def test_the_index_holds_the_records(content: Path, exported: Path) -> None:
    records, pages = records_of(content), fragments(exported)
    catalog = Catalog.from_library(load_library(content))
    labels = {facet.slug: facet.label for facet in catalog.tags()}
    names = {facet.slug: facet.name for facet in catalog.apis()}
    assert (
        sorted(pages)
        == sorted(f"/guides/{slug}" for slug in records)
        == [
            "/guides/ccas",
            "/guides/enorme",
            "/guides/hostile",
            "/guides/mairie",
        ]
    )  # not the noindex guide, the draft, the broken one nor the one with search: false
    for slug, sections in records.items():
        page = pages[f"/guides/{slug}"]
        assert [a["id"] for a in page["anchors"]] == [r.anchor for r in sections if r.anchor is not None]
        assert [a["element"] for a in page["anchors"]] == [f"h{r.type[-1]}" for r in sections[1:]]
        assert page["meta"]["title"] == sections[0].hierarchy.lvl1
        assert sorted(page["filters"].get("tag", [])) == sorted(
            filter_value(labels[t.slug]) for t in sections[0].tags
        )
        assert sorted(page["filters"].get("api", [])) == sorted(names[api] for api in sections[0].apis)
    assert pages["/guides/mairie"]["filters"] == {"tag": ["Entreprises"], "api": ["API Entreprise"]}
    assert [a["id"] for a in pages["/guides/mairie"]["anchors"]] == ["deja-la", "details-d'acces"]
    assert "Horaires du guichet" in pages["/guides/mairie"]["content"]
    huge = pages["/guides/enorme"]
    assert (
        huge["meta"]["title"] == records["enorme"][0].hierarchy.lvl1 == "Titre \\ \" ' \u202e 🙂 &amp; &lt;x"
    )
    assert len(huge["anchors"]) == 150 and huge["anchors"][3]["id"] == "meme-1"


class Elements(html.parser.HTMLParser):
    """The elements of an HTML document (as a browser's parser reads them), and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data


def test_guide_text_is_text_never_markup(content: Path, exported: Path) -> None:
    sections = records_of(content)["hostile"]
    document = Elements()
    document.feed(guide_html(sections, {}, {}))
    assert {tag for tag, _ in document.tags} == {
        "html",
        "head",
        "meta",
        "title",
        "body",
        "main",
        "h1",
        "div",
        "span",
        "p",
        "h2",
    }
    assert [attrs for tag, attrs in document.tags if tag == "h2"] == [{"id": sections[1].anchor}]
    assert "<script>alert(1)</script> & <img src=x onerror=alert(2)>" in document.text
    assert '</p><h2 id="faux">faux</h2>' in document.text
    page = fragments(exported)["/guides/hostile"]
    assert page["meta"]["title"] == "<script>alert(1)</script> & <img src=x onerror=alert(2)>"
    assert [a["id"] for a in page["anchors"]] == [sections[1].anchor]
    assert "<script>alert(5)</script>" in sections[1].anchor  # type: ignore[operator]
    assert "&lt;b&gt;gras&lt;/b&gt;" in page["filters"]["tag"]  # HTML text, as Pagefind's UI takes it
    assert "<img src=x onerror=alert(3)>" in page["content"]


@pytest.fixture(scope="module")
def empty_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = tmp_path_factory.mktemp("empty")
    out = tmp_path_factory.mktemp("empty-export") / "site"
    result = export(Settings(content_dir=str(content)), out)
    assert result.search is not None and result.search.pages == 0
    return out


def test_an_empty_folder_gives_an_empty_index(empty_export: Path) -> None:
    bundle = empty_export / BUNDLE_DIR
    assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-ui.js").is_file()
    assert (empty_export / "search" / "index.html").is_file() and fragments(empty_export) == {}


def test_no_search_and_a_missing_binary(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert cli.main(["export", str(out), "--content", str(content), "--no-search"]) == 0
    assert not (out / "search" / "index.html").exists() and not (out / BUNDLE_DIR).exists()
    assert "/search/" not in (out / "nginx.conf").read_text().replace("/search/records", "")
    before = sorted(str(path) for path in out.rglob("*"))
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    with pytest.raises(SearchIndexError, match="Pagefind's binary is missing"):
        export(Settings(content_dir=str(content)), tmp_path / "other")
    assert not (tmp_path / "other").exists()
    assert cli.main(["export", str(out), "--content", str(content)]) == 1
    error = capsys.readouterr().err
    assert "the previous export is left as it was" in error and "--no-search" in error
    assert sorted(str(path) for path in out.rglob("*")) == before


@needs_shared
def test_the_corpus_index_equals_its_records(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CORPUS, content)
    snapshot = create_app(Settings(content_dir=str(content), site_url=SITE)).holder.snapshot
    assert snapshot is not None
    build_search_index(snapshot.catalog, snapshot.record_json, tmp_path / "out")  # the export's step
    records, pages = records_of(content), fragments(tmp_path / "out")
    assert len(records) > 20 and sorted(pages) == sorted(f"/guides/{slug}" for slug in records)
    for slug, sections in records.items():
        anchors = [a["id"] for a in pages[f"/guides/{slug}"]["anchors"]]
        assert anchors == [r.anchor for r in sections if r.anchor is not None], slug


class _Files(http.server.SimpleHTTPRequestHandler):
    """The export's search files, where nginx is not installed."""

    extensions_map = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}  # noqa: RUF012

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def static(out: Path, tmp: Path) -> Iterator[Server]:
    if NGINX:
        with nginx(out, tmp) as server:
            yield server
        return
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Files, directory=str(out)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield Server(httpd.server_address[1], None)  # type: ignore[arg-type]
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.skipif(not NGINX, reason="nginx is not installed")
def test_nginx_serves_the_search(exported: Path, tmp_path: Path) -> None:
    with static(exported, tmp_path) as server:
        moved = server.get("/search")
        assert moved.status == 301 and moved.header("location") == "/search/"
        page = server.get("/search/")
        assert page.status == 200 and page.header("content-type") == "text/html; charset=utf-8"
        assert page.header("content-security-policy") == SEARCH_CSP and "'wasm-unsafe-eval'" in SEARCH_CSP
        assert page.header("x-content-type-options") == "nosniff" and page.header("cache-control")
        assert page.body == (exported / "search" / "index.html").read_bytes()
        meta = next((exported / BUNDLE_DIR).glob("*.pf_meta")).name
        types = {
            f"/{BUNDLE_DIR}/{meta}": "application/octet-stream",
            f"/{BUNDLE_DIR}/wasm.fr.pagefind": "application/octet-stream",
            f"/{BUNDLE_DIR}/pagefind.js": "text/javascript; charset=utf-8",
            f"/{BUNDLE_DIR}/pagefind-ui.css": "text/css; charset=utf-8",
            f"/{BUNDLE_DIR}/pagefind-entry.json": "application/json; charset=utf-8",
        }
        for url, kind in types.items():
            reply = server.get(url)
            assert (reply.status, reply.header("content-type")) == (200, kind), url
        records = server.get("/search/records")  # the JSON route still wins over /search/
        assert records.status == 200 and records.header("content-type") == "application/json"
        assert records.body == (exported / "search" / "records.q" / "_").read_bytes()
        assert server.get("/search/nothing").status == 404


SEARCH_JS = """async ([word, tag]) => {
  const pagefind = await import('/search/pagefind/pagefind.js');
  await pagefind.options({baseUrl: '/'});  // else its URLs are under the bundle's parent, /search/
  const found = await pagefind.search(word);
  const results = await Promise.all(found.results.map((r) => r.data()));
  const narrowed = await pagefind.search(word, {filters: {tag: tag}});
  return {
    results: results.map((r) => ({url: r.url, title: r.meta.title, subs: r.sub_results.map((s) => s.url)})),
    filters: await pagefind.filters(),
    narrowed: await Promise.all(narrowed.results.map(async (r) => (await r.data()).url)),
  };
}"""


def _outside(requests: list[str]) -> list[str]:
    return [url for url in requests if urllib.parse.urlsplit(url).hostname != "127.0.0.1"]


@needs_chromium
def test_searching_in_chromium(content: Path, exported: Path, empty_export: Path, tmp_path: Path) -> None:
    expect = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed").expect
    records = records_of(content)
    with static(exported, tmp_path) as server, chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on(
            "console",
            lambda m: errors.append(f"{m.text} {m.location}") if m.type in ("error", "warning") else None,
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
        page.on("request", lambda request: requests.append(request.url))
        page.on(
            "response",
            lambda reply: errors.append(f"{reply.status} {reply.url}") if reply.status >= 400 else None,
        )
        base = f"http://127.0.0.1:{server.port}"
        page.goto(f"{base}/search/", wait_until="networkidle")

        found = page.evaluate(SEARCH_JS, ["guichet", "Entreprises"])
        by_url = {result["url"]: result for result in found["results"]}
        assert sorted(by_url) == ["/guides/hostile", "/guides/mairie"]
        for slug in ("hostile", "mairie"):
            subs = by_url[f"/guides/{slug}"]["subs"]
            anchors = {urllib.parse.unquote(url.partition("#")[2]) for url in subs if "#" in url}
            assert anchors and anchors <= {r.anchor for r in records[slug]}, json.dumps(found)
            assert all(url.startswith(f"/guides/{slug}") for url in subs)
        assert by_url["/guides/hostile"]["title"].startswith("<script>")
        counts = Counter(label for s in records.values() for label in [t.label for t in s[0].tags])
        assert found["filters"]["tag"]["Entreprises"] == counts["Entreprises"] == 1
        assert found["filters"]["api"] == {"API Particulier": 2, "API Entreprise": 1}
        assert found["narrowed"] == ["/guides/mairie"]

        page.fill(".pagefind-ui__search-input", "guichet")
        expect(page.locator(".pagefind-ui__result")).to_have_count(2)
        links = page.locator(".pagefind-ui__result-link")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert f"{SITE}/guides/mairie" in hrefs and f"{SITE}/guides/hostile" in hrefs
        assert any(href and href.startswith(f"{SITE}/guides/mairie#") for href in hrefs)
        assert page.locator(".pagefind-ui__results img, .pagefind-ui__results script").count() == 0
        assert "<b>gras</b> (1)" in page.locator(".pagefind-ui__filter-label").all_inner_texts()
        assert page.locator(".pagefind-ui__filter-panel b").count() == 0
        subtitles = page.locator(".pagefind-ui__result-nested .pagefind-ui__result-title").all_inner_texts()
        assert "Le <script>alert(5)</script> du guichet" in subtitles
        titles = page.locator(".pagefind-ui__result-title").all_inner_texts()
        assert any("<script>alert(1)</script>" in title for title in titles)
        page.locator(".pagefind-ui__filter-label", has_text="Entreprises").click()
        expect(page.locator(".pagefind-ui__result")).to_have_count(1)
        assert (
            page.locator(".pagefind-ui__result-link").first.get_attribute("href") == f"{SITE}/guides/mairie"
        )
        page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
        assert errors == [] and _outside(requests) == []
        page.close()
        _an_empty_index_loads(browser, empty_export, tmp_path / "empty", expect)


def _an_empty_index_loads(browser: Any, out: Path, tmp: Path, expect: Any) -> None:
    """The search page of an export without guides loads and says there is nothing to search
    (pagefind.js refuses a bundle without any language index: "No language indexes found")."""
    tmp.mkdir()
    with static(out, tmp) as server:
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"http://127.0.0.1:{server.port}/search/", wait_until="networkidle")
        expect(page.locator("#search")).to_have_text("Aucun guide n'est encore indexé.")
        assert page.locator(".pagefind-ui__search-input").count() == 0 and errors == []
        page.close()
