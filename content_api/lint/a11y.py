"""Accessibility (RGAA 4.1): what a reader with a screen reader or a keyboard would miss.

Rules on the finished AST: images without a text alternative or with a file name as one (1.1 to
1.3), headings that skip a level or an ``h1`` in the body (9.1), link texts that say nothing out
of context, bare addresses as text, one text for two destinations, empty links and buttons (6.1,
6.2), tables without header cells (5.6, 5.7), raw HTML links opening a new window unannounced
(13.2).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from .. import model as m
from ..plain_text import render_text
from ..render import render_html
from .html_facts import HtmlFacts, html_facts
from .links import Link, link_of
from .registry import Rules, Walk

RULES = Rules("a11y")

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
_ORIGIN = re.compile(r"^([a-zA-Z][\w+.-]*://[^/?#]*)(.*)$")


# --- images -------------------------------------------------------------------------------------

RULES.declare(
    "a11y-image-alt-missing",
    "warning",
    "an image without alternative text (mark a decorative one with an ignore comment)",
    "`![](/img/schema.png)`, `<img src=x.png>`",
    "1.1, 1.2",
    trigger="![](/img/schema.png)\n",
)
RULES.declare(
    "a11y-image-alt-filename",
    "warning",
    "an image whose alternative text is a file name",
    "`![schema.png](/img/schema.png)`",
    "1.3",
    trigger="![schema.png](/img/schema.png)\n",
)


@RULES.on_node(m.Image)
def image_alt(checks: Walk, node: m.Image, block: m.Node) -> None:
    alt = node.alt.strip()
    name = (node.url or "").rsplit("/", 1)[-1].split("?")[0]
    if not alt:
        checks.ctx.add(
            *checks.locate(block, "!["),
            "a11y-image-alt-missing",
            f"image sans texte alternatif ({name or 'sans adresse'}) : décrivez ce qu'elle apporte "
            "entre les crochets ![…] ; si elle est décorative, ajoutez "
            "<!-- content-api: ignore a11y-image-alt-missing -->",
        )
    elif _FILE_NAME.match(alt) or (name and alt.lower() == unquote(name).lower()):
        checks.ctx.add(
            *checks.locate(block, "![" + alt[:20], alt[:20]),
            "a11y-image-alt-filename",
            f"le texte alternatif « {alt} » est un nom de fichier : décrivez ce que montre l'image",
        )


@RULES.on_node(m.Html)
def html_image_alt(checks: Walk, node: m.Html, block: m.Node) -> None:
    facts = checks.html_facts(node)
    for src in facts.images_without_alt if facts else ():
        checks.ctx.add(
            *checks.locate(block, "<img"),
            "a11y-image-alt-missing",
            f"image HTML sans attribut alt ({src.rsplit('/', 1)[-1] or 'sans adresse'}) : ajoutez "
            'alt="description", ou alt="" si elle est décorative',
        )


# --- headings -----------------------------------------------------------------------------------

RULES.declare(
    "a11y-heading-h1",
    "warning",
    "a level-1 heading in the body: the guide's title is the page's h1",
    "`# Titre`",
    "9.1",
    trigger="# Titre\n",
)
RULES.declare(
    "a11y-heading-skip",
    "warning",
    "a heading level that skips one (h2 then h4)",
    "`## A` then `#### B`",
    "9.1",
    trigger="## A\n\n#### B\n",
)


@RULES.on_node(m.Heading)
def heading_levels(checks: Walk, node: m.Heading, block: m.Node) -> None:
    where = checks.locate(block, "#")
    if node.depth == 1:
        checks.ctx.add(
            *where,
            "a11y-heading-h1",
            "titre de niveau 1 dans le corps : le titre du guide est déjà le seul h1 de la page ; "
            "utilisez « ## » (niveau 2)",
        )
    elif node.depth > checks.level + 1:
        checks.ctx.add(
            *where,
            "a11y-heading-skip",
            f"titre de niveau {node.depth} après un titre de niveau {checks.level} : un niveau est "
            f"sauté ; utilisez un titre de niveau {checks.level + 1}",
        )
    checks.level = node.depth


# --- links --------------------------------------------------------------------------------------

_LINKS = (m.Link, m.External, m.Button)

RULES.declare(
    "a11y-link-text-vague",
    "warning",
    "a link text that says nothing out of context (ici, cliquez ici, en savoir plus, lien…)",
    "`[ici](https://a.fr)`",
    "6.1",
    trigger="[ici](https://a.fr)\n",
)
RULES.declare(
    "a11y-link-text-url",
    "warning",
    "a bare address as link text",
    "`<https://a.fr/x>`, `[https://a.fr](https://a.fr)`",
    "6.1",
    trigger="<https://a.fr/x>\n",
)
RULES.declare(
    "a11y-link-text-duplicate",
    "warning",
    "two links with the same text to different destinations in one guide",
    "`[Remplir une demande](/a)` … `[Remplir une demande](/b)`",
    "6.1",
    trigger="[Remplir une demande](/a) et [Remplir une demande](/b)\n",
)
RULES.declare(
    "a11y-link-empty",
    "warning",
    "a link or button without text",
    '`[](https://a.fr)`, `<Button href="/a" />`',
    "6.2",
    trigger="[](https://a.fr)\n",
)


@RULES.on_node(*_LINKS)
def link_empty(checks: Walk, node: m.Link | m.External | m.Button, block: m.Node) -> None:
    link = link_of(checks, node, block)
    if _empty(link):
        checks.ctx.add(
            *link.at(),
            "a11y-link-empty",
            f"{link.what} sans texte ({link.url or 'sans adresse'}) : un lecteur d'écran n'annonce "
            "que son adresse ; écrivez ce qu'il fait",
        )


@RULES.on_node(*_LINKS)
def link_text_vague(checks: Walk, node: m.Link | m.External | m.Button, block: m.Node) -> None:
    link = link_of(checks, node, block)
    if link.words in VAGUE_LINK_TEXTS and not _empty(link):
        checks.ctx.add(
            *link.at(),
            "a11y-link-text-vague",
            f"le texte « {link.text} » ne dit pas où mène le {link.what} hors de son contexte : "
            "écrivez la destination (par exemple « la liste des prérequis techniques »)",
        )


@RULES.on_node(*_LINKS)
def link_text_url(checks: Walk, node: m.Link | m.External | m.Button, block: m.Node) -> None:
    link = link_of(checks, node, block)
    if _URL_TEXT.match(link.text) and link.words not in VAGUE_LINK_TEXTS and not _empty(link):
        checks.ctx.add(
            *link.at(),
            "a11y-link-text-url",
            f"une adresse comme texte de {link.what} ({link.text[:60]}) : un lecteur d'écran la lit "
            "caractère par caractère ; écrivez la destination en mots",
        )


@RULES.on_node(*_LINKS)
def link_text_duplicate(checks: Walk, node: m.Link | m.External | m.Button, block: m.Node) -> None:
    """The first destination of each text is kept; in a table, the row's header cells tell links
    apart (RGAA 6.1)."""
    link = link_of(checks, node, block)
    if not link.url or checks.in_cell or not _said(link):
        return
    seen = checks.links.setdefault(link.words, link.url)
    if seen != link.url and _target(seen) != _target(link.url):
        checks.ctx.add(
            *link.at(),
            "a11y-link-text-duplicate",
            f"le texte « {link.text} » mène déjà ailleurs ({seen[:60]}) : deux liens de même "
            "texte doivent avoir la même destination ; précisez chacun",
        )


def _empty(link: Link) -> bool:
    return not link.words and not _has_image_alt(link.node)


def _said(link: Link) -> bool:
    """Whether the link's text says where it leads (none of the rules above reports it)."""
    return not _empty(link) and link.words not in VAGUE_LINK_TEXTS and not _URL_TEXT.match(link.text)


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


