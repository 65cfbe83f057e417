"""Raw HTML in a guide, made safe with an allow-list sanitizer built on an HTML5 parser.

Every ``html`` node goes through `nh3 <https://nh3.readthedocs.io>`_ (ammonia, whose parser is
html5ever: it reads HTML as browsers do, comments, CDATA, raw-text elements and foreign content
included) with the allow-list of :mod:`.html_policy`; the node's value is nh3's serialization, never
the input.
What is kept is what guides use: ``details``/``summary``, ``br``, ``a href``, ``img``, text-level and
block elements, tables, and ``iframe`` widgets from the hosts of ``IFRAME_HOSTS`` (https only).
Never kept: raw-text and foreign-content elements (``script``, ``style``, ``noscript``,
``textarea``, ``title``, ``xmp``, ``noembed``, ``noframes``, ``plaintext``, ``template``, ``svg``,
``math``), what loads or runs code or takes over the page (``object``, ``embed``, ``base``,
``meta``, ``link``, frames, forms and their controls), event handlers and every attribute off the
list, ``javascript:``/``vbscript:``/non-image ``data:`` URLs (see :mod:`content_api.urls`), and ``style``
properties other than a few layout ones. Comments are kept (ignore directives live in them).

An html node is a fragment, often unbalanced (``<details>`` and its ``<summary>`` in one node, the
Markdown of the answer, then ``</details>`` in another), while nh3 balances what it writes. So:
end tags that open the fragment are split off and put back; the rest is cleaned with a marker
character at its end, the output is cut there, and what nh3 added after it to close open
elements is dropped. A fragment that ends inside a tag (``<a href="x``) loses that tag.

Each removal is named for the ``html-unsafe`` diagnostic by comparing the result with a
permissive clean of the same fragment (every tag and attribute kept): safety never depends on
that second pass, only the messages do.
"""

from __future__ import annotations

import html
import re
import threading
from collections import Counter
from functools import lru_cache
from typing import NamedTuple, TypeVar

import nh3

from ..urls import browser_url, is_unsafe_url, unescape_html
from .html_policy import (
    ALLOWED_TAGS,
    CONTENT_DROPPED,
    DEFAULT_IFRAME_HOSTS,
    GENERIC_ATTRIBUTES,
    KNOWN_SCHEMES,
    KNOWN_TAGS,
    MATHML_NAMES,
    REMOVED_WHOLE,
    SILENT_DROPS,
    STYLE_DECLARATION,
    STYLE_PROPERTIES,
    SVG_NAMES,
    TAG_ATTRIBUTES,
    URL_SCHEMES,
    frame_allowed,
    words,
)

_T = TypeVar("_T")

_TAG_NAME = re.compile(r"<([a-zA-Z][^\t\n\f\r />]*)")
_SCHEME_NAME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_LEADING_END_TAG = re.compile(r"[\t\n\f\r ]*</([a-zA-Z][^\t\n\f\r />]*)(?:[\t\n\f\r /][^>]*)?>")
#: An element as nh3 writes it: lower-case name, each attribute ``name="value"`` (``"`` escaped).
_ATTRS = r'((?: [^\s"\'>/=]+="[^"]*")*)'
_IFRAME = re.compile(r"<iframe" + _ATTRS + r">(.*?)</iframe>", re.DOTALL)
_START_TAG = re.compile(r"<([^\s/>!?]+)" + _ATTRS + ">")
_ATTRIBUTE = re.compile(r' ([^\s"\'>/=]+)="([^"]*)"')
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)  # on nh3's output only, where every comment is closed
_RAW_TEXT = re.compile(
    r"<(script|style|xmp|iframe|noembed|noframes|noscript)\b" + _ATTRS + r">.*?</\1>|<plaintext\b.*",
    re.DOTALL,
)
_END_TAGS = re.compile(r"(?:</[^\s/>]+>)*\Z")
_DOCTYPE = re.compile(r"<!doctype", re.IGNORECASE)
#: A start tag by the CommonMark grammar (what an inline html node holds): a subset of what
#: browsers read as one start tag, and read the same way.
_NAME = r"[a-zA-Z_:][a-zA-Z0-9:._-]*"
_VALUE = "[^\"'=<>`\\x00-\\x20]+|'[^']*'|\"[^\"]*\""
_TAG_ATTRIBUTE = re.compile(rf"\s+({_NAME})(?:\s*=\s*({_VALUE}))?")
_OPEN_TAG = re.compile(rf"<([A-Za-z][A-Za-z0-9-]*)((?:\s+{_NAME}(?:\s*=\s*(?:{_VALUE}))?)*)\s*/?>")


