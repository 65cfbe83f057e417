"""content-api: Markdown guides with front matter and JSX-like components, as a typed AST.

The public surface (pinned by ``__all__`` and a test)::

    from content_api import parse_guide, load_library, render_html, render_text, Catalog
"""

from __future__ import annotations

from .catalog import Catalog
from .library import Library, load_library
from .model import Diagnostic, EditorRow, Guide
from .parse import parse_guide
from .plain_text import render_text
from .render import render_html

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "Diagnostic",
    "EditorRow",
    "Guide",
    "Library",
    "__version__",
    "load_library",
    "parse_guide",
    "render_html",
    "render_text",
]
