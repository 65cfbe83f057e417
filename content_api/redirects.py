"""Redirects: the table of old paths and moved guides that answer ``301``, built at load, checked.

A page's front matter ``redirect_from: [old, …]`` makes ``<prefix>/old`` answer ``301`` to the
page's own path (``/guides/<slug>``, ``/apis/<slug>``, ``/producers/<slug>``, ``/services/<slug>``;
for a guide, ``/guides/old.md`` to ``/guides/<slug>.md`` too). A guide's ``redirect_to: URL`` (it
moved) makes ``/guides/<slug>`` (and its ``.md``) answer ``301`` to ``URL``, and takes the guide out
of the served guides (:func:`take_moved`, a load step): it is in no list, sitemap, facet, search
record, llms.txt or editor table, and the change feed sees it deleted.

What cannot be served is an error at the place of the key or entry, and only that redirect is
left out (:func:`build_redirects`): a ``redirect_from`` that is a served slug of its kind, or that
another file (the first file, by path, keeps it) or a moved guide already holds
(``redirect-collision``); a ``redirect_from`` on a guide that moves away, a ``redirect_to`` to a
path that redirects again (``redirect-chain``); a ``redirect_to`` that leads back to its own guide
(``redirect-loop``). A ``redirect_to`` to a path of this site where nothing is served is a warning
(``redirect-target-missing``). A moved guide whose redirect is refused is served as nothing (404).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .diagnostics import diagnostic
from .graph import Graph
from .located import Located
from .model import Diagnostic, Guide

#: The path of each kind's pages (the graph's kinds by their ``kind`` tag).
PREFIXES = {"guide": "/guides", "api": "/apis", "producer": "/producers", "service": "/services"}
_LOCAL = re.compile(r"^(/(?:guides|apis|producers|services))/([^/?#]+?)(?:\.md)?/?(?:[?#].*)?$")


class _Page(Protocol):
    slug: Any
    file: Any
    redirect_from: list[Located]


@dataclass(frozen=True)
class _Claim:
    """A path that redirects: where to, and who says so (a file and the place of its key)."""

    target: str
    file: str
    where: Located
    #: True for a moved guide's own path (``redirect_to``), False for a ``redirect_from`` entry
    moved: bool


@dataclass
class Built:
    """The served table (path -> target), what is wrong, and the moved guides refused (slug -> file)."""

    table: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def take_moved(guides: dict[str, Guide]) -> dict[str, Guide]:
    """Take the guides with a ``redirect_to`` out of ``guides``: the moved guides, by slug."""
    moved = {slug: guide for slug, guide in guides.items() if guide.redirect_to is not None}
    for slug in moved:
        del guides[slug]
    return moved


def redirected_slugs(guides: Mapping[str, Guide], moved: Mapping[str, Guide]) -> dict[str, str]:
    """Old slug or moved guide -> where it redirects, as written (before the checks: for the
    messages of the links between guides)."""
    found = {entry.value: f"/guides/{slug}" for slug, g in guides.items() for entry in g.redirect_from}
    found.update({slug: g.redirect_to.value for slug, g in moved.items() if g.redirect_to is not None})
    return found


def build_redirects(
    guides: Mapping[str, Guide],
    moved: Mapping[str, Guide],
    graph: Graph | None,
    site_url: str | None,
    failed: Mapping[str, str] | None = None,
) -> Built:
    """The redirect table of a load: ``guides`` served, ``moved`` taken out by :func:`take_moved`,
    the ``graph``'s pages; ``site_url``: a ``redirect_to`` under it is a path of this site;
    ``failed``: the slugs of the guides that failed to load (slug -> file), whose paths stay theirs."""
    live: dict[str, Mapping[str, Any]] = {"/guides": guides}
    if graph is not None:
        live.update({"/apis": graph.apis, "/producers": graph.producers, "/services": graph.services})
    taken = {prefix: _taken(pages) for prefix, pages in live.items()}
    taken["/guides"].update({slug: file for slug, file in (failed or {}).items() if slug not in guides})
    built = Built()
    claims: dict[str, _Claim] = {}
    for slug, guide in sorted(moved.items()):
        assert guide.redirect_to is not None
        claims[f"/guides/{slug}"] = _Claim(
            guide.redirect_to.value, guide.file or slug, guide.redirect_to, True
        )
    for prefix, pages in live.items():
        for page in sorted(pages.values(), key=lambda p: p.file or ""):
            for entry in page.redirect_from:
                _claim_old(prefix, page, entry, taken[prefix], claims, built)
    for guide in sorted(moved.values(), key=lambda g: g.file or ""):
        _chained_old_slugs(guide, built)
    for slug, guide in sorted(moved.items()):  # each one against every claim, then the refused go
        if not _check_target(slug, guide, claims, live, site_url, built):
            built.refused[slug] = guide.file or slug
    for slug in built.refused:
        del claims[f"/guides/{slug}"]
    built.table = _table(claims)
    return built


def _chained_old_slugs(guide: Guide, built: Built) -> None:
    """A moved guide's ``redirect_from``: each entry would redirect twice, so it is refused."""
    for entry in guide.redirect_from:
        message = (
            f"'/guides/{entry.value}' would redirect to '/guides/{guide.slug}', which redirects "
            "again ('redirect_to'): not served; move this entry to the guide at its target"
        )
        built.diagnostics.append(_at(guide.file, "redirect-chain", message, entry))


