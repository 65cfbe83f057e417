"""Image sizes read from the site's asset folder (the ``ASSETS_DIR`` setting: its ``public/``).

``AssetSizes(root).size(url)`` gives the ``(width, height)`` of the image a URL names when the file
is found under ``root``, read from the file's header (imagesize; SVG by its root tag), never
decoded. Which file a URL names:

* a path (``/images/guides/x.png``) is that path under ``root``; a relative URL is resolved
  against ``base`` first (a guide's page, ``/guides/``, for its body; ``ASSET_BASE_URL``'s path,
  ``/images/guides/``, for a front matter ``image: x.png``);
* an ``http(s)`` URL (or ``//host/…``) whose host is the asset base's (or another own host given)
  is its path under ``root``; any other host, ``data:`` and other schemes are not local: no check;
* the path is percent-decoded, its dot segments removed, then resolved (symlinks included) and
  must stay under ``root``: a path that leaves it, holds NUL or names anything but a regular file
  (a folder, a FIFO, a device) is reported as missing, and never opened.

Sizes are cached per process by real path, inode, size and modification time: a changed file is
read again on the next load, an unchanged one never.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import threading
import urllib.parse
from collections import OrderedDict
from typing import NamedTuple

import imagesize

__all__ = ["AssetSizes", "Checked", "Size", "svg_size"]

Size = tuple[int, int]

#: How many sizes the process keeps (least recently used first out).
CACHE_ENTRIES = 50_000
#: Bytes read to find an SVG's root tag.
SVG_HEAD = 4096

_Key = tuple[str, int, int, int]
_SIZES: OrderedDict[_Key, Size | None] = OrderedDict()
_SIZES_LOCK = threading.Lock()  # a reload thread and a request (API pages, later) may measure at once


class Checked(NamedTuple):
    """What a local URL gives: its size, or the reason it has none (``problem``)."""

    size: Size | None
    problem: str | None


class AssetSizes:
    """The sizes of the images under ``root``, looked up by the URLs that name them."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        base_url: str = "https://api.gouv.fr/images/guides/",
        hosts: tuple[str, ...] = (),
    ) -> None:
        self.root = os.path.realpath(root)
        parts = urllib.parse.urlsplit(base_url)
        #: where a bare front matter ``image`` name is (the path of ``ASSET_BASE_URL``)
        self.base_path = parts.path if parts.path.endswith("/") else parts.path + "/"
        self.hosts = frozenset(h.lower() for h in (parts.hostname, *hosts) if h)

    def size(self, url: str, base: str = "/") -> Size | None:
        """``(width, height)`` of the image ``url`` names, or None (not local, missing, unknown)."""
        checked = self.check(url, base)
        return checked.size if checked is not None else None

    def check(self, url: str, base: str = "/") -> Checked | None:
        """None when ``url`` is not local (another host, ``data:``…); else its size or why none."""
        path = self.local_path(url, base)
        if path is None:
            return None
        if "\0" in path:
            return Checked(None, "the address holds a NUL character")
        real = os.path.realpath(os.path.join(self.root, path.lstrip("/")))
        if os.path.commonpath([self.root, real]) != self.root:
            return Checked(None, f"{path!r} leads outside ASSETS_DIR: not read")
        return _read_size(real, path)

    def local_path(self, url: str, base: str = "/") -> str | None:
        """The decoded path ``url`` names under ``root`` (dot segments removed), or None."""
        url = url.strip()
        if not url or url.startswith("#"):
            return None
        parts = urllib.parse.urlsplit(url)
        remote = parts.scheme.lower() not in ("http", "https", "") or parts.hostname not in self.hosts
        if (parts.scheme or parts.netloc) and remote:  # data:, mailto:, another host…
            return None
        path = urllib.parse.unquote(parts.path)
        if not path:
            return None
        if not path.startswith("/"):
            path = posixpath.join(base if base.endswith("/") else posixpath.dirname(base) + "/", path)
        return posixpath.normpath("/" + path.lstrip("/"))


def _read_size(real: str, path: str) -> Checked:
    """The size of the regular file ``real`` (``path`` in messages), cached by its identity."""
    try:
        info = os.stat(real)
    except (OSError, ValueError):
        return Checked(None, f"no file {path!r} in ASSETS_DIR")
    if not stat.S_ISREG(info.st_mode):
        return Checked(None, f"{path!r} in ASSETS_DIR is not a regular file")
    key = (real, info.st_ino, info.st_size, info.st_mtime_ns)
    with _SIZES_LOCK:
        known = key in _SIZES
        size = _SIZES[key] if known else None
        if known:
            _SIZES.move_to_end(key)
    if not known:
        size = _measure(real)
        with _SIZES_LOCK:
            _SIZES[key] = size
            while len(_SIZES) > CACHE_ENTRIES:
                _SIZES.popitem(last=False)
    return Checked(size, None if size else f"{path!r} in ASSETS_DIR is not an image whose size can be read")


def _measure(real: str) -> Size | None:
    """Open without following a link nor waiting on a FIFO, check it is a regular file, read its size."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(real, flags)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            head = handle.read(SVG_HEAD)
            if _looks_like_svg(head):
                return svg_size(head)
            handle.seek(0)
            width, height = imagesize.get(handle)  # a file object: imagesize never fetches URLs then
        except OSError:
            return None
    return (int(width), int(height)) if width > 0 and height > 0 else None


def _looks_like_svg(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"<") and re.search(rb"<svg[\s>/]", head) is not None


_ROOT_TAG = re.compile(r"<svg(\s[^>]*)?/?>", re.S)
_ATTRIBUTE = re.compile(r"""\s([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LENGTH = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:px)?\s*")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def svg_size(head: bytes) -> Size | None:
    """The size of an SVG from its root tag: ``width`` and ``height`` in pixels (unitless or
    ``px``), else scaled from the ``viewBox``. A regular expression on the first bytes, no XML
    parser: no entity is ever expanded, nothing is fetched."""
    tag = _ROOT_TAG.search(head.decode("utf-8", "replace"))
    if tag is None:
        return None
    attributes = {m[1]: m[2] if m[2] is not None else m[3] for m in _ATTRIBUTE.finditer(tag[1] or "")}
    width, height = _length(attributes.get("width")), _length(attributes.get("height"))
    box = [float(n) for n in _NUMBER.findall(attributes.get("viewBox", ""))]
    ratio = box[3] / box[2] if len(box) == 4 and box[2] > 0 and box[3] > 0 else None
    if width is None and height is None and ratio is not None:
        width, height = box[2], box[3]
    elif width is not None and height is None and ratio is not None:
        height = width * ratio
    elif height is not None and width is None and ratio is not None:
        width = height / ratio
    if width is None or height is None or round(width) < 1 or round(height) < 1:
        return None
    return round(width), round(height)


def _length(value: str | None) -> float | None:
    """A length in pixels (unitless or ``px``); None for a percentage, another unit or nothing."""
    if value is None or (matched := _LENGTH.fullmatch(value)) is None:
        return None
    return float(matched[1])
