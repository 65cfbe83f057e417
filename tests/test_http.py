"""The HTTP API over real HTTP: `content-api serve` on a free loopback port, real files, on each
server (granian over RSGI, uvicorn over ASGI: ``server_name``). The README's command, settings from
the environment, workers and the real corpus: tests/test_http_serve.py."""

from __future__ import annotations

import gzip
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest

from .conftest import write_small_library
from .server import SERVERS, Server, serve


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_small_library(tmp_path_factory.mktemp("content"))


@pytest.fixture(scope="module")
def api(content: Path, server_name: str) -> Iterator[Server]:
    with serve(
        "--content", str(content), "--site-url", "https://example.test/", server=server_name
    ) as server:
        yield server


def slugs(server: Server, path: str) -> list[str]:
    reply = server.get(path)
    assert reply.status == 200, reply.body
    return [g["slug"] for g in reply.json()["data"]]


# --- filters, search, sort, pages, fields ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["ccas", "draft", "noindex"]),  # by title, accents aside: Aides, Brouillon, Éligibilité
        ("?tag=portail-famille", ["draft", "noindex"]),
        ("?tag=portail%20famille", ["draft", "noindex"]),
        ("?tag=PORTAIL+FAMILLE", ["draft", "noindex"]),
        ("?tag=Portail-Famille&tag=entreprises", ["noindex"]),
        ("?tag=portail-famille,entreprises", ["noindex"]),
        ("?api=entreprise&api=particulier", ["draft"]),
        ("?api=api-entreprise", ["draft", "noindex"]),
        ("?publish=true", ["ccas", "noindex"]),
        ("?publish=false", ["draft"]),
        ("?noindex=true", ["noindex"]),
        ("?noindex=false&publish=true", ["ccas"]),
        ("?tag=inconnu", []),
        ("?sort=-title", ["noindex", "draft", "ccas"]),
        ("?sort=slug", ["ccas", "draft", "noindex"]),
        ("?sort=-slug", ["noindex", "draft", "ccas"]),
        ("?sort=updated", ["draft", "noindex", "ccas"]),
        ("?sort=-updated&publish=true", ["ccas", "noindex"]),
    ],
)
def test_filters_and_sorts(api: Server, query: str, expected: list[str]) -> None:
    assert slugs(api, "/guides" + query) == expected


@pytest.mark.parametrize("q", ["quotient familial", "quotient", "Quotient Familial", "QUOT"])
def test_search_finds_the_ccas_guide(api: Server, q: str) -> None:
    reply = api.get("/guides?q=" + urllib.parse.quote(q)).json()
    found = {g["slug"]: g["snippet"] for g in reply["data"]}
    assert "ccas" in found and "<mark>" in found["ccas"]
    if " " in q:  # both words: only the CCAS guide has them
        assert list(found) == ["ccas"]


def test_search_ignores_accents_and_ranks_titles_first(api: Server) -> None:
    assert slugs(api, "/guides?q=%C3%A9diteur") == slugs(api, "/guides?q=editeur")
    assert set(slugs(api, "/guides?q=editeur")) == {"ccas", "noindex", "draft"}
    assert slugs(api, "/guides?q=entreprises")[0] == "noindex"  # in its title and tags
    assert slugs(api, "/guides?q=editeur&sort=slug") == ["ccas", "draft", "noindex"]
    assert slugs(api, "/guides?q=editeur&publish=false") == ["draft"]
    assert slugs(api, "/guides?q=zzzzzz") == []


def test_lenient_values_never_fail(api: Server) -> None:
    everything = slugs(api, "/guides")
    # empty values filter nothing (a form's empty field, an OpenAPI client's null)
    for query in ("q=", "q=%20%20", "tag=", "api=", "tag=,", "fields="):
        assert slugs(api, "/guides?" + query) == everything, query
    # a value that normalizes to nothing matches nothing
    assert slugs(api, "/guides?tag=%21%21%21") == [] and slugs(api, "/guides?api=%2A") == []
    # FTS5 syntax that does not parse is searched as words; no word at all finds nothing
    assert slugs(api, "/guides?q=%22editeur") == slugs(api, "/guides?q=editeur") != []
    assert slugs(api, "/guides?q=editeur%20AND") == slugs(api, "/guides?q=editeur")
    assert slugs(api, "/guides?q=%22") == [] and slugs(api, "/guides?q=%21%3F") == []
    assert api.get("/editors?api=&guide=").json()["meta"]["total"] == 3
    # a parameter with fixed values takes none other, empty included
    assert api.get("/guides/ccas?include=").status == api.get("/guides/ccas?include=pdf").status == 400