class Removed(NamedTuple):
    """What the sanitizer took out, and the text of the source to point a diagnostic at."""

    what: str
    snippet: str


_recorded = threading.local()


def _refused() -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] | None = getattr(_recorded, "refused", None)
    if found is None:
        found = _recorded.refused = []
    return found


@lru_cache(maxsize=8)
def _cleaner(iframe_hosts: tuple[str, ...]) -> nh3.Cleaner:
    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "style":
            return ";".join(d for d in value.split(";") if STYLE_DECLARATION.fullmatch(d))
        if attribute in ("href", "src") and (
            is_unsafe_url(value) or (tag == "iframe" and not frame_allowed(value, iframe_hosts))
        ):
            _refused().append((tag, attribute, value))
            return None
        return value

    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CONTENT_DROPPED),
        attributes={"*": set(GENERIC_ATTRIBUTES), **{tag: set(v) for tag, v in TAG_ATTRIBUTES.items()}},
        attribute_filter=attribute_filter,
        strip_comments=False,
        link_rel=None,
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
    )


#: The permissive pass: every element of HTML, SVG and MathML, every attribute, the known schemes.
#: Element names beyond these lists are reported from the fragment's text (_differences): the strict
#: pass never keeps them, and a cleaner made for each fragment would cost more than the parse.
_PERMISSIVE = nh3.Cleaner(
    tags=set(KNOWN_TAGS),
    clean_content_tags=set(),
    generic_attribute_prefixes={""},  # every attribute
    strip_comments=False,
    link_rel=None,
    url_schemes=set(KNOWN_SCHEMES),
)
#: Elements the parser may add that a fragment does not name.
_IMPLIED = frozenset({"tbody", "tr", "colgroup", "p", "br", "img"})
_CAMEL = {name.lower(): name for name in words(f"{SVG_NAMES} {MATHML_NAMES}")}


def _permissive_clean(fragment: str) -> str:
    """``fragment`` with every element and attribute kept (what the strict clean is compared with).

    A URL with a scheme beyond the known ones needs a cleaner that knows it: a small one, made for
    the elements the fragment names."""
    schemes = set()
    if ":" in fragment:
        schemes = {s.lower() for s in _SCHEME_NAME.findall(browser_url(fragment))} - KNOWN_SCHEMES
    if not schemes:
        return _PERMISSIVE.clean(fragment)
    names = {
        n for found in _TAG_NAME.findall(fragment) for n in (found, found.lower(), _CAMEL.get(found.lower()))
    }
    return nh3.clean(
        fragment,
        tags={name for name in names if name} | _IMPLIED,
        clean_content_tags=set(),
        generic_attribute_prefixes={""},
        strip_comments=False,
        link_rel=None,
        url_schemes=KNOWN_SCHEMES | schemes,
    )


def _marker(text: str) -> str | None:
    """A private-use character that ``text`` does not hold (None if it holds the first 64)."""
    return next((chr(code) for code in range(0xE000, 0xE040) if chr(code) not in text), None)


