"""What a loaded graph adds to the rest of a load: each guide's ``apis`` entries get the slug of
the API page they name (``page``), and API pages' and producers' logos get their sizes.

Both run at load after the graph is linked (``library.py``), on copies: a guide or page kept for
the next load (the parse cache, a previous graph's ``parsed``) stays as it was parsed, so a
cached parse never depends on the catalogue it was served with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

import msgspec

from .. import model as m
from ..assets import AssetSizes
from ..diagnostics import diagnostic
from .kinds import ApiPage, Producer
from .references import Graph, key_line

__all__ = ["LOGO_PAGES", "attach_pages", "size_logos"]

#: What a bare logo name (``logo: dinum.png``) is relative to: the site's ``/images/api-logo/``.
LOGO_PAGES = "/images/api-logo/"


def attach_pages(graph: Graph, guides: Mapping[str, m.Guide]) -> dict[str, m.Guide]:
    """``guides`` whose ``apis`` entries each carry ``page``: the API page's slug, or None."""
    linked: dict[str, m.Guide] = {}
    for slug, guide in guides.items():
        pages = graph.guide_apis.get(slug) or [graph.resolve_api(api.name) for api in guide.apis]
        apis = [m.Api(api.slug, api.name, page) for api, page in zip(guide.apis, pages, strict=True)]
        linked[slug] = msgspec.structs.replace(guide, apis=apis)
    return linked


def size_logos(graph: Graph, assets: AssetSizes | None, source: Callable[[str], bytes]) -> list[m.Diagnostic]:
    """Give the served API pages and producers the size of their logo (``ASSETS_DIR``); a local
    logo that is not there is an ``image-missing`` warning at its line (``source``: a page file's
    bytes, as the load read them)."""
    if assets is None:
        return []
    found: list[m.Diagnostic] = []
    for slug, api in graph.apis.items():
        graph.apis[slug] = graph.files[api.file] = _sized(api, assets, found, source)
    for slug, producer in graph.producers.items():
        graph.producers[slug] = graph.files[producer.file] = _sized(producer, assets, found, source)
    return found


_P = TypeVar("_P", ApiPage, Producer)


def _sized(page: _P, assets: AssetSizes, found: list[m.Diagnostic], source: Callable[[str], bytes]) -> _P:
    if not page.logo:
        return page
    checked = assets.check(page.logo, LOGO_PAGES)
    if checked is None:  # not local (another host): nothing to measure
        return page
    if checked.problem is not None:
        message = f"image {page.logo!r}: {checked.problem}"
        found.append(diagnostic(page.file, "image-missing", message, key_line(source(page.file), b"logo")))
    if checked.size is None:
        return page
    width, height = checked.size
    return msgspec.structs.replace(page, logo_width=width, logo_height=height)
