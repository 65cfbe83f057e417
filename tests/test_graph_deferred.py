"""A server's first load serves the guides before the pages' Markdown is parsed (issue 16's load
target): a deferred load reads the API pages', producers' and services' front matter only, a
second load parses their Markdown, and nothing a client sees of the guides, the lists or the
change feed differs between the two; the pages' details answer 503 until the second ends, and a
warm restart whose cache holds the pages needs no second load."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from content_api import load_library
from content_api.cache import ParseCache
from content_api.config import Settings
from content_api.graph.kinds import ApiPage
from content_api.web.loader import Loader, SnapshotHolder
from content_api.web.routes import PREPARERS
from content_api.web.snapshot import Snapshot, build_snapshot

from .conftest import write
from .server import Server, serve
from .site import ORPHAN, PARTICULIER, write_site

#: The fields of an API page that hold Markdown (None in a deferred parse).
MARKDOWN = (
    "rate_limiting_description",
    "stats_detail_description",
    "monitoring_description",
    "content_intro",
)
DETAILS = ("/apis/", "/producers/", "/services/")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    data, _ = write_site(tmp_path)
    return data


def page_without_markdown(page: ApiPage) -> dict[str, Any]:
    """What a deferred parse of ``page`` must equal: its front matter, no Markdown, no diagnostic."""
    value = msgspec.to_builtins(page)
    for key in (*MARKDOWN, "body", "diagnostics"):
        value.pop(key, None)
    value["access_page"] = [{**rule, "description": None} for rule in value.get("access_page", [])]
    return value


def test_a_deferred_load_reads_the_front_matter_of_the_pages_only(site: Path) -> None:
    deferred, whole = load_library(site, defer_pages=True), load_library(site)
    assert deferred.graph is not None and whole.graph is not None
    assert deferred.graph.pending and not whole.graph.pending
    assert (
        sorted(deferred.graph.apis) == sorted(whole.graph.apis) == ["legifrance", "orpheline", "particulier"]
    )
    for slug, page in deferred.graph.apis.items():
        assert page.body is None and all(getattr(page, key) is None for key in MARKDOWN)
        expected = page_without_markdown(whole.graph.apis[slug])
        assert {k: v for k, v in page_without_markdown(page).items() if k in expected} == expected
    particulier = whole.graph.apis["particulier"]
    assert particulier.body is not None and particulier.content_intro is not None
    assert particulier.access_page[0].description is not None
    # the guides (their apis[].page), the references, the content hash: the same
    assert msgspec.json.encode(deferred.guides) == msgspec.json.encode(whole.guides)
    assert msgspec.json.encode(deferred.graph.guide_apis) == msgspec.json.encode(whole.graph.guide_apis)
    assert deferred.content_hash == whole.content_hash
    # the diagnostics of the front matter are there; the Markdown's come with the second load
    assert set(deferred.diagnostics) <= set(whole.diagnostics)
    # a deferred parse is never kept for the next load (nor for the parse cache)
    assert [p for p in deferred.parsed.values() if p.page is not None] == []
    assert len([p for p in whole.parsed.values() if p.page is not None]) == 7


def test_a_markdown_value_of_the_wrong_type_warns_in_a_deferred_load_too(site: Path) -> None:
    start = PARTICULIER.index("content_intro: |")
    intro = PARTICULIER[start : PARTICULIER.index("\n", PARTICULIER.index("\n", start) + 1) + 1]
    assert intro in PARTICULIER
    write(site / "api", "api-particulier.md", PARTICULIER.replace(intro, "content_intro: [a, b]\n"))
    deferred, whole = load_library(site, defer_pages=True), load_library(site)

    def typed(library: Any) -> list[tuple[int, int, str]]:
        return [(d.line, d.column, d.message) for d in library.diagnostics if d.code == "front-matter-type"]

    assert typed(deferred) == typed(whole) != []
    assert "content_intro" in typed(whole)[0][2]


def test_the_load_after_a_deferred_one_parses_the_pages_and_nothing_else(site: Path) -> None:
    write(site / "api", "api-orpheline.md", ORPHAN + "Un [lien](javascript:alert(1)).\n")
    deferred = load_library(site, defer_pages=True)
    completed, whole = load_library(site, previous=deferred), load_library(site)
    assert completed.graph is not None and whole.graph is not None and not completed.graph.pending
    assert completed.stats == {"parsed": 7, "reused": 3}  # the 7 pages; the 3 guides are reused
    for kind in ("apis", "producers", "services", "guide_apis"):
        assert msgspec.json.encode(getattr(completed.graph, kind)) == msgspec.json.encode(
            getattr(whole.graph, kind)
        )
    assert completed.diagnostics == whole.diagnostics
    markdown = [(Path(d.file or "").name, d.line) for d in set(whole.diagnostics) - set(deferred.diagnostics)]
    assert markdown == [("api-orpheline.md", 6)]  # what the body's Markdown says


def prepared(snapshot: Snapshot) -> dict[str, str]:
    """Path -> ETag of every response prepared at load, but the operators' (they say when)."""
    return {path: p.etag for path, p in snapshot.prepared.items() if path not in ("/health", "/diagnostics")}


