"""The allow-list of raw HTML in guides: the elements, attributes, style properties and URL
schemes kept, the hosts iframes may come from, and the names of every element of HTML, SVG and
MathML (for the messages: what was removed, by name). html_safety.py cleans with it."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

import nh3

from ..urls import browser_url

HtmlMode = Literal["sanitize", "raw"]
HTML_MODES: tuple[HtmlMode, ...] = ("sanitize", "raw")
#: Hosts whose pages guides may embed in an ``<iframe>`` (``*.`` matches every subdomain).
DEFAULT_IFRAME_HOSTS: tuple[str, ...] = ("*.gouv.fr",)


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Elements kept (with their allowed attributes; any other element is removed, its text kept).
ALLOWED_TAGS = words(
    "a abbr acronym article aside b bdi bdo blockquote br caption center cite code col colgroup "
    "data dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup "
    "hr i iframe img ins kbd li mark nav ol p pre q rp rt ruby s samp section small span strike "
    "strong sub summary sup table tbody td tfoot th thead time tr tt u ul var wbr"
)
#: Attributes kept on every allowed element.
GENERIC_ATTRIBUTES = frozenset({"id", "class", "title", "lang", "dir", "style"})
#: Attributes kept on some elements (``href`` and ``src`` also pass :func:`is_unsafe_url`).
TAG_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "hreflang", "target", "name"}),
    "img": frozenset({"src", "alt", "width", "height", "loading"}),
    "iframe": frozenset({"src", "width", "height", "loading"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "li": frozenset({"value"}),
    "details": frozenset({"open"}),
    "td": frozenset({"colspan", "rowspan", "align", "headers"}),
    "th": frozenset({"colspan", "rowspan", "align", "headers", "scope"}),
    "col": frozenset({"span", "align"}),
    "colgroup": frozenset({"span", "align"}),
    **{tag: frozenset({"align"}) for tag in ("table", "thead", "tbody", "tfoot", "tr")},
    **{tag: frozenset({"datetime"}) for tag in ("time", "del", "ins")},
    "data": frozenset({"value"}),
}
#: ``style`` keeps these layout properties only (no position, no url(), no colours).
STYLE_PROPERTIES = words(
    "width height max-width max-height min-width min-height display float clear text-align "
    "vertical-align margin margin-top margin-right margin-bottom margin-left padding padding-top "
    "padding-right padding-bottom padding-left"
)
#: A style declaration kept (before nh3 keeps only the properties above): a plain value, no
#: function (``url()``, ``expression()``), quote, backslash or comment.
STYLE_DECLARATION = re.compile(r"\s*[a-zA-Z-]+\s*:[\w\s.,%#+!/-]*", re.ASCII)
#: Elements whose content goes with them (code and style sheets; any other element keeps its text).
CONTENT_DROPPED = frozenset({"script", "style"})
#: Refused for being raw-text, foreign-content or active elements: in any case (``<SCRIPT>``,
#: ``<Svg>``) they are HTML, never components, so that the sanitizer sees them.
DANGEROUS_ELEMENTS = words(
    "script style noscript textarea title xmp noembed noframes plaintext template iframe svg math "
    "object embed applet param base meta link frame frameset form input select option optgroup "
    "datalist keygen isindex portal fencedframe"
)
URL_SCHEMES = frozenset(nh3.ALLOWED_URL_SCHEMES) | {"data"}

# The permissive pass, for messages only: every element of HTML, SVG and MathML, every attribute.
HTML_NAMES = (
    "a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big "
    "blink blockquote body br button canvas caption center cite code col colgroup data datalist dd "
    "del details dfn dialog dir div dl dt em embed fencedframe fieldset figcaption figure font footer "
    "form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe image img input ins "
    "isindex kbd keygen label legend li link listing main map mark marquee menu menuitem meta meter "
    "multicol nav nextid nobr noembed noframes noscript object ol optgroup option output p param "
    "picture plaintext portal pre progress q rb rp rt rtc ruby s samp script search section select "
    "slot small source spacer span strike strong style sub summary sup table tbody td template "
    "textarea tfoot th thead time title tr track tt u ul var video wbr xmp"
)
SVG_NAMES = (
    "svg altGlyph altGlyphDef altGlyphItem animate animateColor animateMotion animateTransform "
    "circle clipPath cursor defs desc discard ellipse feBlend feColorMatrix feComponentTransfer "
    "feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight feDropShadow "
    "feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge feMergeNode "
    "feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence filter "
    "font-face foreignObject g glyph glyphRef handler hatch hatchpath line linearGradient listener "
    "marker mask metadata missing-glyph mpath path pattern polygon polyline radialGradient rect set "
    "stop switch symbol text textPath tref tspan use view"
)
MATHML_NAMES = (
    "math maction annotation annotation-xml menclose merror mfenced mfrac mglyph mi mlabeledtr "
    "mlongdiv mmultiscripts mn mo mover mpadded mphantom mprescripts mroot mrow ms mscarries "
    "mscarry msgroup msline mspace msqrt msrow mstack mstyle msub msubsup msup mtable mtd mtext "
    "mtr munder munderover none semantics"
)
KNOWN_TAGS = frozenset(
    name for n in words(f"{HTML_NAMES} {SVG_NAMES} {MATHML_NAMES}") for name in (n, n.lower())
)
KNOWN_SCHEMES = URL_SCHEMES | {"javascript", "vbscript", "file", "blob", "about", "ws", "wss"}

_TABLE_PARTS = words("caption col colgroup tbody td tfoot th thead tr")
_DOCUMENT_PARTS = words("html head body frameset frame")
#: Said of an element removed with its content.
REMOVED_WHOLE = "removed with its content"
#: Elements both passes drop, and why (reported from the names written in the fragment).
SILENT_DROPS = {
    **dict.fromkeys(_TABLE_PARTS, "outside its <table> in this HTML block: write a table in one block"),
    **dict.fromkeys(_DOCUMENT_PARTS, "a part of a whole document, with its attributes"),
    **dict.fromkeys(
        {n.lower() for n in words(f"{SVG_NAMES} {MATHML_NAMES}")} - {n.lower() for n in words(HTML_NAMES)},
        "an SVG or MathML element outside <svg> or <math>, " + REMOVED_WHOLE,
    ),
}


def host_allowed(host: str, patterns: tuple[str, ...]) -> bool:
    """``host`` matches a pattern: the same name, or under ``*.domain`` (any depth)."""
    host = host.lower()
    for pattern in patterns:
        pattern = pattern.strip().lower()
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif pattern and host == pattern:
            return True
    return False


_HOST = re.compile(r"[a-z0-9.\-]+")


def frame_allowed(src: str, patterns: tuple[str, ...]) -> bool:
    """An iframe's ``src``, as the HTML parser decoded it: ``https://`` and a host of ``IFRAME_HOSTS``
    (no user, no odd character). Its character references are not decoded again: a browser decodes
    them once, so ``www.gouv.fr&amp;sol;@example.com`` is a user name before ``example.com``."""
    url = browser_url(src, decoded=True)
    if url[:8].lower() != "https://" or "\\" in url:
        return False  # a backslash is a slash to browsers and not to urlsplit: refused
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return False
    return "@" not in parts.netloc and _HOST.fullmatch(host) is not None and host_allowed(host, patterns)
