"""The content graph (issue 16): API pages, producers and services beside the guides, in the
site's own layout (``guides/``, ``api/``, ``producteurs/``, ``service/``), typed, parsed by the guide
engine, and linked: each reference resolved to a slug or reported with suggestions.

No web imports here: ``library.py`` loads it (``library.graph``), the endpoints read it.
"""

from __future__ import annotations

from .kinds import AccessRule, ApiPage, Producer, Ref, Service
from .layout import SiteLayout, site_layout
from .load import load_graph
from .parse import parse_page
from .references import Graph

__all__ = [
    "AccessRule",
    "ApiPage",
    "Graph",
    "Producer",
    "Ref",
    "Service",
    "SiteLayout",
    "load_graph",
    "parse_page",
    "site_layout",
]
