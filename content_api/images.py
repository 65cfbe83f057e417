"""Image sizes on the guides of a load: body images, the front matter ``image``, Quote logos.

With ``ASSETS_DIR`` set (``load_library(dir, assets_dir=...)``), each image whose file is found
there gets its ``width`` and ``height`` (a Quote its ``logo_width``/``logo_height``, a guide its
``image_width``/``image_height``), with the rendering hints that make a unified pipeline write them
as ``render_html`` does; a local image whose file is not there is an ``image-missing`` warning.

This runs at load, after the parse, and never inside it: the parse cache keys a guide by its
file's bytes and options, and an image file can change while they do not. So every load attaches
sizes again to the (cached or fresh) parses, from a fresh copy of the body (a cached parse is never
changed), and the sizes themselves are cached per image file (:mod:`content_api.assets`): a changed
image is picked up on the next reload, an unchanged one is not read again.
"""

from __future__ import annotations

import os
import re
from typing import Protocol

import msgspec

from . import model as m
from .assets import AssetSizes, Checked
from .diagnostics import diagnostic
from .hints import HINT_BUDGET_BASE, HINT_BUDGET_FACTOR, add_hints
from .source_map import SourceMap

__all__ = ["GUIDE_PAGES", "assets_of", "size_guide", "size_images"]

#: What a relative URL of a guide's body is relative to: its page, ``/guides/<slug>``.
GUIDE_PAGES = "/guides/"

_IMAGE_KEY = re.compile(r"^image[ \t]*:", re.M)
_decode_root = msgspec.json.Decoder(m.Root).decode


class _Load(Protocol):
    """What the load step reads and updates (library.py's ``_Load``)."""

    assets: AssetSizes | None
    files: dict[str, m.Guide | None]
    bodies: dict[str, bytes]
    sources: dict[str, bytes]
    diagnostics: list[m.Diagnostic]


def assets_of(assets_dir: str | os.PathLike[str] | AssetSizes | None) -> AssetSizes | None:
    """``load_library``'s ``assets_dir``: a folder (the default asset base), or an AssetSizes."""
    if assets_dir is None or isinstance(assets_dir, AssetSizes):
        return assets_dir
    return AssetSizes(assets_dir) if os.fspath(assets_dir) else None


def size_images(load: _Load) -> None:
    """The load step: sizes on every guide read, their ``image-missing`` warnings."""
    if load.assets is None:
        return
    for file, guide in load.files.items():
        if guide is not None and file in load.bodies:
            sized, body, found = size_guide(guide, load.bodies[file], load.sources[file], load.assets)
            load.files[file], load.bodies[file] = sized, body
            load.diagnostics += found


def size_guide(
    guide: m.Guide, body: bytes, source: bytes, assets: AssetSizes
) -> tuple[m.Guide, bytes, list[m.Diagnostic]]:
    """``guide`` and its body (JSON) with the sizes of their images, and the images missing."""
    text = source.decode("utf-8", "replace")
    walk = _Walk(guide.file, text, assets)
    if guide.image:
        checked = assets.check(guide.image, assets.base_path)
        found = _IMAGE_KEY.search(text)
        walk.report(checked, guide.image, SourceMap(text).point(found.start()) if found else (1, 1))
        if checked is not None and checked.size is not None:
            width, height = checked.size
            guide = msgspec.structs.replace(guide, image_width=width, image_height=height)
    if b'"type":"image"' not in body and b'"logo":"' not in body:
        return guide, body, walk.diagnostics
    root = _decode_root(body)  # a copy: the parse kept for the next load stays as parsed
    walk.visit(root)
    if not walk.changed:
        return guide, body, walk.diagnostics
    add_hints(root, HINT_BUDGET_BASE + HINT_BUDGET_FACTOR * len(text))
    encoded = msgspec.json.encode(root)
    lean = not guide.body.children
    return (guide if lean else msgspec.structs.replace(guide, body=root)), encoded, walk.diagnostics


class _Walk:
    """A walk over a body in document order, finding each image's place in the source."""

    def __init__(self, file: str | None, text: str, assets: AssetSizes) -> None:
        self.file, self.text, self.assets = file, text, assets
        self.map = SourceMap(text)
        self.cursor = 0  # where the next image's address is looked for
        self.end = len(text)  # where the current block ends
        self.block = (1, 1)
        self.changed = False
        self.diagnostics: list[m.Diagnostic] = []

    def visit(self, node: m.Node) -> None:
        if node.position is not None:
            self._enter(node.position)
        if isinstance(node, m.Image):
            checked = self.assets.check(node.url, GUIDE_PAGES)
            self.report(checked, node.url, self._place(node.url, "!["))
            if checked is not None and checked.size is not None:
                node.width, node.height = checked.size
                self.changed = True
        elif isinstance(node, m.Quote) and node.logo:
            checked = self.assets.check(node.logo, GUIDE_PAGES)
            self.report(checked, node.logo, self._place(node.logo, "logo"))
            if checked is not None and checked.size is not None:
                node.logo_width, node.logo_height = checked.size
                self.changed = True
        for child in getattr(node, "children", None) or ():
            self.visit(child)

    def report(self, checked: Checked | None, url: str, at: tuple[int, int]) -> None:
        if checked is not None and checked.problem is not None:
            message = f"image {url!r}: {checked.problem}"
            self.diagnostics.append(diagnostic(self.file, "image-missing", message, *at))

    def _enter(self, position: m.Position) -> None:
        start, end = self._offset(position.start), self._offset(position.end)
        self.block = (position.start.line, position.start.column)
        self.cursor, self.end = max(self.cursor, start), max(end, start)

    def _offset(self, point: m.Point) -> int:
        starts = self.map.starts
        line = min(max(point.line - 1, 0), len(starts) - 1)
        return min(starts[line] + point.column - 1, len(self.text))

    def _place(self, url: str, opener: str) -> tuple[int, int]:
        """Where ``url`` is written in the current block (at its ``![``, or ``logo=``), past the
        images already placed; the block's start when it is written otherwise (escapes, a
        reference's definition)."""
        found = self.text.find(url, self.cursor, self.end)
        if found < 0:
            return self.block
        self.cursor = found + len(url)
        before = self.text.rfind(opener, self.map.starts[self.map.line_index(found)], found)
        return self.map.point(before if before >= 0 else found)
