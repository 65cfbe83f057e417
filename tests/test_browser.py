"""The preview page in a real browser: Debian's Chromium, driven by Playwright (never a download).

Opens /preview/ccas on a real server started with --watch and checks what a reader and an editor
see: the table of contents scrolls to its headings, External links open a new tab without giving
it the opener, the Button is visible, the editor table lists Up and Arpège, the diagnostics panel
is there, nothing is logged to the console and no request leaves 127.0.0.1. Then the guide is
saved with a new title and the page reloads itself (Server-Sent Events). A screenshot of each
state is saved in the test's tmp folder.
"""

from __future__ import annotations

import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import chromium, needs_chromium
from .conftest import SEED
from .server import Server, serve

pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def watched(tmp_path: Path, server_name: str) -> Iterator[tuple[Server, Path]]:
    """The seed on a server with --watch: each test runs on granian (the page's event stream through
    the RSGI bridge) and on uvicorn."""
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(SEED, content / "ccas.md")
    with serve("--content", str(content), "--watch", server=server_name) as server:
        yield server, content / "ccas.md"


class Watch:
    """What the page did: console messages, page errors, every request."""

    def __init__(self, page: Any) -> None:
        self.console: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))

    def outside(self) -> list[str]:
        return [
            url
            for url in self.requests
            if not url.startswith("data:") and urllib.parse.urlsplit(url).hostname != "127.0.0.1"
        ]


def test_the_preview_of_the_seed(browser: Any, watched: tuple[Server, Path], tmp_path: Path) -> None:
    server, guide = watched
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    watch = Watch(page)
    page.goto(f"http://127.0.0.1:{server.port}/preview/ccas", wait_until="networkidle")
    page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)

    assert page.locator("h1").inner_text() == "Aides sociales"
    assert "CCAS" in page.locator(".tagline").inner_text()
    assert page.locator(".diagnostics").is_visible()

    anchors = page.locator("nav.toc a")
    assert anchors.count() >= 3
    for index in range(anchors.count()):
        anchor = anchors.nth(index)
        target = anchor.get_attribute("href")
        assert target and target.startswith("#")
        anchor.click()
        page.wait_for_function("id => decodeURIComponent(location.hash) === '#' + id", arg=target[1:])
        top, bottom_reached = page.evaluate(
            """id => [document.getElementById(id).getBoundingClientRect().top,
                      window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1]""",
            target[1:],
        )
        # the heading is at the top of the viewport (or as near as the end of the page lets it be)
        assert 0 <= top < (800 if bottom_reached else 200), (target, top)

    externals = page.locator("article a[target=_blank]")
    assert externals.count() >= 4
    for index in range(externals.count()):
        assert "noopener" in (externals.nth(index).get_attribute("rel") or "").split()

    button = page.locator("article a.button", has_text="Remplir une demande")
    assert button.is_visible()
    box = button.bounding_box()
    assert box is not None and box["width"] > 50 and box["height"] > 20

    editors = page.locator("article table.editors")
    assert editors.is_visible()
    cells = editors.locator("tbody tr td:first-child").all_inner_texts()
    assert {"Up", "Arpège"} <= {cell.strip() for cell in cells}

    assert page.locator("figure.quote figcaption").is_visible()

    assert watch.errors == [] and [c for c in watch.console if c.startswith(("error", "warning"))] == []
    assert watch.outside() == [], watch.outside()

    # a writer saves the guide: the page reloads itself with the new version
    text = guide.read_text(encoding="utf-8").replace("title: Aides sociales", "title: Aides sociales (relu)")
    with page.expect_navigation(timeout=20_000):
        guide.write_text(text, encoding="utf-8")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Aides sociales (relu)"
    page.screenshot(path=str(tmp_path / "preview-reloaded.png"), full_page=True)
    assert watch.errors == [] and watch.outside() == []
    page.close()  # its event stream with it


def test_the_preview_index_and_a_broken_guide(
    browser: Any, watched: tuple[Server, Path], tmp_path: Path
) -> None:
    server, guide = watched
    (guide.parent / "casse.md").write_text("---\ntitle: [cassé\n---\n\nTexte\n", encoding="utf-8")
    page = browser.new_page()
    watch = Watch(page)
    base = f"http://127.0.0.1:{server.port}"
    page.goto(f"{base}/preview", wait_until="networkidle")
    deadline_hits = 0
    while "casse.md" not in page.content() and deadline_hits < 40:  # the watcher picks the file up
        page.wait_for_timeout(250)
        page.reload(wait_until="networkidle")
        deadline_hits += 1
    assert page.locator("a", has_text="Aides sociales").is_visible()
    page.locator("a", has_text="casse.md").click()
    page.wait_for_load_state("networkidle")
    panel = page.locator(".diagnostics")
    assert panel.is_visible() and "yaml-invalid" in panel.inner_text()
    page.screenshot(path=str(tmp_path / "broken.png"), full_page=True)
    assert watch.errors == [] and watch.outside() == []
    page.close()
