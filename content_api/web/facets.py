"""/tags and /apis: the catalog's facets (with a catalogue, /apis lists the API pages), prepared at
load (``Last-Modified``: the newest guide with a tag, with an API)."""

from __future__ import annotations

from .. import model as m
from ..graph.views import ApiItemList
from .prepared import Prepared
from .snapshot import Snapshot


def prepare_tags(snapshot: Snapshot) -> dict[str, Prepared]:
    body = m.TagList(snapshot.catalog.tags())
    modified = snapshot.newest(i for i, guide in enumerate(snapshot.catalog.entries) if guide.tags)
    return {"/tags": Prepared.json(body, compressor=snapshot.compressor, last_modified=modified)}


def prepare_apis(snapshot: Snapshot) -> dict[str, Prepared]:
    """/apis: the facet of the guides' APIs; with a catalogue (a site-layout folder), every API page
    with its fields, then the guides' API names that name no page (see ``catalog/graph.py``)."""
    site = snapshot.site
    body = m.ApiList(snapshot.catalog.apis()) if site is None else ApiItemList(site.api_items())
    # with a catalogue, the pages (which have no date) change the list too: no Last-Modified then
    entries = snapshot.catalog.entries
    modified = snapshot.newest(i for i, guide in enumerate(entries) if guide.apis) if site is None else None
    return {"/apis": Prepared.json(body, compressor=snapshot.compressor, last_modified=modified)}