def test_the_snapshots_before_and_after_differ_only_by_the_pages_details(site: Path) -> None:
    settings = Settings(content_dir=str(site))
    deferred = load_library(site, defer_pages=True, lean=True)
    before = build_snapshot(deferred, settings, PREPARERS)
    after = build_snapshot(load_library(site, previous=deferred, lean=True), settings, PREPARERS)
    details = {path for path in prepared(after) if path.startswith(DETAILS)}
    assert {"/apis/particulier", "/producers/dinum", "/services/lyon"} <= details
    assert prepared(before) == {path: etag for path, etag in prepared(after).items() if path not in details}
    assert "/apis" in prepared(before) and "/guides/ccas" in prepared(before)
    assert before.history is not None and after.history is not None
    assert before.history.cursor == after.history.cursor
    assert json.loads(before.prepared["/health"].body)["pages"] == "loading"
    assert json.loads(after.prepared["/health"].body)["pages"] == "ready"


def test_the_loader_saves_the_parse_cache_once_the_pages_are_whole(site: Path, tmp_path: Path) -> None:
    settings = Settings(content_dir=str(site), cache_dir=str(tmp_path / "cache"))
    loader = Loader(settings, SnapshotHolder())
    loader.load(defer_pages=True)
    assert ParseCache(settings.cache_dir or "").load().guides == {}  # not the deferred parses
    first = loader.history
    loader._complete()
    snapshot = loader.holder.snapshot
    assert snapshot is not None and snapshot.site is not None and not snapshot.site.graph.pending
    assert loader.history is first  # the change feed did not move: nothing changed
    warm = Loader(settings, SnapshotHolder())
    library = warm.load(defer_pages=True).library
    assert library.graph is not None and not library.graph.pending  # the cache holds the pages whole
    assert library.stats == {"parsed": 0, "reused": 10}


# --- over HTTP: the window between the two loads ---------------------------------------------------


def many_pages(site: Path, count: int) -> None:
    """``count`` more API pages with Markdown enough that parsing it takes a few seconds."""
    markdown = "\n\n".join(
        f"## Partie {n}\n\nUn **texte** avec un [lien](https://exemple.gouv.fr/{n})." for n in range(60)
    )
    for number in range(count):
        text = PARTICULIER.replace("title: API Particulier", f"title: API Numéro {number}")
        write(site / "api", f"api-numero-{number}.md", text + "\n" + markdown + "\n")


def watch_the_second_load(server: Server) -> list[dict[str, Any]]:
    """From the moment /ready is 200 until /health says the pages are ready: what each poll saw."""
    deadline, seen = time.monotonic() + 120, []
    while server.get("/ready").status != 200:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    while time.monotonic() < deadline:
        health = server.get("/health").json()
        detail, alias = server.get("/apis/particulier"), server.get("/apis/api-particulier")
        seen.append(
            {
                "pages": health["pages"],
                "detail": (detail.status, detail.headers.get("retry-after")),
                "alias": alias.status,
                "unknown": server.get("/apis/nulle-part").status,
                "apis": server.get("/apis").body,
                "guide": server.get("/guides/ccas").headers["etag"],
                "cursor": server.get("/changes").json()["cursor"],
            }
        )
        if health["pages"] == "ready":
            return seen
    raise AssertionError("the pages were never ready")


def test_a_server_serves_the_guides_first_then_the_pages(tmp_path: Path, server_name: str) -> None:
    data, _ = write_site(tmp_path)
    many_pages(data, 200)
    with serve("--content", str(data), "--workers", "1", ready=False, server=server_name) as server:
        seen = watch_the_second_load(server)
        loading, done = [s for s in seen if s["pages"] == "loading"], seen[-1]
        assert loading, "no poll saw the pages loading (the second load was too quick to watch)"
        assert {s["detail"] for s in loading} <= {(503, "1"), (200, None)}
        assert loading[0]["detail"] == (503, "1"), len(loading)
        assert done["detail"] == (200, None)
        for each in seen:  # the same answers before and after, but for the details
            assert (each["alias"], each["unknown"]) == (301, 404)
            assert (each["apis"], each["guide"], each["cursor"]) == (
                done["apis"],
                done["guide"],
                done["cursor"],
            )
        detail = server.get("/apis/particulier")
        assert detail.status == 200 and detail.json()["title"] == "API Particulier"