def _well_formed(text: str) -> str:
    """``text`` with lone surrogates (which no file decodes to, but a ``str`` may hold) as U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _frames(out: str, marker: str, refused: list[str], removed: list[Removed]) -> str:
    """Iframes lose their content (browsers never show it); one without an allowed ``src`` goes whole.

    ``refused``: the ``src`` values the attribute filter took out, in document order.
    """
    refused = list(refused)

    def frame(match: re.Match[str]) -> str:
        attributes, content = match.group(1), match.group(2)
        after = marker if marker in content else ""
        if ' src="' not in attributes:
            src = refused.pop(0) if refused else ""
            why = f"its src {src[:60]!r} is not" if src else "it has no src that is"
            removed.append(Removed(f"<iframe> ({why} an https address of IFRAME_HOSTS)", "<iframe"))
            return after
        if content.replace(marker, "").strip():
            removed.append(Removed("the content of <iframe> (browsers never show it)", "<iframe"))
        return f"<iframe{attributes}></iframe>{after}"

    return _IFRAME.sub(frame, out) if "<iframe" in out else out


def _inventory(out: str) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """Elements, attributes (of allowed elements) and style properties in nh3's serialization."""
    if "<!--" in out:
        out = _COMMENT.sub("", out)
    if "</" in out:
        out = _RAW_TEXT.sub(lambda m: m.group(0)[: m.group(0).index(">") + 1], out)
    tags: list[str] = []
    attributes: list[tuple[str, str]] = []
    styles: list[str] = []
    for tag, written in _START_TAG.findall(out):
        tag = tag.lower()
        tags.append(tag)
        if not written or tag not in ALLOWED_TAGS:
            continue
        for name, value in _ATTRIBUTE.findall(written):
            if name == "style":
                styles += (p.split(":", 1)[0].strip().lower() for p in value.split(";") if ":" in p)
            else:
                attributes.append((name, unescape_html(value)))
    return tags, attributes, styles


def _lost(seen: list[_T], kept: list[_T]) -> list[_T]:
    """The items of ``seen`` that ``kept`` lacks, counting repeats (a multiset difference)."""
    if seen == kept:
        return []
    left: dict[_T, int] = {}
    for item in kept:
        left[item] = left.get(item, 0) + 1
    lost = []
    for item in seen:
        if left.get(item):
            left[item] -= 1
        else:
            lost.append(item)
    return lost


def _differences(fragment: str, strict: str, permissive: str, refused: list[str]) -> list[Removed]:
    """What the strict clean lost that the permissive one kept (refused iframes are said apart), and
    what neither kept: unknown elements, table parts outside a table, SVG and MathML elements outside
    ``<svg>``/``<math>``, the parts of a whole document."""
    text = without_comments(fragment)
    written = dict.fromkeys(name.lower() for name in _TAG_NAME.findall(text))
    removed = [Removed(f"<{tag}>", f"<{tag}") for tag in written if tag not in KNOWN_TAGS]
    silent = [tag for tag in written if tag in SILENT_DROPS]
    if silent:
        both = (strict + permissive).lower()
        gone = [tag for tag in silent if not re.search(f"<{re.escape(tag)}[\\s/>]", both)]
        removed += [Removed(f"<{tag}> ({SILENT_DROPS[tag]})", f"<{tag}") for tag in gone]
    if strict == permissive:
        return removed
    kept, seen = _inventory(strict), _inventory(permissive)
    removed += [Removed(f"<{tag}>", f"<{tag}") for tag in _lost(seen[0], kept[0])]
    for name, value in _lost(seen[1], kept[1]):
        if name == "src" and value in refused:
            continue
        shown = browser_url(value)
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        removed.append(Removed(f"{name}={shown!r}" if value else name, name))
    removed += [Removed(f"style {prop}", prop) for prop in _lost(seen[2], kept[2])]
    return removed


def _cut(out: str, marker: str) -> str:
    """The output without the marker, and without the closing tags nh3 wrote at its end, after
    the marker: the elements the fragment leaves open stay open for the nodes after it.

    Never an ``</iframe>``: an iframe left open would take what follows as its raw text, up to a
    ``</iframe>`` written in a later node (in a comment, say), after which markup is live again.
    (The marker may not be last: text in a table is moved in front of it; then the closing tags of
    the table are cut, and the iframe in a cell stays closed.)
    """
    head, _, tail = out.partition(marker)
    end = _END_TAGS.search(tail)
    cut = end.start() if end else len(tail)
    frame = tail.rfind("</iframe>", cut)
    if frame >= 0:
        cut = frame + len("</iframe>")
    return head + tail[:cut]