def test_search_snippets_are_escaped(content: Path, server_name: str) -> None:
    (content.parent / "xss").mkdir(exist_ok=True)
    guide = content.parent / "xss" / "x.md"
    guide.write_text("---\ntitle: X\n---\n\n`<script>alert(1)</script>` quotient\n", encoding="utf-8")
    with serve("--content", str(guide.parent), server=server_name) as server:
        snippet = server.get("/guides?q=quotient").json()["data"][0]["snippet"]
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet and "<mark>quotient</mark>" in snippet


def test_pages(api: Server) -> None:
    first = api.get("/guides?per_page=2").json()
    assert [g["slug"] for g in first["data"]] == ["ccas", "draft"]
    assert first["meta"] == {"total": 3, "page": 1, "per_page": 2, "pages": 2}
    assert first["links"] == {"self": "/guides?per_page=2", "next": "/guides?page=2&per_page=2", "prev": None}
    second = api.get(first["links"]["next"]).json()
    assert [g["slug"] for g in second["data"]] == ["noindex"]
    assert second["links"]["prev"] == "/guides?per_page=2" and second["links"]["next"] is None
    past = api.get("/guides?page=9&per_page=2").json()
    assert (
        past["data"] == []
        and past["meta"]["page"] == 9
        and past["links"]["prev"] == "/guides?page=2&per_page=2"
    )
    assert len(api.get("/guides?per_page=100").json()["data"]) == 3


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("page=deux", "page"),
        ("publish=peut-etre", "publish"),
        ("sort=date", "sort"),
        ("fields=title,secret", "fields"),
        ("limit=5", "limit"),
    ],
)
def test_bad_parameters_are_400_problems_naming_them(api: Server, query: str, param: str) -> None:
    reply = api.get("/guides?" + query)
    assert reply.status == 400 and reply.header("content-type") == "application/problem+json"
    problem = reply.json()
    assert problem["status"] == 400 and param in [e["param"] for e in problem["errors"]]


def test_fields(api: Server) -> None:
    data = api.get("/guides?fields=title,tags&sort=slug").json()["data"]
    assert list(data[0]) == ["slug", "title", "tags"]
    assert data[0]["tags"][0] == {"slug": "cas-usage", "label": "cas usage"}
    searched = api.get("/guides?fields=title&q=quotient").json()["data"]
    assert set(searched[0]) == {"slug", "title", "snippet"}


def test_detail_renderings_related_and_robots(api: Server) -> None:
    draft = api.get("/guides/draft?include=html,text").json()
    assert [g["slug"] for g in draft["related_guides"]] == ["ccas", "noindex"]
    assert draft["related"] == ["ccas", "noindex", "fantome"]
    assert (
        draft["html"].startswith("<p>Un brouillon")
        and draft["text"] == "Un brouillon sur l'editeur de logiciel."
    )
    assert "html" not in api.get("/guides/draft").json()
    assert set(api.get("/guides/draft?include=text").json()) >= {"text"}
    assert api.get("/guides/draft?include=pdf").status == 400
    noindex = api.get("/guides/noindex")
    assert (
        noindex.header("x-robots-tag") == "noindex" and api.get("/guides/ccas").header("x-robots-tag") is None
    )
    assert api.get("/guides/CCAS").json()["slug"] == "ccas"


def test_failed_guide_is_a_404_pointing_to_diagnostics(api: Server) -> None:
    reply = api.get("/guides/broken")
    problem = reply.json()
    assert reply.status == 404 and "failed to load" in problem["detail"]
    assert problem["diagnostics"] == "/diagnostics" and "broken.md" in problem["detail"]
    unknown = api.get("/guides/nope").json()
    assert unknown["status"] == 404 and "failed" not in unknown["detail"]
    health = api.get("/health").json()
    assert health["status"] == "degraded" and health["guides"] == 3 and health["errors"] == 1
    report = api.get("/diagnostics?file=broken.md").json()
    assert [(d["file"], d["code"]) for d in report["diagnostics"]] == [("broken.md", "yaml-invalid")]
    assert api.get("/diagnostics?severity=warning").json()["diagnostics"][0]["code"] == "related-missing"
    unknown = api.get("/diagnostics?code=nothing")
    assert unknown.status == 400 and unknown.json()["errors"][0]["param"] == "code"


def test_editors_filters(api: Server) -> None:
    assert [r["editor"] for r in api.get("/editors").json()["data"]] == ["Arpège", "Up", "Zèbre"]
    assert [r["editor"] for r in api.get("/editors?api=entreprise").json()["data"]] == ["Zèbre"]
    assert [r["editor"] for r in api.get("/editors?guide=ccas&q=OPUS").json()["data"]] == ["Arpège"]
    assert [r["editor"] for r in api.get("/editors?q=zebre").json()["data"]] == ["Zèbre"]
    assert api.get("/editors?api=inconnue").json() == {"data": [], "meta": {"total": 0}}
    assert api.get("/editors?bogus=1").status == 400


