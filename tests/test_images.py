"""Image sizes (issue 16, point 5): read from the files of ``ASSETS_DIR`` that the tests make here.

PNG, JPEG, SVG and WebP (lossy, lossless, extended) headers are written by hand; a body image, the
front matter ``image`` and a Quote ``logo`` get their sizes in the AST, the summaries and the served
JSON; a local image that is not there is an ``image-missing`` warning at its place; nothing is read
outside ``ASSETS_DIR``, nor anything at all without it.
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

import msgspec
import pytest

from content_api import load_library, render_html
from content_api import model as m
from content_api.assets import AssetSizes, svg_size
from content_api.config import Settings

from .conftest import walk
from .kit import KIT, case, encode, run_node


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\0" + b"\0\0\0" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def webp(kind: bytes, payload: bytes) -> bytes:
    chunk = kind + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def webp_lossy(width: int, height: int) -> bytes:
    return webp(b"VP8 ", b"\x30\x01\x00\x9d\x01\x2a" + struct.pack("<HH", width, height) + bytes(8))


def webp_lossless(width: int, height: int) -> bytes:
    bits = (width - 1) | (height - 1) << 14
    return webp(b"VP8L", b"\x2f" + struct.pack("<I", bits) + bytes(5))


def webp_extended(width: int, height: int) -> bytes:
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return webp(b"VP8X", b"\x10\0\0\0" + canvas)


SVG_PROLOG = b'<?xml version="1.0"?>\n<!-- a logo -->\n'
SVG_SIZED = SVG_PROLOG + b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="45px"/>'
SVG_BOX = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150"><rect width="5" height="5"/></svg>'

FILES = {
    "a.png": (png(64, 32), (64, 32)),
    "b.jpg": (jpeg(800, 600), (800, 600)),
    "c.svg": (SVG_SIZED, (120, 45)),
    "d.svg": (SVG_BOX, (300, 150)),
    "e.webp": (webp_lossy(320, 240), (320, 240)),
    "f.webp": (webp_lossless(5000, 3), (5000, 3)),
    "g.webp": (webp_extended(70000, 2), (70000, 2)),
}


@pytest.fixture
def public(tmp_path: Path) -> Path:
    folder = tmp_path / "public"
    (folder / "images" / "guides").mkdir(parents=True)
    for name, (data, _) in FILES.items():
        (folder / "images" / "guides" / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("name", sorted(FILES))
def test_sizes_are_read_from_the_file_headers(public: Path, name: str) -> None:
    assert AssetSizes(public).size(f"/images/guides/{name}") == FILES[name][1]


@pytest.mark.parametrize(
    ("svg", "size"),
    [
        (b'<svg width="10" height="20">', (10, 20)),
        (b"<svg width='10.6' height='20'>", (11, 20)),
        (b'<svg viewBox="0 0 40 10">', (40, 10)),
        (b'<svg width="100%" height="100%" viewBox="0,0,40,10">', (40, 10)),  # a percentage: the box
        (b'<svg width="80" viewBox="0 0 40 10">', (80, 20)),  # one side: the box's ratio
        (b'<svg height="5" viewBox="0 0 40 10">', (20, 5)),
        (b'<svg width="2cm" height="1cm">', None),  # not pixels, no box
        (b'<svg><rect width="5" height="5"/></svg>', None),  # a child's size is not the image's
        (b'<svg stroke-width="3" viewBox="0 0 9 9">', (9, 9)),
        (b'<svg viewBox="0 0 0 10">', None),
        (b"not svg", None),
    ],
)
def test_svg_sizes_come_from_the_root_tag(svg: bytes, size: tuple[int, int] | None) -> None:
    assert svg_size(svg) == size


def test_svg_entities_are_never_expanded(public: Path) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY w "77">]>'
    bomb += b'<svg width="&w;" height="9" viewBox="0 0 4 3">'
    (public / "bomb.svg").write_bytes(bomb)
    assert AssetSizes(public).size("/bomb.svg") == (12, 9)  # the width is not "77": from the box


def test_which_file_a_url_names(public: Path) -> None:
    assets = AssetSizes(public, "https://api.gouv.fr/images/guides/", ("www.api.gouv.fr",))
    assert assets.local_path("/images/guides/a.png") == "/images/guides/a.png"
    assert assets.local_path("a.png", assets.base_path) == "/images/guides/a.png"
    assert assets.local_path("img/a.png", "/guides/") == "/guides/img/a.png"
    assert assets.local_path("https://api.gouv.fr/images/a.png?v=2#x") == "/images/a.png"
    assert assets.local_path("https://WWW.api.gouv.fr/a.png") == "/a.png"
    assert assets.local_path("/images/%C3%A9t%C3%A9.png") == "/images/été.png"
    assert assets.local_path("/images/../../../etc/passwd") == "/etc/passwd"  # inside the folder
    assert assets.local_path("/images/%2e%2e/%2e%2e/x.png") == "/x.png"
    for remote in ("https://other.org/a.png", "//other.org/a.png", "data:image/png;base64,AAAA", "#top", ""):
        assert assets.local_path(remote) is None, remote
        assert assets.check(remote) is None
    assert assets.size("https://api.gouv.fr/images/guides/a.png") == (64, 32)
    assert assets.size("a.png", assets.base_path) == (64, 32)


def test_nothing_outside_assets_dir_is_read(public: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.png"
    outside.write_bytes(png(9, 9))
    (public / "link.png").symlink_to(outside)
    (public / "folder").symlink_to(tmp_path)
    assets = AssetSizes(public)
    for url in ("/link.png", "/folder/secret.png", "/%2e%2e/secret.png", "/../secret.png", "/a%00.png"):
        checked = assets.check(url)
        assert checked is not None and checked.size is None and checked.problem, url
    assert "outside ASSETS_DIR" in (assets.check("/link.png") or ("", "")).problem  # type: ignore[operator]
    (public / "inside.png").symlink_to(public / "images" / "guides" / "a.png")
    assert assets.size("/inside.png") == (64, 32)  # a link that stays inside is followed


@pytest.mark.timeout(10)
def test_only_regular_files_are_opened(public: Path) -> None:
    os.mkfifo(public / "fifo.png")  # opened for reading, it would block until a writer came
    (public / "dir.png").mkdir()
    (public / "text.png").write_bytes(b"not an image at all")
    assets = AssetSizes(public)
    assert assets.check("/fifo.png") == (None, "'/fifo.png' in ASSETS_DIR is not a regular file")
    assert assets.check("/dir.png") == (None, "'/dir.png' in ASSETS_DIR is not a regular file")
    unreadable = "'/text.png' in ASSETS_DIR is not an image whose size can be read"
    assert assets.check("/text.png") == (None, unreadable)
    assert assets.check("/absent.png") == (None, "no file '/absent.png' in ASSETS_DIR")


GUIDE = """---
title: Guide
image: a.png
---

