"""Bare-URL autolinks with GFM's rules, on top of linkify-it-py.

GFM links ``http(s)://``, ``www.`` and e-mail addresses, not every word that looks like a
domain (``api.gouv.fr``), and leaves trailing ``_`` and ``~`` out of a link, so that
``_https://example.com/a.png_`` stays emphasis around a link.
"""

from __future__ import annotations

from typing import Any

from linkify_it import LinkifyIt

_TRAILING = "_~"


def _trim(match: Any) -> Any:
    extra = len(match.raw) - len(match.raw.rstrip(_TRAILING))
    if extra:
        match.last_index -= extra
        match.raw = match.raw[:-extra]
        match.text = match.text[:-extra]
        match.url = match.url[:-extra]
    return match


def _gfm(match: Any) -> bool:
    """Schemed links and e-mails are kept; a link without scheme only when it starts with www."""
    return bool(match.schema) or match.raw[:4].lower() == "www."


class GfmLinkify(LinkifyIt):  # type: ignore[misc]
    def match(self, text: str) -> list[Any] | None:
        found = super().match(text)
        kept = [_trim(m) for m in found or () if _gfm(m)]
        return kept or None

    def match_at_start(self, text: str) -> Any:
        found = super().match_at_start(text)
        return _trim(found) if found is not None else None
