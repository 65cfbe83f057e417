"""Bare-URL autolinks with GFM's rules, on top of linkify-it-py.

GFM links ``http(s)://``, ``www.`` and e-mail addresses, not every word that looks like a
domain (``api.gouv.fr``), and leaves trailing ``_`` and ``~`` out of a link, so that
``_https://example.com/a.png_`` stays emphasis around a link.
"""

from __future__ import annotations

import re
from typing import Any

from linkify_it import LinkifyIt
from markdown_it.rules_inline import StateInline

_TRAILING = "_~"
#: What a bare link costs of a parse's budget (about twenty times a delimiter: see parse/budget.py).
LINK_COST = 20
_SCHEMES = frozenset({"http:", "https:", "ftp:", "mailto:"})
# What any link GFM recognizes must contain; far cheaper than linkify-it's own pretest.
_PRETEST = re.compile(r"://|@|www\.", re.IGNORECASE)


def _trim(match: Any) -> Any:
    extra = len(match.raw) - len(match.raw.rstrip(_TRAILING))
    if extra:
        match.last_index -= extra
        match.raw = match.raw[:-extra]
        match.text = match.text[:-extra]
        match.url = match.url[:-extra]
    return match


def _gfm(match: Any) -> bool:
    """http(s), ftp and e-mail links are kept; a link without scheme only when it starts with www.

    linkify-it also links protocol-relative ``//host`` and bare domains, which GFM does not.
    """
    if match.schema:
        return bool(match.schema in _SCHEMES)
    return bool(match.raw[:4].lower() == "www.")


def _within(text: str, links: int) -> str:
    """The start of ``text`` that holds at most about ``links`` links: up to the white space before
    the next candidate (a link never spans white space), so no link is cut in two."""
    for count, candidate in enumerate(_PRETEST.finditer(text)):
        if count > links:
            cut = max(text.rfind(" ", 0, candidate.start()), text.rfind("\n", 0, candidate.start()))
            return text[: max(cut, 0)]
    return text


class GfmLinkify(LinkifyIt):  # type: ignore[misc]
    #: The parse budget of the file being linkified (content_api.parse.budget), when there is one:
    #: each link found takes one of its ``links``; with none left, nothing more is linked.
    budget: Any = None

    def pretest(self, text: str) -> bool:
        return _PRETEST.search(text) is not None

    def test(self, text: str) -> bool:
        # markdown-it asks this of every text token of a paragraph that passed the pretest
        if self.budget is not None and self.budget.links <= 0:
            return False
        return _PRETEST.search(text) is not None and bool(super().test(text))

    def match(self, text: str) -> list[Any] | None:
        budget = self.budget
        if budget is not None:
            text = _within(text, budget.links // LINK_COST)
        found = super().match(text)
        kept = [_trim(m) for m in found or () if _gfm(m)]
        if budget is not None:
            kept = kept[: max(budget.links // LINK_COST, 0)]
            budget.links -= LINK_COST * len(kept)
        return kept or None

    def match_at_start(self, text: str) -> Any:
        found = super().match_at_start(text)
        return _trim(found) if found is not None else None


#: markdown-it's scheme before "://": the run of scheme characters that ends the pending text.
_SCHEME = re.compile(r"(?:^|[^a-z0-9.+-])([a-z][a-z0-9.+-]*)$", re.IGNORECASE)
#: Longer than any scheme linkify-it links (http, https, ftp, mailto): a longer run before "://"
#: is not a link, however it ends.
MAX_SCHEME = 32


def _scheme_before(pending: str) -> str | None:
    """The scheme ending ``pending``, as markdown-it's rule reads it, looking at its end only.

    markdown-it searched the whole pending text at every ``://`` (quadratic: 188 KB of text and
    bare links took 6.5 s); the scheme is the run of scheme characters that ends it, so its last
    ``MAX_SCHEME + 1`` characters decide: a run that fills them is longer than any scheme linked.
    """
    tail = pending[-(MAX_SCHEME + 1) :]
    match = _SCHEME.search(tail)
    if match is None or (match.start(1) == 0 and len(tail) < len(pending)):
        return None
    return match.group(1)


def linkify_rule(state: StateInline, silent: bool) -> bool:
    """markdown-it-py's inline ``linkify`` rule (``scheme://`` in text), with the scheme found in
    bounded time (:func:`_scheme_before`); everything else as markdown-it-py 4 does it."""
    pos, maximum = state.pos, state.posMax
    if not state.md.options.linkify or state.linkLevel > 0 or pos + 3 > maximum:
        return False
    if state.src[pos : pos + 3] != "://":
        return False
    proto = _scheme_before(state.pending)
    if proto is None:
        return False
    linkify = state.md.linkify
    link = linkify.match_at_start(state.src[pos - len(proto) :]) if linkify is not None else None
    if not link:
        return False
    url: str = link.url.rstrip("*")  # a '*' at the end is emphasis, not the link's
    full_url = state.md.normalizeLink(url)
    if not state.md.validateLink(full_url):
        return False
    if not silent:
        state.pending = state.pending[: -len(proto)]
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": full_url}
        token.markup, token.info = "linkify", "auto"
        state.push("text", "", 0).content = state.md.normalizeLinkText(url)
        token = state.push("link_close", "a", -1)
        token.markup, token.info = "linkify", "auto"
    state.pos += len(url) - len(proto)
    return True
