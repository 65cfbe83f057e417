"""/tags and /apis: the catalog's facets, prepared at load."""

from __future__ import annotations

from .. import model as m
from .prepared import Prepared
from .snapshot import Snapshot


def prepare_tags(snapshot: Snapshot) -> dict[str, Prepared]:
    body = m.TagList(snapshot.catalog.tags())
    return {"/tags": Prepared.json(body, compressor=snapshot.compressor)}


def prepare_apis(snapshot: Snapshot) -> dict[str, Prepared]:
    body = m.ApiList(snapshot.catalog.apis())
    return {"/apis": Prepared.json(body, compressor=snapshot.compressor)}
