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
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

from .. import model as m
from ..diagnostics import LIBRARY_CODES, RULES
from ..ids import strip_accents
from ..render import render_html, render_text
from .context import Context

#: How far :meth:`Checks.locate` looks for a construct's text from the previous one it found.
SEARCH_LINES = 64
SEARCH_CHARS = 8192

#: Broken anchors of a guide for which the closest heading id is suggested, among at most this
#: many ids (each suggestion compares the anchor with every id).
SUGGESTED_ANCHORS = 20
SUGGESTION_POOL = 2000

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
_DIRECTIVE = re.compile(r"<!--\s*content-api:\s*ignore\b(.*?)-->", re.DOTALL)
_CODE_SPLIT = re.compile(r"[\s,]+")
_PUNCTUATION = re.compile(r"[^\w' ]+")


def did_you_mean(wrong: str, known: Iterable[str], prefix: str = "") -> str:
    """`` ; vouliez-vous dire « … » ?`` with the closest of ``known``, or nothing when none is close."""
    close = difflib.get_close_matches(wrong, list(known), n=1, cutoff=0.75)
    return f" ; vouliez-vous dire « {prefix}{close[0]} » ?" if close else ""


def normalize_text(text: str) -> str:
    """Lower case, no accents, no punctuation or emoji, single spaces: for comparing link texts."""
    text = strip_accents(unicodedata.normalize("NFC", text).lower().replace("\u2019", "'"))
    return " ".join(_PUNCTUATION.sub(" ", text).split())


@dataclass
class Directive:
    """One ``<!-- content-api: ignore CODE... -->`` comment: where it is, what it silences."""

    line: int
    column: int
    codes: list[str]
    used: set[str] = field(default_factory=set)


def find_directives(text: str, first_line: int = 1) -> list[tuple[int, int, list[str]]]:
    """(line, column, codes) of each ignore comment in ``text`` (which starts at ``first_line``)."""
    found = []
    for match in _DIRECTIVE.finditer(text):
        start = match.start()
        line = first_line + text.count("\n", 0, start)
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        found.append((line, column, [c for c in _CODE_SPLIT.split(match.group(1).strip()) if c]))
    return found


def apply_directives(
    diagnostics: list[m.Diagnostic], directives: list[Directive], codes: frozenset[str] | None = None
) -> list[m.Diagnostic]:
    """``diagnostics`` less one occurrence per code of each directive.

    A directive silences the first diagnostic of its code on its own line (a comment after the
    construct), else the first one after it. Only codes in ``codes`` are considered (all if None).
    """
    silenced: set[int] = set()
    ordered = sorted(range(len(diagnostics)), key=lambda i: (diagnostics[i].line, diagnostics[i].column))
    for directive in directives:
        for code in directive.codes:
            if (codes is not None and code not in codes) or code in directive.used:
                continue
            same_line = [i for i in ordered if diagnostics[i].line == directive.line]
            after = [i for i in ordered if diagnostics[i].line > directive.line]
            for i in same_line + after:
                if i not in silenced and diagnostics[i].code == code:
                    silenced.add(i)
                    directive.used.add(code)
                    break
    return [d for i, d in enumerate(diagnostics) if i not in silenced]


def unused_directives(
    ctx: Context, directives: list[Directive], codes: frozenset[str] | None, *, report_unknown: bool
) -> None:
    """Report the codes of ``directives`` (among ``codes``) that silenced nothing, or are unknown."""
    for directive in directives:
        for code in directive.codes:
            where = (directive.line, directive.column)
            if code not in RULES:
                if report_unknown:
                    ctx.add(*where, "ignore-unknown", f"« {code} » n'est pas un code de content-api")
            elif (codes is None or code in codes) and code not in directive.used:
                message = f"ce commentaire ne fait taire aucun « {code} » : à retirer"
                ctx.add(*where, "ignore-unused", message)


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
            return self.ctx.body_line + 1, 1
        start, end = block.position.start, block.position.end
        lines, offset = self.ctx.lines, self.ctx.body_line + 1
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
    match = re.match(r"^([a-zA-Z][\w+.-]*://[^/?#]*)(.*)$", url)
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
    """Every check of this module; then the ignore comments applied to all of ``ctx``'s diagnostics."""
    checks = Checks(ctx)
    checks.run(root, headings)
    if checks.directives:
        ctx.diagnostics[:] = apply_directives(ctx.diagnostics, checks.directives, PARSE_CODES)
        unused_directives(ctx, checks.directives, PARSE_CODES, report_unknown=True)


#: The codes a guide's own parse reports (the others need the whole library).
PARSE_CODES = frozenset(code for code in RULES if code not in LIBRARY_CODES)