def _leading_end_tags(value: str, out: list[str], removed: list[Removed]) -> int:
    """End tags that open a fragment close elements opened before it: kept (normalized) if allowed."""
    pos = 0
    while match := _LEADING_END_TAG.match(value, pos):
        name = match.group(1).lower()
        space = match.group(0)[: match.start(1) - match.start() - 2]
        if name in ALLOWED_TAGS:
            out.append(f"{space}</{name}>")
        else:
            out.append(space)
            removed.append(Removed(f"</{name}>", match.group(0)[len(space) :][:20]))
        pos = match.end()
    return pos


#: Deeper raw HTML (by a quick count of its tags) is kept as text: html5ever's scope checks walk
#: the stack of open elements, so 100,000 nested <div> take minutes (browsers cap the depth too).
MAX_HTML_DEPTH = 256
_TAG = re.compile(r"<(/?)([a-zA-Z][^\t\n\f\r />]*)")
_VOID = words("area base br col embed hr img input keygen link meta param source track wbr")


def without_comments(text: str) -> str:
    """``text`` without its comments, ended where a browser ends them (``-->``, ``--!>``, ``<!-->``,
    ``<!--->``; one never closed runs to the end), in one pass: a regular expression looking for the
    end of each of a thousand unclosed ``<!--`` would read the rest a thousand times."""
    if "<!--" not in text:
        return text
    out: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0:
        out.append(text[pos:start])
        body = start + 4
        if text.startswith(">", body) or text.startswith("->", body):  # <!--> and <!--->
            pos = text.index(">", body) + 1
            continue
        ends = [end for end in (text.find("-->", body), text.find("--!>", body)) if end >= 0]
        if not ends:
            return "".join(out)
        pos = text.index(">", min(ends)) + 1
    out.append(text[pos:])
    return "".join(out)


def _too_deep(fragment: str) -> bool:
    """Whether the elements of ``fragment`` may nest deeper than :data:`MAX_HTML_DEPTH`.

    An upper bound, from the tags alone: every start tag of a non-void element opens one, an end tag
    closes up to the last one of its name (auto-closed ``<p>`` or ``<li>`` count as open: wider).
    """
    if fragment.count("<") <= MAX_HTML_DEPTH:
        return False
    stack: list[str] = []
    open_names: Counter[str] = Counter()
    for match in _TAG.finditer(without_comments(fragment)):
        name = match.group(2).lower()
        if not match.group(1):
            if name not in _VOID:
                stack.append(name)
                open_names[name] += 1
                if len(stack) > MAX_HTML_DEPTH:
                    return True
        elif open_names[name]:
            while True:
                closed = stack.pop()
                open_names[closed] -= 1
                if closed == name:
                    break
    return False


#: Fragments this short (single inline tags, mostly: ``<br>``, ``</a>``) are cleaned once per process.
CACHED_FRAGMENT = 256


def sanitize_html(
    value: str, iframe_hosts: tuple[str, ...] = DEFAULT_IFRAME_HOSTS
) -> tuple[str, list[Removed]]:
    """``value`` (an html node, a fragment) cleaned by the allow-list, and what was removed."""
    if len(value) <= CACHED_FRAGMENT:
        safe, removed = _sanitize_short(value, iframe_hosts)
        return safe, list(removed)
    return _sanitize(value, iframe_hosts)


@lru_cache(maxsize=4096)
def _sanitize_short(value: str, iframe_hosts: tuple[str, ...]) -> tuple[str, tuple[Removed, ...]]:
    safe, removed = _sanitize(value, iframe_hosts)
    return safe, tuple(removed)


