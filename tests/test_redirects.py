"""Redirects (issue 16, point 4): ``redirect_from`` (old slugs answer 301 to the page) and a guide's
``redirect_to`` (it moved: 301 there, and out of every list); collisions, chains and loops are
errors at the key or entry, and only that redirect is left out. The library's table, one real
server (a site-layout folder, so an API page's old slug too), and the static export under nginx."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from content_api import load_library, parse_guide
from content_api.config import Settings
from content_api.located import Located
from content_api.redirects import location
from content_api.web.export import export

from .conftest import write
from .server import Server, serve
from .test_export import NGINX, nginx

NEW = """---
title: Nouveau guide
tags: [accueil]
api: [API Particulier]
publish: true
redirect_from: [ancien, Ancien-Deux.md]
---
Texte du nouveau guide.

| Éditeur | Solution |
|---|---|
| Acme Reste | Logiciel |
"""

MOVED = """---
title: Guide déménagé
tags: [demenage]
api: [API Déménagée]
publish: true
redirect_to: https://example.org/ailleurs?de=api
---
## Éditeurs

| Éditeur | Solution |
|---|---|
| Acme Déménage | Logiciel |
"""

LATER = "---\ntitle: Guide qui partira\npublish: true\n---\nEncore ici.\n"
LOOP = "---\ntitle: Boucle\nredirect_to: /guides/boucle\n---\nx\n"
API = "---\ntitle: API Particulier\nredirect_from:\n  - ancienne-api\n---\nCorps.\n"


def guide(title: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\n{extra}---\nTexte.\n"


def codes(folder: Path) -> dict[tuple[str, int, int], str]:
    """(file name, line, column) -> code of every redirect diagnostic of the folder's load."""
    return {
        (Path(d.file or "").name, d.line, d.column): d.code
        for d in load_library(folder).diagnostics
        if d.code.startswith("redirect")
    }


# --- the front matter ----------------------------------------------------------------------------


def test_redirect_from_is_read_as_slugs_at_their_places() -> None:
    entries = ["Old-Slug", "old.md", "'mon guide'", "/guides/x", "[a]"]
    text = "---\ntitle: T\nredirect_from:\n" + "".join(f"  - {e}\n" for e in entries) + "---\n"
    found = parse_guide(text, "t.md")
    assert found.redirect_from == [Located("old-slug", 4, 5), Located("old", 5, 5)]
    problems = [(d.code, d.severity, d.line, d.column) for d in found.diagnostics]
    assert ("redirect-from-invalid", "warning", 6, 5) in problems
    assert ("redirect-from-invalid", "warning", 7, 5) in problems
    assert ("redirect-from-invalid", "warning", 8, 5) in problems
    assert "'x'?" in next(d.message for d in found.diagnostics if d.line == 7)
    assert found.ok  # a bad entry is a warning: the guide is served
    assert parse_guide("---\ntitle: T\nredirect_from: seul\n---\n").redirect_from == [Located("seul", 3, 16)]
    assert "redirect_from" not in parse_guide(text).extra


@pytest.mark.parametrize(
    "target",
    ["javascript:alert(1)", "JaVaScRiPt&colon;alert(1)", "data:text/html,<script>", "//evil.example/x",
     "/\\evil.example", "ftp://example.org/", "relatif/chemin", "https://", "https://a b.org/", "[]"],
)  # fmt: skip
def test_an_unsafe_or_unusable_redirect_to_is_an_error_at_its_place(target: str) -> None:
    found = parse_guide(f"---\ntitle: T\nredirect_to: '{target}'\n---\n", "t.md")
    assert found.redirect_to is None
    assert [(d.code, d.severity, d.line, d.column) for d in found.diagnostics] == [
        ("redirect-to-invalid", "error", 3, 14)
    ]
    assert not found.ok


def test_redirect_to_keeps_urls_and_paths_percent_encoding_the_rest() -> None:
    def target(written: str) -> str | None:
        found = parse_guide(f"---\ntitle: T\nredirect_to: {written}\n---\n").redirect_to
        return found.value if found else None

    assert target("https://example.org/a?b=1#c") == "https://example.org/a?b=1#c"
    assert target("/guides/nouveau") == "/guides/nouveau"
    assert target("'https://exemple.fr/déménagé\"$'") == "https://exemple.fr/d%C3%A9m%C3%A9nag%C3%A9%22%24"


def test_location_keeps_the_query_before_the_fragment() -> None:
    assert location("/guides/new", "") == "/guides/new"
    assert location("/guides/new", "x=1") == "/guides/new?x=1"
    assert location("https://e.org/a?b=1#c", "x=1") == "https://e.org/a?b=1&x=1#c"


# --- the table of a load, and what collides --------------------------------------------------------


