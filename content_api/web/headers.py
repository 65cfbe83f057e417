"""Headers every response carries: the settings' policy, nosniff, and the HTML pages' security.

The policy (``Cache-Control`` and the operator's extra headers) comes from the settings; the
HTML pages (API reference, previews) add a strict Content-Security-Policy and refuse framing.
"""

from __future__ import annotations

import msgspec

RawHeaders = list[tuple[bytes, bytes]]


class Policy(msgspec.Struct, frozen=True):
    """Headers every response carries, from the settings."""

    cache_control: bytes
    extra: tuple[tuple[bytes, bytes], ...] = ()


NOSNIFF = (b"x-content-type-options", b"nosniff")
#: The policy of the HTML pages (API reference, previews): scripts and styles from this origin only
#: (no inline script), images and embedded widgets over HTTPS, no plugins, never framed elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
    "frame-src https:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HTML_SECURITY = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


def security_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``raw`` with ``nosniff``, and for an HTML page the headers above, unless already there."""
    names = {name.lower() for name, _ in raw}
    out = list(raw)
    if b"x-content-type-options" not in names:
        out.append(NOSNIFF)
    is_html = any(name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in raw)
    if is_html and b"content-security-policy" not in names:
        out.extend(HTML_SECURITY)
    return out


VARY = (b"vary", b"Accept-Encoding")
#: The Vary of a resource served in several media types (a prepared response with alternatives).
VARY_ACCEPT = (b"vary", b"Accept, Accept-Encoding")
