"""Raw HTML in a guide, made safe to hand to a frontend that renders it as HTML.

Guides may hold raw HTML (``<details>``, ``<iframe>`` widgets, ``<a href>``, ``<img>``): it is kept
as written, except what runs code or takes over the page, which is removed (and reported):

* elements that run or load code, or rewrite the page: ``script``, ``style``, ``base``, ``meta``,
  ``link``, ``object``, ``embed``, ``applet``, ``frame``, ``frameset`` (the tags; for ``script``
  and ``style``, their content too);
* event-handler attributes (``onclick``, ``onerror``, ...) and ``srcdoc``;
* any attribute whose value is a ``javascript:``, ``vbscript:`` or non-image ``data:`` URL, however
  disguised (entities, case, whitespace: see :func:`is_unsafe_url`).

The tokenizer is the standard library's :class:`html.parser.HTMLParser`, which follows the HTML
specification's rules for tag and attribute syntax, so ``<img src=x onerror=alert(1)>`` and
``<a href = "java&#x09;script:x">`` are read as a browser reads them. Everything else (text,
comments, unknown tags, other attributes) is passed through byte for byte.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from .urls import is_unsafe_url

#: Elements removed (their tags; the content too for the raw-text ones).
DROPPED_ELEMENTS = frozenset(
    {"script", "style", "base", "meta", "link", "object", "embed", "applet", "frame", "frameset"}
)
_RAW_TEXT = frozenset({"script", "style"})
#: Quick test: HTML without any of these needs no parsing.
_SUSPECT = re.compile(
    r"(?i)on[a-z]|srcdoc|script|:|&|<\s*/?\s*(?:style|base|meta|link|object|embed|applet|frame)"
)


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.removed: list[tuple[str, str]] = []  # (what, the source text to point at)
        self._skipping: str | None = None  # inside <script> or <style>: content dropped

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        source = self.get_starttag_text() or f"<{tag}>"
        if tag in DROPPED_ELEMENTS:
            self.removed.append((f"<{tag}> element", source))
            if tag in _RAW_TEXT and not closed:
                self._skipping = tag
            return
        kept: list[tuple[str, str | None]] = []
        for name, value in attrs:
            if name.startswith("on") or name == "srcdoc":
                self.removed.append((f"{name} attribute", name))
            elif value is not None and is_unsafe_url(value):
                self.removed.append((f"unsafe URL in {name}", name))
            else:
                kept.append((name, value))
        if len(kept) == len(attrs):
            self.out.append(source)  # untouched: exactly as written
            return
        rebuilt = "".join(
            f" {name}" if value is None else f' {name}="{html.escape(value, quote=True)}"'
            for name, value in kept
        )
        self.out.append(f"<{tag}{rebuilt}{' /' if closed else ''}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping is None:
            self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping is None:
            self._start(tag, attrs, closed=True)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping is not None:
            if tag == self._skipping:
                self._skipping = None
            return
        if tag in DROPPED_ELEMENTS:
            self.removed.append((f"</{tag}> end tag", f"</{tag}"))
            return
        # HTMLParser does not hand back an end tag's text; the lowercased name is what it meant.
        self.out.append(f"</{tag}>")

    def _text(self, raw: str) -> None:
        if self._skipping is None:
            self.out.append(raw)

    def close(self) -> None:
        start = len(self.out)
        super().close()  # hands what is left over as data
        tail = "".join(self.out[start:])
        # What is left at the end may be an unfinished tag (``<a onmouseover=x``) that a browser
        # would complete with whatever a frontend puts next: if it would be unsafe, it becomes text.
        if "<" in tail and sanitize_html(tail + ">")[1]:
            self.removed.append(("unfinished tag", tail[tail.index("<") :][:20]))
            self.out[start:] = [tail.replace("<", "&lt;")]

    def handle_data(self, data: str) -> None:
        self._text(data)

    def handle_entityref(self, name: str) -> None:
        self._text(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._text(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self._text(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._text(f"<!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self._text(f"<![{data}]>")

    def handle_pi(self, data: str) -> None:
        self._text(f"<?{data}>")


def sanitize_html(value: str) -> tuple[str, list[tuple[str, str]]]:
    """``value`` without what runs code, and what was removed: ``[(what, source snippet)]``.

    Raw HTML that needs no change is returned as the very same string.
    """
    if not _SUSPECT.search(value):
        return value, []
    parser = _Sanitizer()
    parser.feed(value)
    parser.close()
    if not parser.removed:
        return value, []
    return "".join(parser.out), parser.removed
