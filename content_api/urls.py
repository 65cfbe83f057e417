"""URL safety: schemes that run code never reach a frontend.

One function, :func:`is_unsafe_url`, judges every URL: Markdown links, images and autolinks,
component props (at any depth of their arrays and objects), the front matter ``image``, the
``href``/``src`` attributes of raw HTML (through the sanitizer), and ``render_html`` checks again
what it writes. ``clients/typescript/src/render.ts`` has the same function, tested against the
same cases (``tests/fixtures/url_cases.json``).

A URL is read as a browser reads an attribute value and then parses it (WHATWG URL): character
references decoded once, leading and trailing C0 controls and spaces stripped, ASCII tab, LF and
CR removed anywhere, then the scheme read. Every step is linear: a 1 MB URL of padding costs what
a short one does, and no fixed window can be escaped with more padding.
"""

from __future__ import annotations

import re
from contextlib import suppress
from html.entities import html5
from urllib.parse import quote

import mdurl
from markdown_it._punycode import to_ascii

#: ``&...`` as ``html.unescape`` finds it (numeric with or without ``;``, named up to 32 chars).
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")
#: Numeric references that HTML maps elsewhere: NUL, CR and the C1 range read as windows-1252.
_REMAPPED = {0x00: "\ufffd", 0x0D: "\r"}
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*:")
_SAFE_DATA = re.compile(r"data:image/(?:png|gif|jpe?g|webp|avif|bmp)[;,]", re.IGNORECASE | re.ASCII)

_RECODE_HOSTNAME_FOR = ("http:", "https:", "mailto:")

#: Component props holding URLs; any prop whose name ends like one of these is a URL too.
URL_PROPS = ("href", "link", "logo", "url", "src", "image")


def _c1(number: int) -> str:
    try:
        return bytes([number]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(number)


def _numeric(reference: str) -> str:
    hexadecimal = reference[1] in "xX"
    digits = reference[2 if hexadecimal else 1 :].rstrip(";").lstrip("0")
    # More digits than any code point has: out of range (int() would refuse 4,300 digits and more).
    number = 0x110000 if len(digits) > 8 else int(digits or "0", 16 if hexadecimal else 10)
    if number in _REMAPPED:
        return _REMAPPED[number]
    if 0x80 <= number <= 0x9F:
        return _c1(number)
    if 0xD800 <= number <= 0xDFFF or number > 0x10FFFF:
        return "\ufffd"
    if (
        0x01 <= number <= 0x08
        or number == 0x0B
        or 0x0E <= number <= 0x1F
        or number == 0x7F
        or 0xFDD0 <= number <= 0xFDEF
        or number & 0xFFFE == 0xFFFE
    ):
        return ""
    return chr(number)


def _reference(match: re.Match[str]) -> str:
    reference = match.group(1)
    if reference[0] == "#":
        return _numeric(reference)
    if reference in html5:
        return html5[reference]
    for length in range(len(reference) - 1, 1, -1):  # the longest name written without ';'
        if reference[:length] in html5:
            return html5[reference[:length]] + reference[length:]
    return "&" + reference


def unescape_html(text: str) -> str:
    """``html.unescape``, without its failure on a reference of 4,300 digits or more."""
    return _CHARREF.sub(_reference, text) if "&" in text else text


def browser_url(url: str, *, decoded: bool = False) -> str:
    """``url`` as a browser's URL parser starts reading it (before the scheme is looked for).

    Its character references are decoded first (once, as the HTML parser does) unless ``decoded``:
    an attribute value handed over by an HTML parser has been decoded already.
    """
    url = (url if decoded else unescape_html(url)).strip(_C0_AND_SPACE)
    if "\t" in url or "\n" in url or "\r" in url:
        url = url.replace("\t", "").replace("\n", "").replace("\r", "")
    return url


def is_unsafe_url(url: str) -> bool:
    """True for ``javascript:``, ``vbscript:`` and non-image ``data:`` URLs, however disguised.

    ``&#106;avascript:``, ``java&Tab;script:``, `` JAVASCRIPT:``, a thousand spaces or ``&#32;``
    before it: all caught. ``data:image/png|gif|jpeg|webp|avif|bmp`` is the only ``data:`` kept.
    """
    url = browser_url(url)
    match = _SCHEME.match(url)
    if match is None:
        return False
    scheme = match.group()[:-1].lower()
    if scheme in ("javascript", "vbscript"):
        return True
    return scheme == "data" and _SAFE_DATA.match(url) is None


def is_url_prop(name: str) -> bool:
    lowered = name.lower()
    return lowered in URL_PROPS or lowered.endswith(URL_PROPS)


# --- writing a URL as CommonMark renderers do ------------------------------------------------------

#: What mdurl.encode keeps: a valid percent escape, ASCII letters and digits, ``;/?:@&=+$,-_.!~*'()#``.
_KEPT = re.compile(r"(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#])+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def percent_encode(text: str, kept: re.Pattern[str]) -> str:
    """``text`` with the runs ``kept`` matches left as they are and everything else percent-encoded
    as UTF-8 (a lone surrogate as U+FFFD), in one pass: the encoders of mdurl and micromark,
    whose rules are their ``kept`` patterns."""
    out: list[str] = []
    position = 0
    for run in kept.finditer(text):
        if run.start() > position:
            out.append(_escape(text[position : run.start()]))
        out.append(run.group())
        position = run.end()
    if position < len(text):
        out.append(_escape(text[position:]))
    return "".join(out)


def _escape(chunk: str) -> str:
    return quote(_SURROGATE.sub("\ufffd", chunk), safe="")


def _encode(text: str) -> str:
    """``mdurl.encode(text)`` in linear time (mdurl's loop appends to a string: minutes for 1 MB)."""
    return percent_encode(text, _KEPT)


def normalize_link(url: str) -> str:
    """``url`` as markdown-it's ``normalizeLink`` writes it into ``href``/``src`` (percent-encoded,
    IDN host in punycode), the same string in linear time (tests/test_url_safety.py compares them)."""
    parsed = mdurl.parse(url, slashes_denote_host=True)
    if parsed.hostname and (not parsed.protocol or parsed.protocol in _RECODE_HOSTNAME_FOR):
        with suppress(Exception):
            parsed = parsed._replace(hostname=to_ascii(parsed.hostname))
    if not parsed.hostname or ":" not in parsed.hostname:
        return _encode(mdurl.format(parsed))
    # encode the parts before format() adds the brackets of an IPv6 host
    return mdurl.format(
        parsed._replace(
            protocol=parsed.protocol and _encode(parsed.protocol),
            auth=parsed.auth and _encode(parsed.auth),
            hostname=_encode(parsed.hostname),
            pathname=parsed.pathname and _encode(parsed.pathname),
            search=parsed.search and _encode(parsed.search),
            hash=parsed.hash and _encode(parsed.hash),
        )
    )
