"""The content graph: API pages, producers and services by slug, and the references between them
and from the guides, resolved and checked.

A name resolves through its normalized form: an API name as the contract's API rule has it
(``api_slug``: ``API Particulier``, ``api-particulier`` and ``particulier`` are one), against each
page's slug (its title's) and then its aliases (its file name); a producer's name as ``slugify``
has it, against each producer's slug (its file name) and then its acronym and name. A name that
resolves to nothing is a warning at its line, with the closest names of the catalogue suggested.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import msgspec

from .. import model as m
from ..diagnostics import diagnostic
from ..ids import api_slug, slugify
from ..source_map import SourceMap
from .kinds import ApiPage, Producer, Ref, Service

#: How many names an unresolved reference suggests, at most.
MAX_SUGGESTIONS = 3

_P = TypeVar("_P", ApiPage, Producer, Service)


@dataclass(frozen=True)
class Graph:
    """The pages of a site-layout content folder and their references, resolved.

    ``guide_apis`` gives, for each served guide (by slug), the slug of the API page of each of its
    ``apis`` entries, in the same order, or None when the entry names no page.
    """

    apis: dict[str, ApiPage] = field(default_factory=dict)
    producers: dict[str, Producer] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    guide_apis: dict[str, list[str | None]] = field(default_factory=dict)
    #: every diagnostic of the pages and of the references (guides' included)
    diagnostics: list[m.Diagnostic] = field(default_factory=list)
    #: normalized name -> slug, for API pages and producers (slugs first, then aliases)
    api_keys: dict[str, str] = field(default_factory=dict)
    producer_keys: dict[str, str] = field(default_factory=dict)
    #: file -> its page, for every file read (None: could not be read), served or not
    files: dict[str, ApiPage | Producer | Service | None] = field(default_factory=dict)
    #: content key -> the page as parsed (before its references are resolved): the next load's
    parsed: dict[str, ApiPage | Producer | Service] = field(default_factory=dict)
    #: some pages were read without their Markdown (a deferred load, ``graph/load.py``): their
    #: details are not served until a load parses them whole
    pending: bool = False
    _suggested: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def resolve_api(self, name: str) -> str | None:
        """The slug of the API page that ``name`` names (by slug, title or file name), or None."""
        return self.api_keys.get(api_slug(name))

    def resolve_producer(self, name: str) -> str | None:
        """The slug of the producer that ``name`` names (by file name, acronym or name), or None."""
        return self.producer_keys.get(slugify(name))

    def suggest_api(self, name: str) -> list[str]:
        """The titles of the API pages whose names are closest to ``name`` (up to 3)."""
        slugs = self._closest("api", api_slug(name), self.api_keys)
        return [self.apis[slug].title or slug for slug in slugs]

    def suggest_producer(self, name: str) -> list[str]:
        """The file names (slugs) of the producers whose names are closest to ``name`` (up to 3)."""
        return self._closest("producer", slugify(name), self.producer_keys)

    def _closest(self, kind: str, key: str, keys: Mapping[str, str]) -> list[str]:
        """The slugs of the closest names, once per name (the same few names come back often)."""
        found = self._suggested.get(f"{kind}:{key}")
        if found is None:
            found = self._suggested[f"{kind}:{key}"] = _closest(key, keys)
        return found

    def guides_of_api(self, slug: str) -> list[str]:
        """The slugs of the guides whose ``api`` names the API page ``slug``."""
        return sorted(guide for guide, apis in self.guide_apis.items() if slug in apis)

    def services_of_api(self, slug: str) -> list[str]:
        return sorted(s.slug for s in self.services.values() if any(ref.slug == slug for ref in s.apis))

    def apis_of_producer(self, slug: str) -> list[str]:
        """The API pages whose ``producer`` (not partners) is the producer ``slug``."""
        return sorted(
            a.slug for a in self.apis.values() if a.producer is not None and a.producer.slug == slug
        )


def _closest(key: str, keys: Mapping[str, str]) -> list[str]:
    found: list[str] = []
    for close in difflib.get_close_matches(key, list(keys), n=MAX_SUGGESTIONS * 3, cutoff=0.6):
        if keys[close] not in found:
            found.append(keys[close])
    return found[:MAX_SUGGESTIONS]


def _did_you_mean(names: list[str]) -> str:
    return ": did you mean " + " or ".join(f"`{name}`" for name in names) + "?" if names else ""


def serve(
    pages: Iterable[_P], diagnostics: list[m.Diagnostic], code: str, source: Callable[[str], bytes]
) -> dict[str, _P]:
    """The pages without error, by slug; the first file of a slug wins, the others are errors
    (``code``, at the line of their title for an API page)."""
    served: dict[str, _P] = {}
    for page in sorted(pages, key=lambda p: p.file):
        if any(d.severity == "error" for d in page.diagnostics):
            continue
        if page.slug in served:
            message = f"slug {page.slug!r} is already {served[page.slug].file!r}'s: not served"
            line = key_line(source(page.file), b"title") if isinstance(page, ApiPage) else 1
            diagnostics.append(diagnostic(page.file, code, message, line))
            continue
        served[page.slug] = page
    return served


def keys_of(pages: Mapping[str, ApiPage] | Mapping[str, Producer]) -> dict[str, str]:
    keys = {slug: slug for slug in pages}
    for slug, page in pages.items():
        for alias in page.aliases:
            keys.setdefault(alias, slug)
    return keys


def resolve_refs(graph: Graph) -> None:
    """Give every reference of the pages its ``slug``; report those that resolve to nothing.

    The pages are replaced, not changed: a page parsed for an earlier load (and still served by
    its snapshot) is reused as it was parsed."""
    for slug, page in graph.apis.items():
        producer = _producer_ref(graph, page.file, page.producer, "producer-unresolved")
        partners = [_producer_ref(graph, page.file, ref, "partner-unresolved") for ref in page.partners]
        graph.apis[slug] = graph.files[page.file] = msgspec.structs.replace(
            page, producer=producer, partners=[ref for ref in partners if ref is not None]
        )
    for slug, service in graph.services.items():
        apis = [msgspec.structs.replace(ref, slug=graph.resolve_api(ref.name)) for ref in service.apis]
        for ref in apis:
            if ref.slug is None:
                _api_unresolved(graph, service.file, ref.name, ref.line, ref.column)
        graph.services[slug] = graph.files[service.file] = msgspec.structs.replace(service, apis=apis)


def _producer_ref(graph: Graph, file: str, ref: Ref | None, code: str) -> Ref | None:
    if ref is None:
        return None
    resolved = msgspec.structs.replace(ref, slug=graph.resolve_producer(ref.name))
    if resolved.slug is None:
        noun = "producer" if code == "producer-unresolved" else "partner"
        hint = _did_you_mean(graph.suggest_producer(ref.name))
        message = f"{noun} {ref.name!r} is no producer of producteurs/{hint}"
        graph.diagnostics.append(diagnostic(file, code, message, ref.line, ref.column))
    return resolved


def _api_unresolved(graph: Graph, file: str, name: str, line: int, column: int) -> None:
    hint = _did_you_mean(graph.suggest_api(name))
    message = f"API {name!r} is no API page of the catalogue (api/){hint}"
    graph.diagnostics.append(diagnostic(file, "api-unresolved", message, line, column))


def resolve_guides(graph: Graph, guides: Mapping[str, m.Guide], source: Callable[[str], bytes]) -> None:
    """Resolve each guide's ``api`` entries (``source``: a guide file's bytes, for the lines)."""
    for slug, guide in guides.items():
        resolved = [graph.resolve_api(api.name) for api in guide.apis]
        graph.guide_apis[slug] = resolved
        for api, found in zip(guide.apis, resolved, strict=True):
            if found is None:
                line, column = _entry_place(source(guide.file or ""), api.name)
                _api_unresolved(graph, guide.file or slug, api.name, line, column)


def _entry_place(data: bytes, name: str) -> tuple[int, int]:
    """Line and column of ``name`` after the front matter's ``api:`` key (1, 1 when not found)."""
    start = data.find(b"\napi:")
    found = data.find(name.encode("utf-8", "replace"), start) if start >= 0 else -1
    if found < 0:
        return 1, 1
    line_start = data.rfind(b"\n", 0, found) + 1  # the front matter only: no map of the whole file
    return data.count(b"\n", 0, found) + 1, len(data[line_start:found].decode("utf-8", "replace")) + 1


def key_line(data: bytes, key: bytes) -> int:
    """The line of the front matter's ``key:`` (1 when not found)."""
    found = data.find(b"\n" + key + b":")
    return SourceMap(data).point(found + 1)[0] if found >= 0 else 1