def _at(file: str | None, code: str, message: str, where: Located) -> Diagnostic:
    return diagnostic(file, code, message, where.line, where.column)


def _taken(pages: Mapping[str, Any]) -> dict[str, str]:
    """Slug or alias (API pages, producers) -> the file of the page it names: paths a
    ``redirect_from`` of another page may not take."""
    found = {alias: page.file for page in pages.values() for alias in getattr(page, "aliases", ())}
    return found | {slug: page.file for slug, page in pages.items()}


def _claim_old(
    prefix: str,
    page: _Page,
    entry: Located,
    taken: Mapping[str, str],
    claims: dict[str, _Claim],
    built: Built,
) -> None:
    """Claim ``<prefix>/<entry>`` for ``page``, or say why it cannot be."""
    path = f"{prefix}/{entry.value}"
    problem = None
    if entry.value == page.slug:
        problem = "is this page's own slug"
    elif taken.get(entry.value, page.file) != page.file:  # its own alias may redirect to its slug
        problem = f"names another page ({taken[entry.value]}: a served page, or one that failed to load)"
    elif path in claims:
        other = claims[path]
        held = "moved away (its 'redirect_to')" if other.moved else f"redirects it (line {other.where.line})"
        problem = f"is already redirected: {other.file} {held}"
    if problem is not None:
        message = f"'redirect_from' {entry.value!r}: {path} {problem}; this redirect is not served"
        built.diagnostics.append(_at(page.file, "redirect-collision", message, entry))
        return
    claims[path] = _Claim(f"{prefix}/{page.slug}", page.file or "", entry, False)


def local_path(target: str, site_url: str | None) -> str | None:
    """The path of a redirect's target on this site (``/guides/new``: query, fragment, ``.md`` and
    a last ``/`` left out), or None when it is elsewhere or no page's path."""
    if site_url and target.lower().startswith(site_url.lower() + "/"):
        target = target[len(site_url) :]
    match = _LOCAL.match(target) if target.startswith("/") else None
    return f"{match.group(1)}/{match.group(2).lower()}" if match else None


def _check_target(
    slug: str,
    guide: Guide,
    claims: Mapping[str, _Claim],
    live: Mapping[str, Mapping[str, Any]],
    site_url: str | None,
    built: Built,
) -> bool:
    """Whether the moved guide ``slug``'s ``redirect_to`` may be served (else it is reported)."""
    where = guide.redirect_to
    assert where is not None
    own = f"/guides/{slug}"
    path = local_path(where.value, site_url)
    if path is None:
        return True
    steps = [own, path]
    while steps[-1] in claims and steps[-1] not in steps[:-1] and len(steps) < 100:
        steps.append(local_path(claims[steps[-1]].target, site_url) or claims[steps[-1]].target)
    route = " -> ".join(steps)
    if own in steps[1:]:
        message = f"'redirect_to' leads back to this guide ({route}): not served"
        built.diagnostics.append(_at(guide.file, "redirect-loop", message, where))
        return False
    if len(steps) > 2:
        message = f"'redirect_to' leads to a path that redirects again ({route}): point it at the last one"
        built.diagnostics.append(_at(guide.file, "redirect-chain", message, where))
        return False
    prefix, _, target_slug = path.rpartition("/")
    if prefix in live and target_slug not in live[prefix]:
        message = f"'redirect_to' {where.value!r}: no page is served at {path}"
        built.diagnostics.append(_at(guide.file, "redirect-target-missing", message, where))
    return True


def _table(claims: Mapping[str, _Claim]) -> dict[str, str]:
    """Path -> target of every claim, with the ``.md`` form of each guide path."""
    table: dict[str, str] = {}
    for path, claim in sorted(claims.items()):
        table[path] = claim.target
        if path.startswith("/guides/"):
            moved_here = claim.target.startswith("/guides/") and not claim.moved
            table[path + ".md"] = claim.target + ".md" if moved_here else claim.target
    return table


def location(target: str, query: str) -> str:
    """The ``Location`` of a redirect to ``target`` for a request with ``query``: the query is kept
    (after the target's own, before its fragment)."""
    if not query:
        return target
    base, hash_, fragment = target.partition("#")
    return f"{base}{'&' if '?' in base else '?'}{query}{hash_}{fragment}"