def test_collisions_chains_and_loops_are_errors_where_written(tmp_path: Path) -> None:
    write(tmp_path, "new.md", guide("New", "redirect_from: [old, taken, new, shared, moved, broken]\n"))
    write(tmp_path, "broken.md", "---\ntagline: no title\n---\n")
    write(tmp_path, "taken.md", guide("Taken") + "[Ancien](/guides/old), [parti](/guides/moved#x).\n")
    write(tmp_path, "zzz.md", guide("Second claimant", "redirect_from:\n  - shared\n"))
    write(tmp_path, "moved.md", guide("Moved", "redirect_to: https://example.org/\nredirect_from: [older]\n"))
    write(tmp_path, "self.md", guide("Self", "redirect_to: /guides/self.md\n"))
    write(tmp_path, "a.md", guide("A", "redirect_to: /guides/b\n"))
    write(tmp_path, "b.md", guide("B", "redirect_to: https://api.gouv.fr/guides/a\n"))
    write(tmp_path, "chain.md", guide("Chain", "redirect_to: /guides/old?x=1\n"))
    write(tmp_path, "nowhere.md", guide("Nowhere", "redirect_to: /guides/fantome\n"))
    library = load_library(tmp_path, site_url="https://api.gouv.fr")
    found = {
        (Path(d.file or "").name, d.line, d.column): d.code
        for d in library.diagnostics
        if d.code.startswith("redirect")
    }
    assert found == {
        ("new.md", 3, 22): "redirect-collision",  # taken: a served guide
        ("new.md", 3, 29): "redirect-collision",  # new: its own slug
        ("new.md", 3, 42): "redirect-collision",  # moved: a moved guide's path
        ("new.md", 3, 49): "redirect-collision",  # broken: a guide that failed to load
        ("zzz.md", 4, 5): "redirect-collision",  # shared: new.md (first by path) keeps it
        ("moved.md", 4, 17): "redirect-chain",  # older -> moved -> away
        ("self.md", 3, 14): "redirect-loop",
        ("a.md", 3, 14): "redirect-loop",  # a -> b -> a (b's URL is this site's)
        ("b.md", 3, 14): "redirect-loop",
        ("chain.md", 3, 14): "redirect-chain",  # -> /guides/old -> /guides/new
        ("nowhere.md", 3, 14): "redirect-target-missing",
    }
    assert library.redirects == {
        "/guides/old": "/guides/new",
        "/guides/old.md": "/guides/new.md",
        "/guides/shared": "/guides/new",
        "/guides/shared.md": "/guides/new.md",
        "/guides/moved": "https://example.org/",
        "/guides/moved.md": "https://example.org/",
        "/guides/nowhere": "/guides/fantome",
        "/guides/nowhere.md": "/guides/fantome",
    }
    assert sorted(library.guides) == ["new", "taken", "zzz"]  # everything else keeps working
    assert {"self", "a", "b", "chain"} <= set(library.failed)  # refused: a 404 that says why
    assert "moved" not in library.failed
    links = [d.message for d in library.diagnostics if d.code == "link-guide-missing"]
    assert len(links) == 2
    assert "redirige vers « /guides/new »" in links[0] and "« https://example.org/ »" in links[1]


def test_pages_of_the_graph_redirect_their_old_slugs(tmp_path: Path) -> None:
    write(tmp_path / "guides", "g.md", guide("G", "redirect_from: [vieux-g]\n"))
    write(tmp_path / "api", "particulier.md", API)
    write(
        tmp_path / "api",
        "autre.md",
        "---\ntitle: API Autre\nredirect_from: [ancienne-api, particulier, dila-api-legifrance]\n---\n",
    )
    legifrance = "---\ntitle: API Légifrance\nredirect_from: dila-api-legifrance\n---\n"
    write(tmp_path / "api", "DILA_api_Legifrance.md", legifrance)
    write(tmp_path / "producteurs", "dinum.md", "---\nname: DINUM\nredirect_from: etalab\n---\n")
    write(tmp_path / "service", "mon-service.md", "---\ntitle: S\nredirect_from: [Ancien Service]\n---\n")
    library = load_library(tmp_path)
    assert library.graph is not None and library.graph.apis["particulier"].redirect_from == [
        Located("ancienne-api", 4, 5)
    ]
    assert library.redirects == {
        "/guides/vieux-g": "/guides/g",
        "/guides/vieux-g.md": "/guides/g.md",
        "/apis/ancienne-api": "/apis/autre",  # api/autre.md sorts first: it keeps the old slug
        "/apis/dila-api-legifrance": "/apis/legifrance",  # its own alias (the file name)
        "/producers/etalab": "/producers/dinum",
    }
    found = {(Path(d.file or "").name, d.line, d.column): d.code for d in library.diagnostics}
    assert found[("particulier.md", 4, 5)] == "redirect-collision"  # the second claimant
    assert found[("autre.md", 3, 31)] == "redirect-collision"  # particulier: a served API page
    assert found[("autre.md", 3, 44)] == "redirect-collision"  # another page's alias
    assert ("autre.md", 3, 17) not in found
    assert found[("mon-service.md", 3, 17)] == "redirect-from-invalid"


