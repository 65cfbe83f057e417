"""/tags and /apis: the catalog's facets, prepared at load (``Last-Modified``: the newest guide
with a tag, with an API)."""

from __future__ import annotations

from .. import model as m
from .prepared import Prepared
from .snapshot import Snapshot


def prepare_tags(snapshot: Snapshot) -> dict[str, Prepared]:
    body = m.TagList(snapshot.catalog.tags())
    modified = snapshot.newest(i for i, guide in enumerate(snapshot.catalog.entries) if guide.tags)
    return {"/tags": Prepared.json(body, compressor=snapshot.compressor, last_modified=modified)}


def prepare_apis(snapshot: Snapshot) -> dict[str, Prepared]:
    body = m.ApiList(snapshot.catalog.apis())
    modified = snapshot.newest(i for i, guide in enumerate(snapshot.catalog.entries) if guide.apis)
    return {"/apis": Prepared.json(body, compressor=snapshot.compressor, last_modified=modified)}
