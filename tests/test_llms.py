"""For language models: /llms.txt (llmstxt.org) and /guides/{slug}.md, on real servers.

llms.txt: an H1, a blockquote, an H2 and a list of `- [Title](URL): tagline` links to the `.md` of
every published, indexable guide, absolute on SITE_URL. `.md`: the file's bytes as read, served
under the rules of /guides/{slug} (drafts served, noindex flagged, failed and unknown guides 404),
with ETag, 304, HEAD and compression; after a warm restart and a hot reload too; in the export.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest

from content_api.cache import FILE_NAME
from content_api.config import Settings
from content_api.web.app import create_app
from content_api.web.export import export, nginx_server
from content_api.web.loader import Loader, SnapshotHolder

from .conftest import NOINDEX, write_small_library
from .server import Server, serve
from .test_export import NGINX, nginx, python_static
from .test_reload import blake, until

SITE = "https://guides.example.org/base/"
#: Published and indexable, with Markdown in its title and a tagline on two lines: listed, escaped.
BRACKETS = (
    "---\ntitle: '[Bêta] Guide \\ test'\ntagline: |\n  Sur deux\n  lignes\npublish: true\n---\n\nTexte.\n"
)
#: Published and indexable, without a tagline; written with CRLF line ends, served as written.
PLAIN = b"---\r\ntitle: Zz dernier\r\npublish: true\r\n---\r\n\r\nTexte *sans* accroche.\r\n"
LINK = re.compile(r"^- \[((?:[^\]\\]|\\.)+)\]\((\S+)\)(?:: (.+))?$")


def write_library(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    write_small_library(folder)
    (folder / "crochets.md").write_text(BRACKETS, encoding="utf-8")
    (folder / "plain.md").write_bytes(PLAIN)
    (folder / "bom.md").write_bytes(
        b"\xef\xbb\xbf" + NOINDEX.replace("publish: true", "publish: false").encode()
    )
    return folder


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_library(tmp_path_factory.mktemp("content"))


@pytest.fixture(scope="module")
def server(content: Path, server_name: str) -> Iterator[Server]:
    with serve("--content", str(content), "--site-url", SITE, server=server_name) as running:
        yield running


def test_llms_txt_follows_the_llmstxt_format(server: Server) -> None:
    reply = server.get("/llms.txt")
    assert reply.status == 200 and reply.header("content-type") == "text/plain; charset=utf-8"
    text = reply.body.decode()
    lines = text.splitlines()
    assert lines[0] == "# guides.example.org" and lines[1] == ""
    assert lines[2].startswith("> ") and len(lines[2]) > 40 and lines[3] == ""
    assert lines[4] == "## Guides" and lines[5] == ""
    assert text.endswith("\n") and text.count("\n## ") == 1 and text.count("\n# ") == 0
    links = [LINK.match(line) for line in lines[6:]]
    assert all(links), lines[6:]
    found = [(m[1], m[2], m[3]) for m in links if m]
    ccas = server.get("/guides/ccas").json()
    # by title, accents and case aside ("[" first); taglines on one line, white space runs one space
    assert found == [
        (r"\[Bêta\] Guide \\ test", f"{SITE}guides/crochets.md", "Sur deux lignes"),
        ("Aides sociales", f"{SITE}guides/ccas.md", " ".join(ccas["tagline"].split())),
        ("Zz dernier", f"{SITE}guides/plain.md", None),
    ]


def test_llms_txt_lists_what_the_sitemap_lists(server: Server) -> None:
    """Only published, indexable guides: not the draft, not the noindex one, not the broken file."""
    text = server.get("/llms.txt").body.decode()
    sitemap = server.get("/sitemap.xml").body.decode()
    listed = re.findall(r"\]\(\S+/guides/([a-z0-9_-]+)\.md\)", text)
    assert sorted(listed) == sorted(re.findall(r"/guides/([a-z0-9_-]+)</loc>", sitemap))
    assert not {"draft", "noindex", "broken"} & set(listed)
    for slug in listed:  # every link leads to a source this server serves
        assert server.get(f"/guides/{slug}.md").status == 200


def test_llms_txt_etag_304_and_head(server: Server) -> None:
    reply = server.get("/llms.txt")
    etag = reply.header("etag")
    assert etag == blake(reply.body)
    again = server.get("/llms.txt", if_none_match=etag)
    assert again.status == 304 and again.body == b""
    head = server.request("HEAD", "/llms.txt")
    assert head.status == 200 and head.body == b"" and head.header("etag") == etag
    assert head.header("content-length") == str(len(reply.body))


@pytest.mark.parametrize("slug", ["ccas", "draft", "noindex", "crochets", "plain", "bom"])
def test_md_is_the_file_as_written(server: Server, content: Path, slug: str) -> None:
    written = (content / f"{slug}.md").read_bytes()
    reply = server.get(f"/guides/{slug}.md")
    assert reply.status == 200, reply.body[:200]
    assert reply.body == written  # front matter included, CRLF kept
    assert reply.header("content-type") == "text/markdown; charset=utf-8"
    assert reply.header("etag") == blake(written)
    # the rules of /guides/{slug}: served when it is (a draft too), X-Robots-Tag as it has
    guide = server.get(f"/guides/{slug}")
    assert guide.status == 200 and reply.header("x-robots-tag") == guide.header("x-robots-tag")
    assert guide.json()["title"] and written.startswith(b"\xef\xbb\xbf") == (slug == "bom")  # BOM kept
    assert (reply.header("x-robots-tag") == "noindex") == (slug in ("noindex", "bom"))


def test_md_conditional_head_and_compressed(server: Server, content: Path) -> None:
    written = (content / "ccas.md").read_bytes()
    etag = blake(written)
    assert server.get("/guides/ccas.md", if_none_match=etag).status == 304
    assert server.get("/guides/ccas.md", if_none_match='"other"').status == 200
    head = server.request("HEAD", "/guides/ccas.md")
    assert head.status == 200 and head.body == b"" and head.header("etag") == etag
    assert head.header("content-type") == "text/markdown; charset=utf-8"
    br = server.get("/guides/ccas.md", accept_encoding="br")
    assert br.header("content-encoding") == "br" and brotli.decompress(br.body) == written
    assert server.get("/guides/ccas.md", accept="application/json").status == 406


def test_md_of_a_guide_not_served_is_the_404_of_its_guide(server: Server) -> None:
    for slug in ("nothing", "broken"):
        source, guide = server.get(f"/guides/{slug}.md"), server.get(f"/guides/{slug}")
        assert source.status == guide.status == 404, slug
        assert source.header("content-type") == "application/problem+json"
        assert ("/diagnostics?file=broken.md" in source.json()["detail"]) == (slug == "broken")
    assert server.get("/guides/ccas.md.md").status == 404  # the source of a source: no such guide


def test_md_through_the_handler(server: Server, content: Path) -> None:
    """What the edge has not prepared goes to the guide's handler: another case, a query."""
    assert server.get("/guides/CCAS.md").body == (content / "ccas.md").read_bytes()
    assert (
        server.get("/guides/CCAS.md", if_none_match=blake((content / "ccas.md").read_bytes())).status == 304
    )
    bad = server.get("/guides/ccas.md?include=html")
    assert bad.status == 400 and "include" in bad.body.decode()