# --- a real server ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    for name, text in (("nouveau", NEW), ("moved", MOVED), ("later", LATER), ("boucle", LOOP)):
        write(folder / "guides", f"{name}.md", text)
    write(folder / "api", "particulier.md", API)
    return folder


@pytest.fixture(scope="module")
def server(site: Path, server_name: str) -> Iterator[Server]:
    with serve(
        "--content",
        str(site),
        "--watch",
        "--watch-interval",
        "1",
        env={"CACHE_MAX_AGE": "60"},
        server=server_name,
    ) as running:
        yield running


def test_old_slugs_answer_301_to_the_new_path(server: Server) -> None:
    reply = server.get("/guides/ancien", Origin="https://front.example")
    assert reply.status == 301
    assert reply.header("location") == "/guides/nouveau"
    assert reply.json() == {"status": 301, "title": "Moved Permanently", "location": "/guides/nouveau"}
    assert reply.header("cache-control") == "public, max-age=60, stale-while-revalidate=300"
    assert reply.header("access-control-allow-origin") == "*"
    assert server.get("/guides/ancien-deux").header("location") == "/guides/nouveau"
    assert server.get("/guides/ancien.md").header("location") == "/guides/nouveau.md"
    assert server.get("/guides/Ancien").header("location") == "/guides/nouveau"
    assert server.get("/guides/ancien?include=html&x=%C3%A9").header("location") == (
        "/guides/nouveau?include=html&x=%C3%A9"
    )
    head = server.request("HEAD", "/guides/ancien")
    assert (head.status, head.header("location"), head.body) == (301, "/guides/nouveau", b"")
    assert server.get(reply.header("location") or "").status == 200
    assert server.get("/apis/ancienne-api").header("location") == "/apis/particulier"
    paths = server.get("/schema/openapi.json").json()["paths"]
    assert "Location" in paths["/guides/{slug}"]["get"]["responses"]["301"]["headers"]


def test_a_moved_guide_answers_301_away_and_leaves_every_list(server: Server) -> None:
    reply = server.get("/guides/moved?utm=x")
    assert (reply.status, reply.header("location")) == (301, "https://example.org/ailleurs?de=api&utm=x")
    assert server.get("/guides/moved.md").header("location") == "https://example.org/ailleurs?de=api"
    assert server.get("/guides/nouveau").status == 200
    assert "moved" not in [g["slug"] for g in server.get("/guides?per_page=100").json()["data"]]
    assert "demenage" not in [t["slug"] for t in server.get("/tags").json()["data"]]
    assert "demenagee" not in [a["slug"] for a in server.get("/apis").json()["data"]]
    assert "particulier" in [a["slug"] for a in server.get("/apis").json()["data"]]
    for path in ("/sitemap.xml", "/search/records", "/llms.txt", "/editors", "/changes"):
        body = server.get(path).body.decode()
        assert "nouveau" in body, path  # the other guide is there
        assert "moved" not in body and "déménagé" not in body and "Déménage" not in body, path
    boucle = server.get("/guides/boucle")  # its redirect is refused: a 404 that points at why
    assert boucle.status == 404 and "/diagnostics" in boucle.json()["detail"]


def test_a_guide_that_moves_on_reload_is_a_deletion_in_the_feed(server: Server, site: Path) -> None:
    cursor = server.get("/changes").json()["cursor"]
    write(
        site / "guides",
        "later.md",
        LATER.replace("publish: true\n", "publish: true\nredirect_to: /guides/nouveau\n"),
    )
    try:
        deadline = time.monotonic() + 20
        while server.get("/guides/later").status != 301 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.get("/guides/later").header("location") == "/guides/nouveau"
        changes = server.get(f"/changes?since={cursor}").json()["changes"]
        assert {"slug": "later", "change": "deleted", "etag": None, "updated": None} in changes
    finally:  # the site as it was, for the next server's tests
        write(site / "guides", "later.md", LATER)


# --- the static export -------------------------------------------------------------------------


def test_the_export_answers_the_redirects_from_nginx(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export(Settings(content_dir=str(site)), out, search=False)
    conf = (out / "nginx.conf").read_text()
    assert 'location = /guides/ancien { return 301 "/guides/nouveau$is_args$args"; }' in conf
    assert "location = /apis/ancienne-api" in conf
    if NGINX is None:
        pytest.skip("nginx is not installed: the configuration was checked, not run")
    with nginx(out, tmp_path) as static:
        reply = static.get("/guides/ancien?x=1")
        assert (reply.status, reply.header("location")) == (301, "/guides/nouveau?x=1")
        assert static.get("/guides/ancien.md").header("location") == "/guides/nouveau.md"
        assert static.get("/guides/moved").header("location") == "https://example.org/ailleurs?de=api"
        moved = static.get("/guides/moved?utm=x")
        assert moved.header("location") == "https://example.org/ailleurs?de=api&utm=x"
        assert moved.header("access-control-allow-origin") == "*"
        assert static.get("/guides/nouveau").status == 200