def test_editors_pages(api: Server) -> None:
    first = api.get("/editors?per_page=2").json()
    assert [r["editor"] for r in first["data"]] == ["Arpège", "Up"]
    assert first["meta"] == {"total": 3, "page": 1, "per_page": 2, "pages": 2}
    second = api.get("/editors?per_page=2&page=2").json()
    assert [r["editor"] for r in second["data"]] == ["Zèbre"]
    assert api.get("/editors?api=particulier&page=2").json() == {
        "data": [],
        "meta": {"total": 2, "page": 2, "per_page": 100, "pages": 1},
    }
    for bad in ("page=0", "per_page=0", "per_page=1001", "page=x"):
        response = api.get(f"/editors?{bad}")
        assert response.status == 400, bad
        assert bad.split("=")[0] in [e["param"] for e in response.json()["errors"]]


def test_facets(api: Server) -> None:
    # Facets count the published guides: the draft's tag and APIs add nothing (its label neither).
    tags = api.get("/tags").json()["data"]
    assert tags[-1] == {"slug": "portail-famille", "label": "portail famille", "guides": 1}
    assert [t["slug"] for t in tags] == [
        "api-particulier",
        "cas-usage",
        "ccas",
        "entreprises",
        "portail-famille",
    ]
    assert {t["guides"] for t in tags} == {1}
    apis = api.get("/apis").json()["data"]
    assert apis == [
        {"slug": "entreprise", "name": "API Entreprise", "guides": 1, "editors": 1},
        {"slug": "particulier", "name": "API Particulier", "guides": 1, "editors": 2},
    ]
    # ... while /guides, drafts included by default, still finds the draft under both.
    assert api.get("/guides?tag=portail-famille").json()["meta"]["total"] == 2
    assert api.get("/guides?tag=portail-famille&publish=true").json()["meta"]["total"] == 1


def test_sitemap_and_robots(api: Server) -> None:
    sitemap = api.get("/sitemap.xml")
    assert sitemap.header("content-type") == "application/xml; charset=utf-8"
    text = sitemap.body.decode()
    assert "<loc>https://example.test/guides/ccas</loc><lastmod>" in text
    assert "noindex" not in text and "draft" not in text and "broken" not in text
    assert text.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
    )
    robots = api.get("/robots.txt")
    assert robots.header("content-type") == "text/plain; charset=utf-8"
    assert "Sitemap: https://example.test/sitemap.xml" in robots.body.decode()


# --- caching, encodings, HEAD, CORS ---------------------------------------------------------------

PATHS = [
    *(
        "/guides",
        "/guides?tag=ccas",
        "/guides/ccas",
        "/editors",
        "/editors?api=particulier",
        "/editors.csv",
        "/editors.csv?api=particulier",
        "/tags",
        "/apis",
    ),
    *("/sitemap.xml", "/robots.txt", "/health", "/diagnostics", "/diagnostics?severity=error"),
    "/schema/openapi.json",
]


@pytest.mark.parametrize("path", PATHS)
def test_etag_304_head_and_encodings(api: Server, path: str) -> None:
    plain = api.get(path)
    # /editors is also CSV, chosen by Accept (issue 16, point 6): it varies on Accept too
    vary = "Accept, Accept-Encoding" if path.split("?")[0] == "/editors" else "Accept-Encoding"
    assert plain.status == 200 and plain.header("vary") == vary
    etag = plain.header("etag")
    assert (
        etag
        and etag.startswith('"')
        and plain.header("cache-control") == ("public, max-age=60, stale-while-revalidate=300")
    )
    assert plain.header("x-content-type-options") == "nosniff"
    again = api.get(path, if_none_match=etag)
    assert again.status == 304 and again.body == b"" and again.header("etag") == etag
    assert again.header("cache-control") == plain.header("cache-control")
    assert api.get(path, if_none_match=f'"other", W/{etag}').status == 304
    assert api.get(path, if_none_match='"other"').status == 200
    head = api.request("HEAD", path)
    assert head.status == 200 and head.body == b"" and head.header("etag") == etag
    assert head.header("content-length") == str(len(plain.body))
    if len(plain.body) >= 512:
        br = api.get(path, accept_encoding="gzip, deflate, br")
        assert br.header("content-encoding") == "br" and brotli.decompress(br.body) == plain.body
        gz = api.get(path, accept_encoding="gzip")
        assert gz.header("content-encoding") == "gzip" and gzip.decompress(gz.body) == plain.body
        assert api.get(path, accept_encoding="br", if_none_match=br.header("etag") or "").status == 304
    assert api.get(path, accept_encoding="identity;q=0, deflate").status == 406


