"""What the conversion of a body removes as unsafe, each removal reported where it was written.

Raw HTML goes through the allow-list sanitizer (see html_safety); ``javascript:``, ``vbscript:``
and ``data:`` URLs are removed wherever they are: a link becomes its text, an image its alt text,
a component prop (at any depth of its arrays and objects) is dropped; no node has a null URL;
component props that hold code (``on*`` handlers, ``dangerouslySetInnerHTML``, ``srcdoc``) are
dropped. Past ``MAX_UNSAFE_WARNINGS`` in a guide, removals go on without a warning each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markdown_it.token import Token

from ..urls import is_unsafe_url, is_url_prop
from .context import Context
from .html_safety import sanitize_html

#: html-unsafe and url-unsafe warnings of one guide, beyond which removals are no longer listed.
MAX_UNSAFE_WARNINGS = 100

#: Props that hold code or markup for the DOM (``on*`` handlers are caught by their prefix).
_CODE_PROPS = frozenset({"dangerouslysetinnerhtml", "srcdoc"})


class Unsafe:
    """Removes the unsafe constructs of one body; ``where`` places an offset of the inline content
    being converted (see Converter.where); ``iframe_hosts`` None keeps raw HTML verbatim."""

    def __init__(
        self, ctx: Context, where: Callable[[int, str], tuple[int, int]], iframe_hosts: tuple[str, ...] | None
    ) -> None:
        self.ctx = ctx
        self.where = where
        self.iframe_hosts = iframe_hosts
        self._warned = 0

    def html(self, value: str, block: Token | None = None) -> str:
        """Raw HTML through the allow-list sanitizer, each removal reported."""
        if self.iframe_hosts is None:
            return value
        safe, removed = sanitize_html(value, self.iframe_hosts)
        if removed:
            whats = ", ".join(dict.fromkeys(what for what, _ in removed))
            self._warn(
                lambda: self._html_point(removed[0].snippet, value, block),
                "html-unsafe",
                f"raw HTML outside the allow-list, removed: {whats}",
            )
        return safe

    def url(self, url: str, what: str, offset: int = 0) -> str | None:
        """``url``, or None when it is unsafe (reported as in ``what``, at ``offset``)."""
        if is_unsafe_url(url):
            message = f"unsafe URL in {what} removed: {url[:60]!r}"
            self._warn(lambda: self.where(offset, url[:20]), "url-unsafe", message)
            return None
        return url

    def prop(self, component: str, name: str, value: Any, offset: int) -> tuple[bool, Any]:
        """Whether prop ``name`` of ``component`` is kept, and its value with unsafe URLs removed."""
        lowered = name.lower()
        if lowered.startswith("on") or lowered in _CODE_PROPS:
            self.ctx.add(
                *self.where(offset, name),
                "html-unsafe",
                f"<{component} {name}> would run code in a frontend that passes props on: removed",
            )
            return False, None
        if isinstance(value, str) and (is_url_prop(name) or is_unsafe_url(value)):
            url = self.url(value, f"<{component} {name}>", offset)
            return url is not None, url  # an unsafe URL prop is removed, not null
        if isinstance(value, (dict, list)):
            return True, self._nested_urls(value, f"<{component} {name}>", offset)
        return True, value

    def _nested_urls(self, value: Any, where: str, offset: int) -> Any:
        """Unsafe URLs in the arrays and objects of a prop, at any depth, are removed (reported)."""
        todo = [value]
        while todo:  # a loop, not recursion: JSON nested 10,000 deep costs no stack
            container = todo.pop()
            items = container.items() if isinstance(container, dict) else enumerate(container)
            unsafe = []
            for key, item in list(items):
                if isinstance(item, str):
                    if is_unsafe_url(item):
                        self.url(item, f"{where}[{key!r}]", offset)  # reported
                        unsafe.append(key)
                elif isinstance(item, (dict, list)):
                    todo.append(item)
            for key in reversed(unsafe):  # removed (from the end: a list's next indexes stay right)
                del container[key]
        return value

    def _warn(self, where: Callable[[], tuple[int, int]], code: str, message: str) -> None:
        """One warning per removal, up to MAX_UNSAFE_WARNINGS in a guide, then one that says the rest
        go unlisted (placing an inline construct searches its paragraph: not a million times)."""
        self._warned += 1
        if self._warned <= MAX_UNSAFE_WARNINGS:
            self.ctx.add(*where(), code, message)
        elif self._warned == MAX_UNSAFE_WARNINGS + 1:
            self.ctx.add(
                *where(),
                code,
                f"more than {MAX_UNSAFE_WARNINGS} unsafe constructs in this guide: from here on they are "
                "removed without a warning each",
            )

    def _html_point(self, snippet: str, value: str, block: Token | None) -> tuple[int, int]:
        """Where ``snippet`` (any case) is in the source of a block, or of the current inline."""
        found = value.lower().find(snippet.lower()) if snippet else -1
        if found >= 0:
            snippet = value[found : found + len(snippet)]  # as written
        if block is None or block.map is None:
            return self.where(0, snippet)
        lines = self.ctx.source.lines
        found_at = (i for i in range(block.map[0], min(block.map[1], len(lines))) if snippet in lines[i])
        index = next(found_at, block.map[0]) if snippet else block.map[0]
        return self.ctx.source.line_point(index, snippet or None)
