"""One object for equal values of a loaded library's guides, where decoding made a copy each.

A guide's parse crosses a process boundary or comes back from the parse cache as MessagePack:
every decoded string and struct is an object of its own. Values that many guides (or many
diagnostics of one guide) hold are shared again as the library is assembled: the file's path, the
tags and APIs (a vocabulary: a few hundred values over 100,000 guides), the editor rows' APIs and
guide, the diagnostics' messages (most are a rule's fixed sentence, or name the same link text),
and the empty body of a lean guide. Only equal values are shared, and none of these objects
is ever changed once parsed: what a guide says does not change.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from .model import Guide
from .parsed import EMPTY, Parsed

T = TypeVar("T")


class ValueSharer:
    """Equal tags and APIs made one object, across the guides of one load."""

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: dict[object, object] = {}

    def one(self, value: T) -> T:
        """The first value equal to ``value`` seen by this sharer (``value`` itself if none)."""
        found: T = self._known.setdefault(value, value)  # type: ignore[assignment]
        return found

    def share(self, guide: Guide, file: str | None = None) -> None:
        """Share ``guide``'s values: ``file`` (its path, ``guide.file`` by default: one string for
        it and its diagnostics), its diagnostics' messages, its tags and APIs and those of its
        editor rows, and one empty body for all that have none."""
        file = guide.file if file is None else file
        if guide.file == file:
            guide.file = file
        for found in guide.diagnostics:
            if found.file == file:
                msgspec.structs.force_setattr(found, "file", file)
            msgspec.structs.force_setattr(found, "message", self.one(found.message))
        guide.tags = [self.one(tag) for tag in guide.tags]
        guide.apis = [self.one(api) for api in guide.apis]
        for row in guide.editors:
            row.apis = [self.one(api) for api in row.apis]
            if row.guide is not None and row.guide == guide.slug:
                row.guide = guide.slug
        if not guide.body.children and guide.body == EMPTY:
            guide.body = EMPTY

    def decoded(self, parsed: Parsed) -> Parsed:
        """``parsed`` (just decoded), its guide's values shared: each guide's as it is decoded, so
        that the copies it frees are the room the next one is decoded in (shared once they are all
        decoded, they were holes in memory the process kept)."""
        self.share(parsed.guide)
        return parsed