def test_prepared_responses_keep_only_br_and_give_identity_back() -> None:
    from content_api.web.prepared import IDENTITY_CACHE, Compressor, Prepared

    body = ('{"text": "' + "Le quotient familial de la CAF, " * 40 + '"}').encode()
    prepared = Prepared(body, compressor=Compressor())
    assert prepared.br is not None and brotli.decompress(prepared.br) == body
    assert prepared.etag not in IDENTITY_CACHE.items  # nothing but the br form is held
    assert prepared.body == body and IDENTITY_CACHE.items[prepared.etag] == body
    assert gzip.decompress(prepared.gzip or b"") == body
    short = Prepared(b'{"a": 1}', compressor=Compressor())
    assert short.br is None and short.body == b'{"a": 1}'


def test_etags_are_the_same_across_processes(content: Path, api: Server, server_name: str) -> None:
    """Another process, on the other server: the same ETags and bytes."""
    (elsewhere,) = (name for name in SERVERS if name != server_name)
    with serve("--content", str(content), "--site-url", "https://example.test/", server=elsewhere) as other:
        for path in ("/guides/ccas", "/guides?tag=ccas", "/tags", "/sitemap.xml"):
            assert other.get(path).header("etag") == api.get(path).header("etag")
            assert other.get(path, accept_encoding="br").body == api.get(path, accept_encoding="br").body


def test_accept_header(api: Server) -> None:
    assert api.get("/guides/ccas", accept="text/html").status == 406
    assert api.get("/guides/ccas", accept="text/html,*/*;q=0.8").status == 200
    assert api.get("/guides/ccas", accept="application/json").status == 200


def test_cors(api: Server) -> None:
    reply = api.get("/guides/ccas", origin="https://front.example")
    assert reply.header("access-control-allow-origin") == "*"
    assert "ETag" in (reply.header("access-control-expose-headers") or "")
    assert (
        api.get("/guides?tag=ccas", origin="https://front.example").header("access-control-allow-origin")
        == "*"
    )
    preflight = api.request(
        "OPTIONS",
        "/guides",
        {"Origin": "https://front.example", "Access-Control-Request-Method": "GET",
         "Access-Control-Request-Headers": "if-none-match"},
    )  # fmt: skip
    assert preflight.status == 204
    assert preflight.header("access-control-allow-methods") == "GET, HEAD, OPTIONS"
    assert preflight.header("access-control-allow-headers") == "if-none-match"


# --- errors -----------------------------------------------------------------------------------------

ENDPOINTS = [
    *("/guides", "/guides/ccas", "/editors", "/tags", "/apis"),
    *("/sitemap.xml", "/robots.txt", "/health", "/diagnostics"),
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_one_error_shape_on_every_endpoint(api: Server, path: str) -> None:
    for method, query, status in (("GET", "?unknown=1", 400), ("POST", "", 405), ("DELETE", "", 405)):
        reply = api.request(method, path + query)
        assert reply.status == status, (method, path, reply.body)
        assert reply.header("content-type") == "application/problem+json"
        problem = reply.json()
        assert set(problem) >= {"type", "title", "status", "detail"} and problem["status"] == status
        assert isinstance(problem["title"], str) and isinstance(problem["detail"], str)
        if status == 400:
            assert problem["errors"] == [{"param": "unknown", "message": problem["errors"][0]["message"]}]
        if status == 405:
            assert reply.header("allow") == "GET, HEAD, OPTIONS"
    not_found = api.get(path.rstrip("/") + "/nothing/here")
    assert not_found.status == 404 and not_found.json()["status"] == 404


SECURITY_PROBES = [
    ("GET", "/guides/ccas", {}),
    ("GET", "/guides?tag=ccas&page=1", {}),
    ("GET", "/guides/ccas", {"Accept-Encoding": "gzip"}),
    ("HEAD", "/editors", {}),
    ("GET", "/sitemap.xml", {}),
    ("GET", "/schema", {}),
    ("GET", "/schema/openapi.json", {}),
    ("GET", "/nothing", {}),
    ("GET", "/guides?unknown=1", {}),
    ("DELETE", "/guides", {}),
    ("OPTIONS", "/guides", {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}),
]


@pytest.mark.parametrize(("method", "path", "headers"), SECURITY_PROBES)
def test_security_headers_on_every_response(
    api: Server, method: str, path: str, headers: dict[str, str]
) -> None:
    reply = api.request(method, path, headers)
    assert reply.header("x-content-type-options") == "nosniff", (method, path)
    server = reply.header("server") or ""
    assert not any(ch.isdigit() for ch in server), f"the Server header leaks a version: {server}"
    if (reply.header("content-type") or "").startswith("text/html"):
        policy = reply.header("content-security-policy") or ""
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'" and directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'" and reply.header("x-frame-options") == "DENY"


def test_the_reference_page_loads_only_local_scripts(api: Server) -> None:
    page = api.get("/schema").body.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all(body.strip() == "" and 'src="/' in attrs for attrs, body in scripts)
