"""Links from guide to guide: ``/guides/<slug>`` (or ``<site_url>/guides/<slug>``), maybe with an
``#anchor``, checked against the guides loaded, offline.

A link to a guide that is not served, failed to load, or lacks the anchor is a
``link-guide-missing`` diagnostic, placed at the address in the file, with the closest slug or
heading id when one is close.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from urllib.parse import unquote

import msgspec

from .diagnostics import diagnostic
from .ids import SLUG_RE
from .lint.links import anchor_ids, did_you_mean
from .model import Diagnostic, Guide, Root
from .source_map import SourceMap

#: A link to a guide of this site: ``/guides/<slug>``, maybe with a query and an ``#anchor``.
_GUIDE_LINK = re.compile(r"^/guides/([^/?#]+)/?(?:\?[^#]*)?(?:#(.*))?$")

#: A link's address in a body's JSON (links, External, Button, Quote), when its path starts with
#: /guides/ (with or without a scheme and host). The rendering hints repeat each address as the
#: first key of ``hProperties`` (or of a hast element's ``properties``): those are not read twice.
#: The pattern starts with its quote, the look-behinds after it: the search then tries them only
#: where a quote is, five times faster on the real guides than trying them at every byte.
_GUIDE_URL_JSON = re.compile(
    rb'"(?<!"hProperties":\{")(?<!"properties":\{")'
    rb'(?:url|href|link)":"((?:[a-zA-Z]+://[^"/\\]+)?/guides/(?:[^"\\]|\\.)*)"'
)

#: Missing guides for which a close slug is looked for (each look goes through every slug).
SUGGESTED_SLUGS = 50

#: "<digest of the served slugs>:<missing slug>" -> the suggestion found (difflib over every slug:
#: 5 ms each at 500 guides), for the loads of this process (a reload) and, kept in the parse cache
#: (``web/loader.py``), the next start's. Emptied when it grows past ``MAX_REMEMBERED``.
SUGGESTED: dict[str, str] = {}
MAX_REMEMBERED = 10_000


def guide_link_diagnostics(
    guides: Mapping[str, Guide],
    failed: Mapping[str, str],
    bodies: Mapping[str, bytes],
    sources: Mapping[str, bytes],
    site_url: str | None,
    root_of: Callable[[Guide], Root],
    redirected: Mapping[str, str] | None = None,
) -> list[Diagnostic]:
    """The broken links between ``guides`` (by slug; ``failed``: slugs that did not load).

    ``bodies`` and ``sources`` are by file: each body's JSON, each file's bytes; ``root_of`` gives
    a guide's AST (for the heading ids an anchor may name); ``redirected``: old or moved slug ->
    where it redirects (a link there names the new address).
    """
    targets = _Targets(guides, failed, root_of)
    targets.redirected = redirected or {}
    found = []
    for guide in guides.values():
        file = guide.file or ""
        body = bodies.get(file, b"")
        if b"/guides/" not in body:  # the body's JSON: most guides link to no other
            continue
        places = Places(sources.get(file, b""))
        for url in _guide_urls(body):
            match = _GUIDE_LINK.match(_site_path(url, site_url) or "")
            target = unquote(match.group(1)).lower() if match else ""
            if match is None or not SLUG_RE.match(target):  # not a guide (an image under /guides/...)
                continue
            message = targets.problem(url, target, unquote(match.group(2) or ""))
            line, column = places.find(url)  # found even when fine: the next links' places stay in order
            if message is not None:
                found.append(diagnostic(file, "link-guide-missing", message, line, column))
    return found


class _Targets:
    """The guides a link may lead to; their anchors and the closest slugs are worked out when asked."""

    def __init__(
        self, guides: Mapping[str, Guide], failed: Mapping[str, str], root_of: Callable[[Guide], Root]
    ) -> None:
        self.guides, self.failed, self.root_of = guides, failed, root_of
        self._anchors: dict[str, set[str]] = {}
        self._suggestions: dict[str, str] = {}
        self._slugs_digest = ""
        self.redirected: Mapping[str, str] = {}

    def problem(self, url: str, target: str, fragment: str) -> str | None:
        """What is wrong with a link to guide ``target`` (and ``#fragment``), or None."""
        to = f"le lien « {url} » mène au guide « {target} »"
        if target in self.redirected and target not in self.guides:
            return (
                f"{to}, qui redirige vers « {self.redirected[target]} » : faites le lien vers cette adresse"
            )
        if target in self.failed and target not in self.guides:
            return f"{to}, qui n'a pas pu être chargé (voir ses diagnostics)"
        if target not in self.guides:
            return f"{to}, qui n'existe pas" + self._suggest(target)
        if fragment and fragment not in self._anchors_of(target):
            return f"{to}, sans titre d'ancre « {fragment} »" + did_you_mean(
                fragment, self._anchors_of(target), "#"
            )
        return None

    def _suggest(self, slug: str) -> str:
        """The closest served slug, worked out for the first ``SUGGESTED_SLUGS`` missing ones only."""
        if slug not in self._suggestions:
            near = len(self._suggestions) < SUGGESTED_SLUGS
            self._suggestions[slug] = self._remembered(slug) if near else ""
        return self._suggestions[slug]

    def _remembered(self, slug: str) -> str:
        if not self._slugs_digest:
            joined = "\0".join(sorted(self.guides)).encode("utf-8", "surrogatepass")
            self._slugs_digest = hashlib.blake2b(joined, digest_size=16).hexdigest()
        key = f"{self._slugs_digest}:{slug}"
        if key not in SUGGESTED:
            if len(SUGGESTED) >= MAX_REMEMBERED:
                SUGGESTED.clear()
            SUGGESTED[key] = did_you_mean(slug, self.guides, "/guides/")
        return SUGGESTED[key]

    def _anchors_of(self, slug: str) -> set[str]:
        if slug not in self._anchors:
            self._anchors[slug] = anchor_ids(self.root_of(self.guides[slug]))
        return self._anchors[slug]


def _site_path(url: str, site_url: str | None) -> str | None:
    """The path of a link to this site (relative, or under ``site_url``), else None."""
    if url.startswith("/"):
        return url
    if site_url and url[: len(site_url)].lower() == site_url.lower() and url[len(site_url) :].startswith("/"):
        return url[len(site_url) :]
    return None


def _guide_urls(body: bytes) -> list[str]:
    """The ``/guides/...`` addresses of a body, from its JSON (no need to decode the whole AST)."""
    return [msgspec.json.decode(b'"' + found + b'"', type=str) for found in _GUIDE_URL_JSON.findall(body)]


class Places:
    """(line, column) of successive occurrences of strings in a file's bytes."""

    def __init__(self, data: bytes) -> None:
        self.source = SourceMap(data)
        self.cursor = 0

    def find(self, text: str) -> tuple[int, int]:
        """Where ``text`` is next (after the previous find), else first, else (1, 1)."""
        data, needle = self.source.text, text.encode("utf-8", "surrogateescape")
        found = data.find(needle, self.cursor)
        if found < 0:
            found = data.find(needle)
        if found < 0:
            return 1, 1
        self.cursor = found + 1
        return self.source.point(found)
