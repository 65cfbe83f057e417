"""URL safety: schemes that run code never reach a frontend."""

from __future__ import annotations

import html
import re

_JUNK = re.compile(r"[\x00-\x20\x7f]+")
_SAFE_DATA = re.compile(r"data:image/(?:png|gif|jpe?g|webp|avif|bmp)[;,]")

#: Component props holding URLs; any prop whose name ends like one of these is a URL too.
URL_PROPS = ("href", "link", "logo", "url", "src", "image")


def is_unsafe_url(url: str) -> bool:
    """True for ``javascript:``, ``vbscript:`` and non-image ``data:`` URLs, however disguised.

    Entities are decoded and whitespace or control characters removed before the scheme is read
    (``&#106;avascript:``, ``java\\tscript:``, `` JAVASCRIPT:`` are all caught).
    """
    head = url[:128]
    if "&" in head:
        head = html.unescape(head)
    head = _JUNK.sub("", head).lower()
    if head.startswith(("javascript:", "vbscript:")):
        return True
    return head.startswith("data:") and not _SAFE_DATA.match(head)


def is_url_prop(name: str) -> bool:
    lowered = name.lower()
    return lowered in URL_PROPS or lowered.endswith(URL_PROPS)
