"""No request gets a 500 (issue 12, finding 8): huge page numbers, NUL bytes and over-long asset
paths, a guide whose image path holds a NUL. Each reproduction runs through a real server; then a
sweep of the same classes (a user's number or path reaching SQLite, itertools or the file system)."""

from __future__ import annotations

import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import SEED
from .server import Server, serve

BIG = 2**63
NUL_IMAGE = """---
title: Image nulle
tags: [cas usage]
image: /images/a%00.png
---

Le guide montre ![le logo](/images/a%00.png) et une image trop longue ![x](/images/{long}.png).

<Quote logo="/images/a%00.png" who="Une ville">
Une citation.
</Quote>
"""


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("content")
    shutil.copy(SEED, folder / "ccas.md")
    (folder / "nul.md").write_text(NUL_IMAGE.replace("{long}", "b" * 300), encoding="utf-8")
    (folder / "images").mkdir()
    (folder / "images" / "vrai.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    for n in range(30):  # enough guides for the paths that walk the whole order (islice)
        (folder / f"g{n:02d}.md").write_text(
            f"---\ntitle: Guide {n}\ntags: [cas usage]\npublish: true\n---\n\nUne API, le quotient.\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture(scope="module")
def api(content: Path, server_name: str) -> Iterator[Server]:
    with serve("--content", str(content), server=server_name) as server:
        yield server


@pytest.mark.parametrize("page", [BIG, BIG * 2, 10**30])
@pytest.mark.parametrize(
    "query",
    [
        "q=api",  # FTS5 ranks and cuts the page: OFFSET overflowed SQLite's integer
        "tag=cas-usage",  # a filter over most guides: islice refused the start
        "publish=true",
        "sort=slug",
        "tag=cas-usage&sort=-updated",
        "q=api&sort=slug",
        "tag=cas-usage&q=api",
        "publish=true&q=quotient&sort=title&fields=title",  # in the order of the links
    ],
)
def test_a_page_past_the_end_is_an_empty_page(api: Server, query: str, page: int) -> None:
    reply = api.get(f"/guides?{query}&page={page}&per_page=7")
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["data"] == [] and "warning" not in body
    total = api.get(f"/guides?{query}&per_page=7").json()["meta"]["total"]
    pages = -(-total // 7)
    assert total > 0 and body["meta"] == {"total": total, "page": page, "per_page": 7, "pages": pages}
    links = body["links"]
    assert links["next"] is None and links["self"].endswith(f"page={page}&per_page=7")
    last = f"/guides?{query}&per_page=7" if pages == 1 else f"/guides?{query}&page={pages}&per_page=7"
    assert links["prev"] == last
    assert api.get(links["prev"]).json()["data"] != []


@pytest.mark.parametrize("query", ["", "api=particulier&", "q=arp%C3%A8ge&", "guide=ccas&"])
def test_an_editors_page_past_the_end_is_empty(api: Server, query: str) -> None:
    reply = api.get(f"/editors?{query}page={BIG}&per_page=1000")
    assert reply.status == 200
    body = reply.json()
    total = api.get(f"/editors?{query}".rstrip("&?")).json()["meta"]["total"]
    meta = {"total": total, "page": BIG, "per_page": 1000, "pages": 1 if total else 0}
    assert body == {"data": [], "meta": meta}


@pytest.mark.parametrize(
    "path",
    [
        "/preview/assets/a%00.png",
        "/preview/assets/images/a%00.png",
        "/preview/assets/" + "a" * 300 + ".png",  # one name over the file system's limit
        "/preview/assets/" + "a/" * 2500 + "a.png",  # a 5,000-character path
        "/preview/assets/" + "%C3%A9" * 200 + ".png",  # 400 bytes once encoded
        "/preview/assets/images/%00/../vrai.png",
    ],
)
def test_hostile_asset_paths_are_404(api: Server, path: str) -> None:
    reply = api.get(path)
    assert reply.status == 404 and reply.json()["status"] == 404


def test_a_real_asset_is_still_served(api: Server) -> None:
    reply = api.get("/preview/assets/images/vrai.png")
    assert reply.status == 200 and reply.body == b"\x89PNG\r\n\x1a\n"


def test_a_guide_whose_image_path_holds_a_nul_renders_with_placeholders(api: Server) -> None:
    """Its preview answered 500 on every request (the NUL reached the file system)."""
    for _ in range(2):
        page = api.get("/preview/nul")
        assert page.status == 200, page.body
        html = page.body.decode()
        assert html.count('src="/preview/placeholder.svg"') >= 3  # the image, the long one, the logo
        assert "\x00" not in html and "%00" not in html.split("<main>", 1)[1]
    placeholder = api.get("/preview/placeholder.svg")
    assert placeholder.status == 200 and (placeholder.header("content-type") or "").startswith(
        "image/svg+xml"
    )
    assert "sandbox" in (placeholder.header("content-security-policy") or "")
    guide = api.get("/guides/nul").json()
    assert guide["image"] == "/images/a%00.png" and guide["image_url"].endswith("/a%2500.png")
    assert api.get("/preview").status == 200


HOSTILE = [
    "/guides?q=%00",
    "/guides?q=a%00b",
    "/guides?q=%ED%A0%80",
    "/guides?q=%FF%FE",
    "/guides?q=%22%00",
    "/guides?q=NEAR(a%20b,%2099999999999999999999)",
    "/guides?q=NEAR(a%20b,%20-1)",
    "/guides?q=" + urllib.parse.quote("{title body}:a*"),
    "/guides?q=" + urllib.parse.quote("^a* +b -c"),
    "/guides?q=" + urllib.parse.quote('"' * 300),
    "/guides?q=" + urllib.parse.quote("(" * 150 + "a" + ")" * 150),
    "/guides?q=" + urllib.parse.quote("a OR " * 40 + "b"),
    "/guides?tag=%00&api=%FF",
    "/guides?fields=%00",
    "/guides/%00",
    "/guides/" + "a" * 5000,
    "/guides/ccas?include=html%00",
    "/editors?q=%00",
    "/editors?q=%ED%A0%80",
    "/editors?guide=%00&api=" + "a" * 5000,
    "/diagnostics?file=%00",
    "/diagnostics?file=" + "a" * 5000,
    "/preview/%00",
    "/preview/" + "a" * 5000,
    "/preview/%00/events",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_no_hostile_request_is_a_500(api: Server, path: str) -> None:
    for method in ("GET", "HEAD"):
        reply = api.request(method, path)
        assert reply.status in (200, 400, 404), (method, path, reply.status, reply.body[:300])
