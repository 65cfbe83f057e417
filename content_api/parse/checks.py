"""Editors' quality checks on a parsed body: accessibility (RGAA) and links inside the guide.

They run on the finished AST (after heading ids are given), so they see what a reader gets:

* images without a text alternative, or with a file name as one (RGAA 1.2, 1.3);
* heading levels that skip one, an ``h1`` in the body (RGAA 9.1);
* link texts that say nothing out of context, bare URLs as text, the same text for different
  targets, empty links and buttons (RGAA 6.1, 6.2);
* tables without header cells (RGAA 5.6, 5.7), raw HTML links opening a new window unannounced
  (RGAA 13.2);
* ``#anchor`` links matching no ``id`` of the guide;

and apply the ``<!-- content-api: ignore CODE -->`` comments, each silencing one occurrence.

Inline nodes have no position in the AST: a diagnostic about one is placed by finding its text
in the lines of the nearest block that has one, moving forward from the previous finding there.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

from .. import model as m
from ..ids import strip_accents
from ..render import render_html, render_text
from .context import Context
from .ignores import Directive, apply_in_parse, find_directives

#: How far :meth:`Checks.locate` looks for a construct's text from the previous one it found.
SEARCH_LINES = 64
SEARCH_CHARS = 8192

#: Broken anchors of a guide for which the closest heading id is suggested, among at most this
#: many ids (each suggestion compares the anchor with every id).
SUGGESTED_ANCHORS = 20
SUGGESTION_POOL = 300

#: Link texts that say nothing out of context (compared without accents, case or punctuation).
VAGUE_LINK_TEXTS = frozenset(
    {
        "ici",
        "la",
        "cliquez ici",
        "cliquer ici",
        "clique ici",
        "en cliquant ici",
        "en savoir plus",
        "pour en savoir plus",
        "savoir plus",
        "plus",
        "voir plus",
        "plus d'infos",
        "plus d'informations",
        "lire la suite",
        "la suite",
        "suite",
        "voir",
        "lire",
        "lien",
        "ce lien",
        "le lien",
        "cette page",
        "page",
        "here",
        "click here",
        "read more",
        "more",
        "link",
    }
)

_FILE_NAME = re.compile(
    r"^[\w\-. ()]+\.(png|jpe?g|gif|svg|webp|avif|bmp|tiff?|ico|pdf)$"
    r"|^(img|image|dsc|screenshot|capture)[-_ ]?\d+$",
    re.IGNORECASE,
)
_URL_TEXT = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
_NEW_WINDOW = re.compile(r"nouvelle fen[eê]tre|nouvel onglet|new (window|tab)", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[^\w' ]+")
_ORIGIN = re.compile(r"^([a-zA-Z][\w+.-]*://[^/?#]*)(.*)$")


def did_you_mean(wrong: str, known: Iterable[str], prefix: str = "") -> str:
    """`` ; vouliez-vous dire « … » ?`` with the closest of ``known``, or nothing when none is close."""
    close = difflib.get_close_matches(wrong, list(known), n=1, cutoff=0.75)
    return f" ; vouliez-vous dire « {prefix}{close[0]} » ?" if close else ""


def normalize_text(text: str) -> str:
    """Lower case, no accents, no punctuation or emoji, single spaces: for comparing link texts."""
    text = strip_accents(unicodedata.normalize("NFC", text).lower().replace("\u2019", "'"))
    return " ".join(_PUNCTUATION.sub(" ", text).split())


# --- raw HTML ---------------------------------------------------------------------------------


class _HtmlFacts(HTMLParser):
    """What the checks need from a piece of raw HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.images_without_alt: list[str] = []
        self.tables = 0
        self.header_cells = 0
        self.blank_links: list[dict[str, str]] = []
        self._link: dict[str, str] | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for key in ("id", "name"):
            if values.get(key) and (key == "id" or tag == "a"):
                self.ids.append(values[key])
        if tag == "img" and "alt" not in values:
            self.images_without_alt.append(values.get("src", ""))
        elif tag == "table":
            self.tables += 1
        elif tag == "th":
            self.header_cells += 1
        elif tag == "a" and values.get("target", "").lower() == "_blank":
            self._link, self._link_text = values, []

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self._link["text"] = "".join(self._link_text)
            self.blank_links.append(self._link)
            self._link = None