# --- tables -------------------------------------------------------------------------------------

RULES.declare(
    "a11y-table-header-missing",
    "warning",
    "a table without header cells (empty first row, or HTML without `<th>`)",
    "`|  |  |` `| --- | --- |`",
    "5.6, 5.7",
    trigger="|  |  |\n| --- | --- |\n| a | b |\n",
)


@RULES.on_node(m.Table, m.EditorTable)
def table_headers(checks: Walk, node: m.Table | m.EditorTable, block: m.Node) -> None:
    header = node.children[0] if node.children else None
    cells = getattr(header, "children", None) or []
    if cells and not any(render_text(cell).strip() for cell in cells):
        checks.ctx.add(
            *checks.locate(block, "|"),
            "a11y-table-header-missing",
            "tableau sans en-têtes (la première ligne est vide) : nommez chaque colonne",
        )


@RULES.on_node(m.Html)
def html_table_headers(checks: Walk, node: m.Html, block: m.Node) -> None:
    facts = checks.html_facts(node)
    if facts is not None and facts.tables and not facts.header_cells:
        checks.ctx.add(
            *checks.locate(block, "<table"),
            "a11y-table-header-missing",
            "tableau HTML sans cellule d'en-tête <th> : nommez chaque colonne avec <th>",
        )


# --- new windows --------------------------------------------------------------------------------

RULES.declare(
    "a11y-new-window",
    "warning",
    "a raw HTML link opening a new window without saying so (`<External>` says it itself)",
    '`<a href="…" target="_blank">site</a>`',
    "13.2",
    trigger='<a href="https://a.fr" target="_blank">site</a>\n',
)


@RULES.on_node(m.Html)
def html_new_window(checks: Walk, node: m.Html, block: m.Node) -> None:
    """A raw ``<a target=_blank>`` in a paragraph is split over inline nodes: it is read whole,
    with its paragraph, once the walk is over (:func:`inline_new_window`)."""
    facts = checks.html_facts(node)
    if facts is None:
        return
    if node.position is not None:
        _new_window(checks, facts, block)
    elif "_blank" in node.value.lower():
        checks.inline_blank[id(block)] = block


@RULES.on_end
def inline_new_window(checks: Walk) -> None:
    for block in checks.inline_blank.values():
        _new_window(checks, html_facts(render_html(block)), block)


def _new_window(checks: Walk, facts: HtmlFacts, block: m.Node) -> None:
    for link in facts.blank_links:
        said = " ".join((link.get("text", ""), link.get("title", ""), link.get("aria-label", "")))
        if not _NEW_WINDOW.search(said):
            checks.ctx.add(
                *checks.locate(block, "_blank"),
                "a11y-new-window",
                "ce lien s'ouvre dans une nouvelle fenêtre sans le dire : ajoutez « (nouvelle "
                "fenêtre) » à son texte, ou utilisez le composant <External>, qui l'annonce",
            )
