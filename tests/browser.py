"""Debian's Chromium, driven by Playwright (never a download), for the browser tests.

A test module that uses it first skips itself without Playwright
(``pytest.importorskip("playwright.sync_api")``), then marks itself with ``needs_chromium``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)",
)


@contextmanager
def chromium() -> Iterator[Any]:
    """The Chromium at ``CHROMIUM``, launched headless, closed on the way out."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            browser.close()
