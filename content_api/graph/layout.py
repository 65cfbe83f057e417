"""Which layout a content folder has, and the files of each kind.

A folder of guides (``*.md`` files) is read as it always was. A folder in the site's own layout
(``_data/`` of api.gouv.fr) has a ``guides/`` folder and no ``*.md`` file of its own, and
optionally ``api/`` (API pages), ``producteurs/`` (producers) and ``service/`` (services).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["api", "producer", "service"]

#: folder of the site -> the kind of its files
FOLDERS: dict[str, Kind] = {"api": "api", "producteurs": "producer", "service": "service"}


@dataclass(frozen=True)
class SiteLayout:
    """A content folder in the site's layout: where the guides are, and each kind's folder."""

    root: str
    guides: str
    #: kind -> its folder, for the folders that are there
    folders: dict[Kind, str] = field(default_factory=dict)


def site_layout(directory: str | os.PathLike[str]) -> SiteLayout | None:
    """The site layout of ``directory``, or None when it is a folder of guides (or unreadable)."""
    root = os.fspath(directory)
    guides = os.path.join(root, "guides")
    try:
        if not os.path.isdir(guides):
            return None
        with os.scandir(root) as entries:
            if any(entry.name.endswith(".md") for entry in entries):
                return None  # guides of their own, beside a guides/ folder: a folder of guides
    except OSError:
        return None
    folders = {kind: os.path.join(root, name) for name, kind in FOLDERS.items()}
    return SiteLayout(root, guides, {k: path for k, path in folders.items() if os.path.isdir(path)})


def markdown_files(folder: str) -> tuple[list[tuple[str, bool]], str | None]:
    """The ``*.md`` names of ``folder`` (sorted), each with whether it is a link; or why not listed."""
    try:
        with os.scandir(folder) as entries:
            found = [(entry.name, entry.is_symlink()) for entry in entries if entry.name.endswith(".md")]
    except OSError as exc:
        return [], str(exc)
    return sorted(found), None