def load(folder: Path, cache: Path) -> Loader:
    loader = Loader(Settings(content_dir=str(folder), cache_dir=str(cache)), SnapshotHolder())
    loader.load()
    return loader


def test_a_warm_restart_serves_the_sources(tmp_path: Path, server_name: str) -> None:
    folder, cache = write_library(tmp_path / "content"), tmp_path / "cache"
    cold = load(folder, cache)
    assert (cache / FILE_NAME).is_file()
    warm = load(folder, cache)
    snapshot = warm.holder.snapshot
    assert snapshot is not None and snapshot.library.stats["parsed"] == 0  # all from the cache
    assert snapshot.library.sources == {}  # released once served: the responses hold them
    for slug in ("ccas", "draft", "plain"):
        source = snapshot.prepared[f"/guides/{slug}.md"]
        assert source.body == (folder / f"{slug}.md").read_bytes()
        assert cold.holder.snapshot is not None
        assert source.etag == cold.holder.snapshot.prepared[f"/guides/{slug}.md"].etag
    with serve(
        "--content", str(folder), "--cache", str(cache), server=server_name
    ) as server:  # warm, for real
        assert server.get("/guides/plain.md").body == PLAIN
        assert server.get("/llms.txt").status == 200


def test_a_reload_serves_the_new_source_and_a_broken_file_its_last_good_one(
    tmp_path: Path, server_name: str
) -> None:
    folder = write_library(tmp_path)
    with serve("--content", str(folder), "--watch", server=server_name) as server:
        edited = PLAIN.replace(b"Texte", b"Nouveau texte")
        (folder / "plain.md").write_bytes(edited)
        until(lambda: server.get("/guides/plain.md").body == edited)
        (folder / "plain.md").write_bytes(b"---\ntitle: [cass\n---\nTexte\n")
        until(lambda: "guide-stale" in server.get("/diagnostics?file=plain.md").body.decode())
        assert server.get("/guides/plain.md").body == edited  # the version /guides/plain serves
        assert "Nouveau texte" in server.get("/guides/plain?include=text").json()["text"]
        (folder / "plain.md").unlink()
        until(lambda: server.get("/guides/plain.md").status == 404)
        assert "plain.md" not in server.get("/llms.txt").body.decode()


def test_the_export_has_them_and_serves_them_as_the_api(
    content: Path, server: Server, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    urls = export(Settings(content_dir=str(content), site_url=SITE), out).urls
    sources = [url for url in urls if url.endswith(".md")]
    assert "/llms.txt" in urls and sorted(sources) == sorted(
        f"/guides/{slug}.md" for slug in ("ccas", "draft", "noindex", "crochets", "plain", "bom")
    )
    for url in sources:
        assert (out / url.lstrip("/")).read_bytes() == (content / url.rsplit("/", 1)[1]).read_bytes()
    static_server = nginx(out, tmp_path) if NGINX else python_static(out)
    with static_server as static:  # the module's server serves the same folder with the same settings
        live = server
        for url in ["/llms.txt", *sources]:
            expected, got = live.get(url), static.get(url)
            assert got.status == 200 and got.body == expected.body, url
            if NGINX:
                assert got.header("content-type") == expected.header("content-type"), url
                assert (got.header("x-robots-tag") or None) == expected.header("x-robots-tag"), url
        if NGINX:
            assert static.get("/guides/nothing.md").status == 404


def test_the_export_nginx_config_types_them(content: Path) -> None:
    """Without nginx at hand, the config still says it: types, charset, noindex of the sources."""
    snapshot = create_app(Settings(content_dir=str(content))).holder.snapshot
    assert snapshot is not None
    conf = nginx_server(snapshot, Path("/srv/export"))
    assert "location = /llms.txt { default_type text/plain; }" in conf
    assert "location ~ ^/guides/[^/]+\\.md$ { default_type text/markdown; }" in conf
    assert "text/markdown" in conf.split("charset_types", 1)[1].split(";", 1)[0]
    assert "/guides/noindex.md noindex;" in conf and "/guides/ccas.md" not in conf