def html_facts(value: str) -> _HtmlFacts:
    facts = _HtmlFacts()
    try:
        facts.feed(value)
        facts.close()
    except (AssertionError, ValueError):  # HTMLParser on hopeless input: keep what was seen
        pass
    if facts._link is not None:  # <a target=_blank> not closed here: its text so far is all it says
        facts.handle_endtag("a")
    return facts


# --- the walk ---------------------------------------------------------------------------------


class Checks:
    """Runs every check of this module on one parsed body, reporting into ``ctx``."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.ids: set[str] = set()
        self.anchors: list[tuple[str, tuple[int, int]]] = []
        self.directives: list[Directive] = []
        self.links: dict[str, str] = {}  # normalized text -> first URL
        self.level = 1  # the page title is the h1
        self._cursors: dict[int, tuple[int, int]] = {}
        self._inline_blank: dict[int, m.Node] = {}  # blocks whose inline HTML opens a new window

    # --- positions

    def locate(self, block: m.Node | None, *needles: str) -> tuple[int, int]:
        """File (line, column) of the first needle found in ``block``'s lines, after the last find.

        The search is bounded (``SEARCH_LINES`` lines, ``SEARCH_CHARS`` characters of each from
        the previous find): a needle that is not there costs little, however large the block.
        """
        if block is None or block.position is None:
            return self.ctx.source.first_line + 1, 1
        start, end = block.position.start, block.position.end
        lines, offset = self.ctx.source.lines, self.ctx.source.first_line + 1
        line, column = self._cursors.get(id(block), (start.line, 0))
        last = min(end.line, line + SEARCH_LINES)
        for needle in needles:
            if not needle:
                continue
            for number in range(line, last + 1):
                index = number - offset
                if not 0 <= index < len(lines):
                    continue
                begin = column if number == line else 0
                found = lines[index].find(needle, begin, begin + SEARCH_CHARS)
                if found >= 0:
                    self._cursors[id(block)] = (number, found + 1)
                    return number, found + 1
        return start.line, start.column

    # --- entry point

    def run(self, root: m.Root, headings: list[m.Heading]) -> None:
        self.ids.update(h.id for h in headings)
        self._walk(root.children, root)
        for block in self._inline_blank.values():
            self._new_window(html_facts(render_html(block)), block)
        suggested = 0
        for url, where in self.anchors:
            fragment = unquote(url[1:])
            if fragment and fragment not in self.ids and url[1:] not in self.ids:
                hint = ""
                if suggested < SUGGESTED_ANCHORS and len(self.ids) <= SUGGESTION_POOL:
                    hint, suggested = did_you_mean(fragment, self.ids, "#"), suggested + 1
                self.ctx.add(
                    *where,
                    "link-anchor-missing",
                    f"le lien « {url} » ne mène à aucun titre de ce guide (aucun titre n'a l'ancre "
                    f"« {fragment} ») : corrigez l'ancre ou le titre{hint}",
                )

    def _walk(self, nodes: list[m.AnyNode], block: m.Node, in_cell: bool = False) -> None:
        for node in nodes:
            kind = type(node)
            if kind is m.Text:  # most nodes: nothing to check, no children
                continue
            here = node if node.position is not None else block
            if kind is m.Link or kind is m.External or kind is m.Button:
                self._link(node, here, in_cell)  # type: ignore[arg-type]
            else:
                check = _CHECKS.get(kind)
                if check is not None:
                    check(self, node, here)
            children = getattr(node, "children", None)
            if children:
                self._walk(children, here, in_cell or kind is m.TableCell)

    # --- headings

    def _heading(self, node: m.Heading, block: m.Node) -> None:
        where = self.locate(block, "#")
        if node.depth == 1:
            self.ctx.add(
                *where,
                "a11y-heading-h1",
                "titre de niveau 1 dans le corps : le titre du guide est déjà le seul h1 de la page ; "
                "utilisez « ## » (niveau 2)",
            )
        elif node.depth > self.level + 1:
            self.ctx.add(
                *where,
                "a11y-heading-skip",
                f"titre de niveau {node.depth} après un titre de niveau {self.level} : un niveau est "
                f"sauté ; utilisez un titre de niveau {self.level + 1}",
            )
        self.level = node.depth

    # --- images

    def _image(self, node: m.Image, block: m.Node) -> None:
        alt = node.alt.strip()
        name = (node.url or "").rsplit("/", 1)[-1].split("?")[0]
        if not alt:
            self.ctx.add(
                *self.locate(block, "!["),
                "a11y-image-alt-missing",
                f"image sans texte alternatif ({name or 'sans adresse'}) : décrivez ce qu'elle apporte "
                "entre les crochets ![…] ; si elle est décorative, ajoutez "
                "<!-- content-api: ignore a11y-image-alt-missing -->",
            )
        elif _FILE_NAME.match(alt) or (name and alt.lower() == unquote(name).lower()):
            self.ctx.add(
                *self.locate(block, "![" + alt[:20], alt[:20]),
                "a11y-image-alt-filename",
                f"le texte alternatif « {alt} » est un nom de fichier : décrivez ce que montre l'image",
            )

    # --- links

    def _link(self, node: m.Link | m.External | m.Button, block: m.Node, in_cell: bool) -> None:
        url = (node.url if isinstance(node, m.Link) else node.href) or ""
        raw_text = " ".join(render_text(node).split())
        text = normalize_text(raw_text)
        what = "bouton" if isinstance(node, m.Button) else "lien"
        found: list[tuple[int, int]] = []

        def at() -> tuple[int, int]:  # found only when reported (and then once: finding moves on)
            if not found:
                found.append(self.locate(block, *_link_needles(node, raw_text, url)))
            return found[0]

        if url.startswith("#"):
            self.anchors.append((url, at()))
        if not text and not _has_image_alt(node):
            self.ctx.add(
                *at(),
                "a11y-link-empty",
                f"{what} sans texte ({url or 'sans adresse'}) : un lecteur d'écran n'annonce que "
                "son adresse ; écrivez ce qu'il fait",
            )
            return
        if text in VAGUE_LINK_TEXTS:
            self.ctx.add(
                *at(),
                "a11y-link-text-vague",
                f"le texte « {raw_text} » ne dit pas où mène le {what} hors de son contexte : "
                "écrivez la destination (par exemple « la liste des prérequis techniques »)",
            )
            return
        if _URL_TEXT.match(raw_text):
            self.ctx.add(
                *at(),
                "a11y-link-text-url",
                f"une adresse comme texte de {what} ({raw_text[:60]}) : un lecteur d'écran la lit "
                "caractère par caractère ; écrivez la destination en mots",
            )
            return
        if not url or in_cell:  # in a table, the row's header cells tell links apart (RGAA 6.1)
            return
        seen = self.links.setdefault(text, url)
        if seen != url and _target(seen) != _target(url):
            self.ctx.add(
                *at(),
                "a11y-link-text-duplicate",
                f"le texte « {raw_text} » mène déjà ailleurs ({seen[:60]}) : deux liens de même "
                "texte doivent avoir la même destination ; précisez chacun",
            )

    # --- tables

    def _table(self, node: m.Table | m.EditorTable, block: m.Node) -> None:
        header = node.children[0] if node.children else None
        cells = getattr(header, "children", None) or []
        if cells and not any(render_text(cell).strip() for cell in cells):
            self.ctx.add(
                *self.locate(block, "|"),
                "a11y-table-header-missing",
                "tableau sans en-têtes (la première ligne est vide) : nommez chaque colonne",
            )

    # --- raw HTML

    def _html(self, node: m.Html, block: m.Node) -> None:
        value = node.value
        if "content-api:" in value:
            for line, column, codes in find_directives(value):
                if node.position is None:  # inline HTML: found in its paragraph's lines
                    line, column = self.locate(block, "<!--")
                else:
                    start = node.position.start
                    column += start.column - 1 if line == 1 else 0
                    line += start.line - 1
                self.directives.append(Directive(line, column, codes))
        lowered = value.lower()
        if not any(marker in lowered for marker in _HTML_MARKERS):
            return
        if node.position is None and "_blank" in lowered:
            # a raw <a target=_blank> in a paragraph is split over inline nodes: read it whole
            self._inline_blank[id(block)] = block
        facts = html_facts(value)
        self.ids.update(facts.ids)
        for src in facts.images_without_alt:
            self.ctx.add(
                *self.locate(block, "<img"),
                "a11y-image-alt-missing",
                f"image HTML sans attribut alt ({src.rsplit('/', 1)[-1] or 'sans adresse'}) : ajoutez "
                'alt="description", ou alt="" si elle est décorative',
            )
        if facts.tables and not facts.header_cells:
            self.ctx.add(
                *self.locate(block, "<table"),
                "a11y-table-header-missing",
                "tableau HTML sans cellule d'en-tête <th> : nommez chaque colonne avec <th>",
            )
        if node.position is not None:  # inline HTML is read with its paragraph (see _walk)
            self._new_window(facts, block)

    def _new_window(self, facts: _HtmlFacts, block: m.Node) -> None:
        for link in facts.blank_links:
            said = " ".join((link.get("text", ""), link.get("title", ""), link.get("aria-label", "")))
            if not _NEW_WINDOW.search(said):
                self.ctx.add(
                    *self.locate(block, "_blank"),
                    "a11y-new-window",
                    "ce lien s'ouvre dans une nouvelle fenêtre sans le dire : ajoutez « (nouvelle "
                    "fenêtre) » à son texte, ou utilisez le composant <External>, qui l'annonce",
                )


_CHECKS: dict[type, Callable[[Checks, Any, m.Node], None]] = {
    m.Heading: Checks._heading,
    m.Image: Checks._image,
    m.Table: Checks._table,
    m.EditorTable: Checks._table,
    m.Html: Checks._html,
}

#: Raw HTML without one of these has nothing the checks look at (ids, images, tables, new windows).
_HTML_MARKERS = ("id=", "name=", "<img", "<table", "_blank")


def _link_needles(node: m.Link | m.External | m.Button, text: str, url: str) -> tuple[str, ...]:
    """What to look for in the source to place a link: its tag or bracket, its address, its text."""
    if isinstance(node, (m.External, m.Button)):
        tag = "<External" if isinstance(node, m.External) else "<Button"
        return (f'{tag} href="{url}', f"{tag} href='{url}", tag, text[:20])
    return ("[" + text[:20], "<" + url[:40], url[:40], text[:20], "](")


def _has_image_alt(node: m.Node) -> bool:
    for child in getattr(node, "children", None) or ():
        if isinstance(child, m.Image) and child.alt.strip():
            return True
        if _has_image_alt(child):
            return True
    return False


def _target(url: str) -> str:
    """A URL as compared for "the same destination": no trailing slash, scheme and host lower-cased."""
    url = url.strip()
    match = _ORIGIN.match(url)
    if match:
        url = match.group(1).lower() + match.group(2)
    return url[:-1] if url.endswith("/") and not url.endswith("://") else url


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


def run_checks(ctx: Context, root: m.Root, headings: list[m.Heading]) -> None:
    """Every check of this module; then the guide's ignore comments applied to ``ctx``'s diagnostics."""
    checks = Checks(ctx)
    checks.run(root, headings)
    apply_in_parse(ctx, checks.directives)
