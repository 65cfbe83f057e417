"""Every response shape of a guide, in every serving mode, is whole and the same (issue 12, finding 10).

Without --watch the service keeps lean guides (no AST) and drops the library's bodies once the
responses are prepared; `?include=html` was then built from the lean guide and answered
`"body": {"type": "root", "children": []}` beside the right `html`. Here each shape is asked of a
server in each mode and compared with the guide as parsed, and across the modes byte for byte.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import brotli
import msgspec
import pytest

from content_api import parse_guide, render_html, render_text

from .conftest import SEED
from .server import Server, serve

OTHER = """---
title: Brouillon lié
tags: [cas usage]
related_guides: [ccas]
noindex: true
---

## Un titre

Un paragraphe avec **du gras**, un [lien](https://exemple.fr) et une liste :

- un
- deux

| Éditeur | Solution |
| --- | --- |
| Zèbre | Zed |
"""

SHAPES = ["", "?include=html", "?include=text", "?include=html,text", "?include=text,html"]
ENCODINGS = [None, "br", "gzip", "identity"]
MODES = ["default", "watch", "cache (warm restart)", "2 workers"]
Answers = dict[str, dict[str, dict[str, bytes]]]


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("content")
    shutil.copy(SEED, folder / "ccas.md")
    (folder / "lie.md").write_text(OTHER, encoding="utf-8")
    return folder


@contextmanager
def server_in(mode: str, content: Path, cache: Path, server: str) -> Iterator[Server]:
    if mode == "default":
        with serve("--content", str(content), server=server) as running:
            yield running
    elif mode == "watch":
        with serve("--content", str(content), "--watch", server=server) as running:
            yield running
    elif mode == "2 workers":
        with serve("--content", str(content), "--workers", "2", server=server) as running:
            yield running
    else:
        with serve("--content", str(content), "--cache", str(cache), server=server):
            pass  # the cold start writes the parse cache
        assert any(cache.iterdir())
        with serve("--content", str(content), "--cache", str(cache), server=server) as running:
            yield running


def decode(body: bytes, coding: str | None) -> bytes:
    if coding == "br":
        return bytes(brotli.decompress(body))
    if coding == "gzip":
        return gzip.decompress(body)
    return body


def shapes_of(server: Server, slug: str) -> dict[str, bytes]:
    """Every shape of /guides/{slug}: its identity bytes, checked in every coding, HEAD and 304."""
    seen: dict[str, bytes] = {}
    for shape in SHAPES:
        path = f"/guides/{slug}{shape}"
        plain = server.get(path)
        assert plain.status == 200, (path, plain.body)
        etag = plain.header("etag") or ""
        for coding in ENCODINGS:
            headers = {"Accept-Encoding": coding} if coding else {}
            reply = server.request("GET", path, headers)
            assert reply.status == 200 and reply.header("content-encoding") in (coding, None)
            assert decode(reply.body, reply.header("content-encoding")) == plain.body, (path, coding)
            head = server.request("HEAD", path, headers)
            assert head.status == 200 and head.body == b""
            assert head.header("content-length") == reply.header("content-length")
            assert head.header("etag") == reply.header("etag")
            again = server.request("GET", path, {**headers, "If-None-Match": reply.header("etag") or ""})
            assert again.status == 304 and again.body == b""
        assert server.get(path, if_none_match=etag).status == 304
        seen[shape] = plain.body
        seen[shape + " etag"] = etag.encode()
    return seen


@pytest.fixture(scope="module")
def answers(content: Path, tmp_path_factory: pytest.TempPathFactory, server_name: str) -> Answers:
    """mode -> slug -> shape -> bytes, on one server."""
    found: Answers = {}
    for mode in MODES:
        cache = tmp_path_factory.mktemp("cache")
        with server_in(mode, content, cache, server_name) as server:
            found[mode] = {slug: shapes_of(server, slug) for slug in ("ccas", "lie")}
    return found


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("slug", ["ccas", "lie"])
def test_every_shape_holds_the_whole_guide(answers: Answers, content: Path, mode: str, slug: str) -> None:
    file = content / f"{slug}.md"
    parsed = parse_guide(file.read_bytes(), str(file))
    body, toc = (json.loads(msgspec.json.encode(value)) for value in (parsed.body, parsed.toc))
    assert len(body["children"]) > 3, "the guide has a body"
    for shape in SHAPES:
        guide = json.loads(answers[mode][slug][shape])
        assert guide["body"] == body and guide["toc"] == toc, (mode, shape)
        assert ("html" in guide) == ("html" in shape) and ("text" in guide) == ("text" in shape)
        if "html" in shape:
            assert guide["html"] == render_html(parsed.body, heading_ids=True)
        if "text" in shape:
            assert guide["text"] == render_text(parsed.body)


def test_every_mode_answers_the_same_bytes(answers: Answers) -> None:
    reference = answers["default"]
    for mode in MODES[1:]:
        for slug, shapes in answers[mode].items():
            for shape, body in shapes.items():
                assert body == reference[slug][shape], (mode, slug, shape)
