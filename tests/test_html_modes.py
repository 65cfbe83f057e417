"""HTML_MODE (sanitize by default, raw for fully trusted writers) and IFRAME_HOSTS, through every
way in: load_library and its parse cache, `check`, `render`, `serve` (the AST and include=html),
and the Content-Security-Policy of /preview/assets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest

from content_api import load_library
from content_api import model as m
from content_api.library import content_key
from content_api.parse import ParseOptions

from .conftest import ROOT, walk
from .server import Server, serve
from .test_cli import run

GUIDE = """---
title: Widget
---
Avant.

<div onclick="voler()"><script>alert(1)</script>Encart</div>

<iframe src="https://carte.exemple.org/w" title="Carte"></iframe>

[La démarche en ligne](javascript:alert(2))

Après.
"""


def folder(tmp_path: Path) -> Path:
    (tmp_path / "widget.md").write_text(GUIDE, encoding="utf-8")
    return tmp_path


def html_values(root: m.Root) -> list[str]:
    return [node.value for node in walk(root) if isinstance(node, m.Html)]


def test_load_library_in_each_mode(tmp_path: Path) -> None:
    content = folder(tmp_path)
    sanitized = load_library(content)
    assert html_values(sanitized.body("widget")) == ["<div>Encart</div>"]
    assert [d.code for d in sanitized.diagnostics] == ["html-unsafe", "html-unsafe", "url-unsafe"]
    raw = load_library(content, html="raw", previous=sanitized)
    assert raw.stats == {"parsed": 1, "reused": 0}  # a parse made in the other mode is not reused
    assert html_values(raw.body("widget")) == [
        '<div onclick="voler()"><script>alert(1)</script>Encart</div>',
        '<iframe src="https://carte.exemple.org/w" title="Carte"></iframe>',
    ]
    assert [d.code for d in raw.diagnostics] == ["url-unsafe"]  # URLs are checked in both modes
    again = load_library(content, html="raw", previous=raw)
    assert again.stats == {"parsed": 0, "reused": 1}
    hosts = load_library(content, iframe_hosts=["carte.exemple.org"], previous=sanitized)
    assert hosts.stats["parsed"] == 1
    assert (
        html_values(hosts.body("widget"))[1]
        == '<iframe src="https://carte.exemple.org/w" title="Carte"></iframe>'
    )
    with pytest.raises(ValueError):
        load_library(content, html="verbatim")  # type: ignore[arg-type]


def test_the_parse_key_holds_the_mode() -> None:
    keys = {
        content_key("a.md", b"x"),
        content_key("a.md", b"x", ParseOptions(html="raw")),
        content_key("a.md", b"x", ParseOptions(iframe_hosts=("*.exemple.org",))),
    }
    assert len(keys) == 3
    # in raw mode the iframe hosts change nothing
    raw = content_key("a.md", b"x", ParseOptions(html="raw"))
    assert raw == content_key("a.md", b"x", ParseOptions(html="raw", iframe_hosts=("b",)))


def test_check_and_render_take_the_mode_from_flag_or_environment(tmp_path: Path) -> None:
    content = folder(tmp_path)
    default = json.loads(run("check", str(content), "--format", "json").stdout)
    assert [d["code"] for d in default["diagnostics"]] == ["html-unsafe", "html-unsafe", "url-unsafe"]
    raw = json.loads(run("check", str(content), "--format", "json", "--html-mode", "raw").stdout)
    assert [d["code"] for d in raw["diagnostics"]] == ["url-unsafe"]
    hosts = json.loads(
        run("check", str(content), "--format", "json", "--iframe-hosts", "carte.exemple.org").stdout
    )
    assert [d["code"] for d in hosts["diagnostics"]] == ["html-unsafe", "url-unsafe"]
    html = run("render", str(content / "widget.md"), "--format", "html").stdout
    assert "<div>Encart</div>" in html and "script" not in html and "javascript" not in html
    env = {**os.environ, "HTML_MODE": "raw"}
    rendered = subprocess.run(
        [sys.executable, "-m", "content_api", "render", str(content / "widget.md"), "--format", "html"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "<script>alert(1)</script>" in rendered and "javascript" not in rendered
    refused = run("render", str(content / "widget.md"), "--html-mode", "verbatim")
    assert refused.returncode == 2 and "invalid choice" in refused.stderr
    bad_env = subprocess.run(
        [sys.executable, "-m", "content_api", "check", str(content)],
        cwd=ROOT,
        env={**os.environ, "HTML_MODE": "verbatim"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad_env.returncode == 2 and "invalid setting" in bad_env.stderr and "html_mode" in bad_env.stderr


@pytest.fixture(scope="module")
def widget(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The widget guide, and an SVG with a script and a PNG in images/ (read only)."""
    content = folder(tmp_path_factory.mktemp("widget"))
    (content / "images").mkdir()
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
    (content / "images" / "logo.svg").write_text(svg, encoding="utf-8")
    (content / "images" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    return content


@pytest.fixture(scope="module")
def sanitizing(widget: Path, server_name: str) -> Iterator[Server]:
    """A server in sanitize mode (the default): its guide and its preview assets are read."""
    with serve("--content", str(widget), "--html-mode", "sanitize", server=server_name) as server:
        yield server


@pytest.mark.parametrize("mode", ["sanitize", "raw"])
def test_serve_in_each_mode(
    widget: Path, mode: str, server_name: str, request: pytest.FixtureRequest
) -> None:
    with (
        nullcontext(request.getfixturevalue("sanitizing"))
        if mode == "sanitize"
        else serve("--content", str(widget), "--html-mode", mode, server=server_name)
    ) as server:
        guide = server.get("/guides/widget?include=html").json()
        bare = server.get("/guides/widget").json()
    values = json_html_values(bare["body"])
    if mode == "raw":
        assert "<script>alert(1)</script>" in guide["html"] and any("onclick" in v for v in values)
    else:
        assert "<script" not in guide["html"] and "onclick" not in guide["html"]
        assert "<div>Encart</div>" in guide["html"] and values == ["<div>Encart</div>"]
    assert "javascript" not in guide["html"] and "Avant." in guide["html"] and "Après." in guide["html"]


def json_html_values(node: dict[str, object]) -> list[str]:
    found = [str(node["value"])] if node.get("type") == "html" else []
    for child in node.get("children") or ():  # type: ignore[attr-defined]
        found += json_html_values(child)
    return found


def test_preview_assets_are_sandboxed(sanitizing: Server) -> None:
    for name, media_type in (("logo.svg", "image/svg+xml"), ("logo.png", "image/png")):
        reply = sanitizing.get(f"/preview/assets/images/{name}")
        assert reply.status == 200 and reply.header("content-type") == media_type
        policy = reply.header("content-security-policy")
        assert policy == "default-src 'none'; style-src 'unsafe-inline'; sandbox", name
        assert reply.header("x-content-type-options") == "nosniff"
