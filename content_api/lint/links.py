"""Links inside a guide: ``#anchor`` links that match no id of the guide, and what the other link
checks share (a link's text and place, the ids an anchor may name, a body's addresses)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

from .. import model as m
from ..ids import strip_accents
from ..plain_text import render_text
from .html_facts import html_facts
from .registry import Rules, Walk

RULES = Rules("links")

#: Broken anchors of a guide for which the closest heading id is suggested, among at most this
#: many ids (each suggestion compares the anchor with every id).
SUGGESTED_ANCHORS = 20
SUGGESTION_POOL = 300

_PUNCTUATION = re.compile(r"[^\w' ]+")


def normalize_text(text: str) -> str:
    """Lower case, no accents, no punctuation or emoji, single spaces: for comparing link texts."""
    text = strip_accents(unicodedata.normalize("NFC", text).lower().replace("\u2019", "'"))
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def did_you_mean(wrong: str, known: Iterable[str], prefix: str = "") -> str:
    """`` ; vouliez-vous dire « … » ?`` with the closest of ``known``, or nothing when none is close."""
    close = difflib.get_close_matches(wrong, list(known), n=1, cutoff=0.75)
    return f" ; vouliez-vous dire « {prefix}{close[0]} » ?" if close else ""


class Link:
    """A link, ``External`` or ``Button`` as the rules see it: its address, its text and where it is
    in the source, found when a rule first asks (finding moves the block's search on: once)."""

    __slots__ = ("_at", "block", "checks", "node", "text", "url", "what", "words")

    def __init__(self, checks: Walk, node: m.Link | m.External | m.Button, block: m.Node) -> None:
        self.checks, self.node, self.block = checks, node, block
        self.url = (node.url if isinstance(node, m.Link) else node.href) or ""
        self.text = " ".join(render_text(node).split())
        self.what = "bouton" if isinstance(node, m.Button) else "lien"
        #: the text as compared: see :func:`normalize_text`
        self.words = normalize_text(self.text)
        self._at: tuple[int, int] | None = None

    def at(self) -> tuple[int, int]:
        if self._at is None:
            self._at = self.checks.locate(self.block, *self._needles())
        return self._at

    def _needles(self) -> tuple[str, ...]:
        """What to look for in the source: the tag or bracket, the address, the text."""
        node, text, url = self.node, self.text, self.url
        if isinstance(node, (m.External, m.Button)):
            tag = "<External" if isinstance(node, m.External) else "<Button"
            return (f'{tag} href="{url}', f"{tag} href='{url}", tag, text[:20])
        return ("[" + text[:20], "<" + url[:40], url[:40], text[:20], "](")


def link_of(checks: Walk, node: m.Link | m.External | m.Button, block: m.Node) -> Link:
    """The :class:`Link` of ``node``, made once for all the rules that look at it."""
    link: Link | None = checks.link
    if link is None or link.node is not node:
        link = checks.link = Link(checks, node, block)
    return link


RULES.declare(
    "link-anchor-missing",
    "warning",
    "an `#anchor` link that matches no heading id of the guide",
    "`[Étapes](#etape)`",
    trigger="## Étapes\n\n[Étapes](#etape)\n",
)


@RULES.on_node(m.Link, m.External, m.Button)
def anchor_link(checks: Walk, node: m.Link | m.External | m.Button, block: m.Node) -> None:
    link = link_of(checks, node, block)
    if link.url.startswith("#"):
        checks.anchors.append((link.url, link.at()))


@RULES.on_node(m.Html)
def html_ids(checks: Walk, node: m.Html, block: m.Node) -> None:
    facts = checks.html_facts(node)
    if facts is not None:
        checks.ids.update(facts.ids)


@RULES.on_end
def anchors_missing(checks: Walk) -> None:
    suggested = 0
    for url, where in checks.anchors:
        fragment = unquote(url[1:])
        if fragment and fragment not in checks.ids and url[1:] not in checks.ids:
            hint = ""
            if suggested < SUGGESTED_ANCHORS and len(checks.ids) <= SUGGESTION_POOL:
                hint, suggested = did_you_mean(fragment, checks.ids, "#"), suggested + 1
            checks.ctx.add(
                *where,
                "link-anchor-missing",
                f"le lien « {url} » ne mène à aucun titre de ce guide (aucun titre n'a l'ancre "
                f"« {fragment} ») : corrigez l'ancre ou le titre{hint}",
            )


def iter_nodes(nodes: list[m.AnyNode]) -> Iterator[m.AnyNode]:
    for node in nodes:
        yield node
        children = getattr(node, "children", None)
        if children:
            yield from iter_nodes(children)


def external_urls(root: m.Root) -> Iterator[str]:
    """Every http(s) address of a body: links, images, components' URL props, in order."""
    for node in iter_nodes(root.children):
        if isinstance(node, (m.Link, m.Image)):
            candidates: list[object] = [node.url]
        elif isinstance(node, (m.External, m.Button)):
            candidates = [node.href]
        elif isinstance(node, m.Quote):
            candidates = [node.link, node.logo]
        elif isinstance(node, m.Component):
            candidates = list(node.props.values())
        else:
            continue
        for url in candidates:
            if isinstance(url, str) and url[:8].lower().startswith(("http://", "https://")):
                yield url


def anchor_ids(root: m.Root) -> set[str]:
    """What an ``#anchor`` can reach in a body: heading ids, and ids (or ``<a name>``) in raw HTML."""
    ids: set[str] = set()
    for node in iter_nodes(root.children):
        if isinstance(node, m.Heading):
            ids.add(node.id)
        elif isinstance(node, m.Html) and ("id=" in node.value or "name=" in node.value):
            ids.update(html_facts(node.value).ids)
    return ids