Texte ![Schéma](/images/guides/b.jpg "titre") et ![Logo](https://api.gouv.fr/images/guides/c.svg).

<Quote logo="/images/guides/e.webp" who="Marie">

Très utile.

</Quote>

![Distant](https://example.org/x.png) ![inline](data:image/png;base64,AAAA)
"""

MISSING = """---
title: Manque
image: absent.png
---

Un ![schéma](/images/guides/absent.jpg) et ![ok](/images/guides/a.png) puis
encore ![autre](/images/guides/absent.jpg).

<Quote
  who="Paul"
  logo="/images/guides/nope.svg">

Texte.

</Quote>
"""


def content(tmp_path: Path, **guides: str) -> Path:
    folder = tmp_path / "content"
    folder.mkdir(exist_ok=True)
    for slug, text in guides.items():
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
    return folder


def sized(root: m.Root) -> list[tuple[str, int | None, int | None]]:
    found = []
    for node in walk(root):
        if isinstance(node, m.Image):
            found.append((node.url, node.width, node.height))
        elif isinstance(node, m.Quote):
            found.append((node.logo or "", node.logo_width, node.logo_height))
    return found


EXPECTED = [
    ("/images/guides/b.jpg", 800, 600),
    ("https://api.gouv.fr/images/guides/c.svg", 120, 45),
    ("/images/guides/e.webp", 320, 240),
    ("https://example.org/x.png", None, None),
    ("data:image/png;base64,AAAA", None, None),
]


@pytest.mark.parametrize("lean", [False, True])
def test_guides_get_the_sizes_of_their_images(tmp_path: Path, public: Path, lean: bool) -> None:
    library = load_library(content(tmp_path, guide=GUIDE), assets_dir=public, lean=lean)
    guide = library.guides["guide"]
    assert (guide.image_width, guide.image_height) == (64, 32)
    assert sized(library.body("guide")) == EXPECTED
    assert [d for d in library.diagnostics if d.code == "image-missing"] == []
    html = render_html(library.body("guide"))
    assert '<img src="/images/guides/b.jpg" alt="Schéma" title="titre" width="800" height="600" />' in html
    assert '<img src="/images/guides/e.webp" alt="" width="320" height="240" />' in html
    assert '<img src="https://example.org/x.png" alt="Distant" />' in html
    # the parse kept for the next load (and the parse cache) has no size: sizes come at each load
    assert all(b'"width"' not in parsed.body for parsed in library.parsed.values())


def test_missing_images_are_warned_at_their_place(tmp_path: Path, public: Path) -> None:
    library = load_library(content(tmp_path, manque=MISSING), assets_dir=public)
    found = [(d.line, d.column, d.severity) for d in library.diagnostics if d.code == "image-missing"]
    assert found == [(3, 1, "warning"), (6, 4, "warning"), (7, 8, "warning"), (11, 3, "warning")]
    messages = [d.message for d in library.diagnostics if d.code == "image-missing"]
    assert messages[0] == "image 'absent.png': no file '/images/guides/absent.png' in ASSETS_DIR"
    assert "nope.svg" in messages[3]
    assert sized(library.body("manque"))[1] == ("/images/guides/a.png", 64, 32)
    assert "manque" in library.guides  # a warning: the guide is served


def test_an_ignore_comment_silences_image_missing(tmp_path: Path, public: Path) -> None:
    text = "---\ntitle: T\n---\n\n<!-- content-api: ignore image-missing -->\n![a](/nope.png)\n"
    library = load_library(content(tmp_path, t=text), assets_dir=public)
    assert [d.code for d in library.diagnostics] == []


def test_without_assets_dir_nothing_is_measured(tmp_path: Path, public: Path) -> None:
    folder = content(tmp_path, guide=GUIDE, manque=MISSING)
    for library in (load_library(folder), load_library(folder, assets_dir="")):
        assert library.guides["guide"].image_width is None
        assert all(w is None and h is None for _, w, h in sized(library.body("guide")))
        assert b'"width"' not in library.bodies["guide"] and b'"logo_width"' not in library.bodies["guide"]
        assert not [d for d in library.diagnostics if d.code == "image-missing"]
    assert Settings().library_options()["assets_dir"] is None
    assert Settings(assets_dir=str(public)).library_options()["assets_dir"].root == str(public.resolve())


def test_a_changed_image_is_picked_up_on_reload(tmp_path: Path, public: Path) -> None:
    folder = content(tmp_path, guide=GUIDE)
    first = load_library(folder, assets_dir=public)
    image = public / "images" / "guides" / "b.jpg"
    image.write_bytes(jpeg(1024, 768))
    stamp = image.stat().st_mtime_ns + 5_000_000_000
    os.utime(image, ns=(stamp, stamp))
    second = load_library(folder, assets_dir=public, previous=first)
    assert second.stats["parsed"] == 0  # the guide's parse is reused...
    assert sized(second.body("guide"))[0] == ("/images/guides/b.jpg", 1024, 768)  # ...with the new size
    image.unlink()
    third = load_library(folder, assets_dir=public, previous=second)
    assert sized(third.body("guide"))[0] == ("/images/guides/b.jpg", None, None)
    assert [d.line for d in third.diagnostics if d.code == "image-missing"] == [6]


def test_the_served_json_carries_the_sizes(tmp_path: Path, public: Path) -> None:
    from litestar.testing import TestClient

    from content_api.web import app as web

    folder = content(tmp_path, guide=GUIDE.replace("title: Guide", "title: Guide\npublish: true"))
    edge = web.create_app(Settings(content_dir=str(folder), assets_dir=str(public)))
    with TestClient(app=edge.app) as client:
        detail = client.get("/guides/guide").json()
        listed = client.get("/guides").json()["data"]
        fields = client.get("/guides?fields=slug,image_width,image_height").json()["data"]
    assert (detail["image_width"], detail["image_height"]) == (64, 32)
    body = msgspec.json.decode(msgspec.json.encode(detail["body"]), type=m.Root)
    assert sized(body) == EXPECTED
    assert '"logo_width":320' in msgspec.json.encode(detail["body"]).decode()
    assert [(g["slug"], g["image_width"], g["image_height"]) for g in listed] == [("guide", 64, 32)]
    assert fields == [{"slug": "guide", "image_width": 64, "image_height": 32}]


@pytest.mark.skipif(
    shutil.which("node") is None or not (KIT / "node_modules" / "mdast-util-to-hast").is_dir(),
    reason="Node.js or clients/typescript/node_modules missing (run `npm ci` in clients/typescript)",
)
def test_unified_writes_the_sizes_as_render_html_does(tmp_path: Path, public: Path) -> None:
    """The width and height hints make a plain unified pipeline write them; without them it does not."""
    library = load_library(content(tmp_path, guide=GUIDE), assets_dir=public)
    data = encode([case("sized", library.body("guide"))], strip={"image": ["image"], "quote": ["quote"]})
    outcome = run_node(KIT / "test" / "unified.mjs", data)
    assert outcome["different"] == [] and outcome["thrown"] == [] and outcome["compared"] == 1
    assert outcome["stripped"]["image"]["different"] == ["sized"]
    assert outcome["stripped"]["quote"]["different"] == ["sized"]


def test_check_takes_assets_dir(tmp_path: Path, public: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from content_api.cli import main

    folder = content(tmp_path, manque=MISSING)
    assert main(["check", str(folder), "--assets-dir", str(public)]) == 0  # warnings only
    assert capsys.readouterr().out.count("[image-missing]") == 4
    assert main(["check", str(folder)]) == 0
    assert "image-missing" not in capsys.readouterr().out


def test_images_are_read_once(tmp_path: Path, public: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from content_api import assets

    measured: list[str] = []
    original = assets._measure
    monkeypatch.setattr(assets, "_measure", lambda real: measured.append(real) or original(real))
    folder = content(tmp_path, guide=GUIDE)
    first = load_library(folder, assets_dir=public)
    assert len(measured) == 4  # a.png, b.jpg, c.svg, e.webp
    second = load_library(folder, assets_dir=public, previous=first)
    assert len(measured) == 4 and sized(second.body("guide")) == EXPECTED
    image = public / "images" / "guides" / "c.svg"
    image.write_bytes(b'<svg width="7" height="8"/>')
    load_library(folder, assets_dir=public, previous=second)
    assert measured[4:] == [str(image.resolve())]
