"""A guide's summary (what /guides lists for it), and the summaries of a catalog's guides, made
when asked for."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator, Sequence
from typing import overload

from .. import model as m
from ..config import Settings

#: Where the summaries' images are, by default (the ``ASSET_BASE_URL`` setting's default).
ASSET_BASE: str = Settings().asset_base_url


def _asset_urls(image: str | None, base: str) -> tuple[str | None, str | None]:
    if not image:
        return None, None
    if "://" in image or image.startswith("//"):
        return image, None  # an absolute URL: no thumbnail is known for it
    name = image.lstrip("/")
    directory, _, file = name.rpartition("/")
    thumbnail = f"{directory}/thumbnail_{file}" if directory else f"thumbnail_{file}"
    return base + urllib.parse.quote(name), base + urllib.parse.quote(thumbnail)


#: The fields a summary takes from its guide as they are.
_SHARED = tuple(name for name in m.GuideSummary.__struct_fields__ if name in m.Guide.__struct_fields__)


def summarize(guide: m.Guide, asset_base: str = ASSET_BASE) -> m.GuideSummary:
    """What /guides lists for ``guide``; images resolved against ``asset_base``."""
    assert guide.slug is not None and guide.title is not None
    image_url, thumbnail_url = _asset_urls(guide.image, asset_base)
    shared = {name: getattr(guide, name) for name in _SHARED}
    return m.GuideSummary(
        **shared, path=f"/guides/{guide.slug}", image_url=image_url, thumbnail_url=thumbnail_url
    )


class Summaries(Sequence[m.GuideSummary]):
    """The summaries of ``entries`` (a catalog's guides, in its order), each made when asked for
    (a few µs): the web serves them encoded once at load, and the list held 440 bytes a guide."""

    __slots__ = ("_asset_base", "_entries")

    def __init__(self, entries: Sequence[m.Guide], asset_base: str = ASSET_BASE) -> None:
        self._entries, self._asset_base = entries, asset_base

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> m.GuideSummary: ...

    @overload
    def __getitem__(self, index: slice) -> list[m.GuideSummary]: ...

    def __getitem__(self, index: int | slice) -> m.GuideSummary | list[m.GuideSummary]:
        if isinstance(index, slice):
            return [summarize(guide, self._asset_base) for guide in self._entries[index]]
        return summarize(self._entries[index], self._asset_base)

    def __iter__(self) -> Iterator[m.GuideSummary]:
        return (summarize(guide, self._asset_base) for guide in self._entries)
