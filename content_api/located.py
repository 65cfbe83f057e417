"""A front-matter value with the place where it is written: what a check that needs the whole
content folder (redirects: content_api/redirects.py) reports at, long after the parse."""

from __future__ import annotations

import msgspec


class Located(msgspec.Struct, frozen=True):
    """``value`` as read (normalized), at its 1-based file ``line`` and ``column``."""

    value: str
    line: int
    column: int