def _sanitize(value: str, iframe_hosts: tuple[str, ...]) -> tuple[str, list[Removed]]:
    removed: list[Removed] = []
    out: list[str] = []
    rest = _well_formed(value[_leading_end_tags(value, out, removed) :])
    if rest:
        out.append(_clean(rest, iframe_hosts, removed))
    return "".join(out), removed


def _strict_clean(fragment: str, iframe_hosts: tuple[str, ...]) -> tuple[str, list[str]]:
    """The allow-list's clean, and the iframe ``src`` values the attribute filter refused."""
    refused = _refused()
    refused.clear()
    strict = _cleaner(iframe_hosts).clean(fragment)
    frames = [found for tag, _, found in refused if tag == "iframe"]
    refused.clear()
    return strict, frames


def _clean(rest: str, iframe_hosts: tuple[str, ...], removed: list[Removed]) -> str:
    """``rest`` (a fragment that does not open with an end tag) cleaned, its removals in ``removed``."""
    if _too_deep(rest):
        removed.append(Removed(f"elements nested deeper than {MAX_HTML_DEPTH} (kept as text)", rest[:20]))
        return html.escape(rest, quote=False)
    marker = _marker(rest)
    if marker is None:  # 64 private-use characters written in one fragment: the first one goes
        marker = "\ue000"
        rest = rest.replace(marker, "")
        removed.append(Removed("the private-use character U+E000", marker))
    strict, frames = _strict_clean(rest + marker, iframe_hosts)
    end = len(rest) + 1
    if strict[:end] == rest + marker and _END_TAGS.fullmatch(strict, end) and "<iframe" not in strict:
        return rest  # written back as it is, then closing tags: nothing was removed
    single = _OPEN_TAG.fullmatch(rest)
    permissive = None if single else _permissive_clean(rest + marker)
    if single:  # one start tag (an inline html node): read by the CommonMark grammar, no second pass
        removed += _tag_losses(single, strict.partition(marker)[0], frames)
    else:
        removed += _differences(rest, strict, permissive or "", frames)
    cleaned = _frames(strict, marker, frames, removed)
    if marker in cleaned:
        return _cut(cleaned, marker)
    # the fragment ended inside a tag, or inside content that was dropped
    if (
        permissive is not None
        and marker not in permissive
        and not any(REMOVED_WHOLE in r.what for r in removed)
    ):
        start = rest.rfind("<")
        removed.append(Removed("an unfinished tag", rest[start : start + 20] if start >= 0 else ""))
    if _DOCTYPE.search(without_comments(rest)):
        removed.append(Removed("<!DOCTYPE>", "<!"))
    return cleaned


def _tag_losses(tag: re.Match[str], strict: str, refused: list[str]) -> list[Removed]:
    """What a single start tag lost: the element, or attributes and style properties."""
    name = tag.group(1).lower()
    written = [
        (attribute.lower(), unescape_html(value.strip("\"'")) if value else "")
        for attribute, value in _TAG_ATTRIBUTE.findall(tag.group(2))
    ]
    kept = _START_TAG.match(strict)
    if kept is None or kept.group(1) != {"image": "img"}.get(name, name):
        why = f" ({SILENT_DROPS[name]})" if name in SILENT_DROPS else ""
        return [Removed(f"<{name}>{why}", f"<{name}")]
    attributes = dict(_ATTRIBUTE.findall(kept.group(2)))
    removed = []
    for attribute, value in written:
        if attribute == "style" and "style" in attributes:
            props = {p.split(":", 1)[0].strip().lower() for p in attributes["style"].split(";")}
            written_props = (p.split(":", 1)[0].strip().lower() for p in value.split(";") if ":" in p)
            removed += [Removed(f"style {prop}", prop) for prop in written_props if prop not in props]
        elif attribute not in attributes and not (attribute == "src" and value in refused):
            shown = browser_url(value)
            shown = shown if len(shown) <= 40 else shown[:40] + "…"
            removed.append(Removed(f"{attribute}={shown!r}" if value else attribute, attribute))
    return removed
