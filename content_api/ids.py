"""Normalized identifiers (contract section 2): slugs for tags and APIs, heading ids."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_COMBINING = re.compile("[\u0300-\u036f]")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def strip_accents(text: str) -> str:
    """NFD, then drop the combining marks U+0300-U+036F (``Éditeur`` -> ``Editeur``)."""
    return _COMBINING.sub("", unicodedata.normalize("NFD", text))


def slugify(text: str) -> str:
    """NFD, drop combining marks, lower-case, runs outside ``[a-z0-9]`` become ``-``, trim ``-``."""
    return _NON_ALNUM.sub("-", strip_accents(text).lower()).strip("-")


def api_slug(name: str) -> str:
    """``API Particulier`` and ``api-particulier`` -> ``particulier``."""
    slug = slugify(name)
    return slug[4:] if slug.startswith("api-") and len(slug) > 4 else slug


def heading_id(text: str) -> str:
    """The site's anchor: lower-case, each space -> ``-``, NFD and drop U+0300-U+036F."""
    return strip_accents(text.lower().replace(" ", "-"))


class UniqueIds:
    """Heading ids made unique as the site does: ``base``, then ``base-1``, ``base-2``...

    Each base remembers the last number it tried, so ``n`` repeats of one heading cost ``n``
    steps, not ``n²``: a number rejected once stays taken (ids are only ever added).
    """

    __slots__ = ("_next", "seen")

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._next: dict[str, int] = {}

    def __call__(self, base: str) -> str:
        candidate, n = base, self._next.get(base, 0)
        if n:
            candidate = f"{base}-{n}"
        while candidate in self.seen:
            n += 1
            candidate = f"{base}-{n}"
        self._next[base] = n
        self.seen.add(candidate)
        return candidate


def slug_from_filename(stem: str) -> str:
    """The slug of ``<slug>.md`` is the lower-cased file name without ``.md``."""
    return stem.lower()
