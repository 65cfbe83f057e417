"""The real guides of api.gouv.fr (../shared/corpus): load, lose nothing, match the site.

The fidelity test compares each guide with what the site's own renderer (markdown-to-jsx) makes
of it (``corpus/reference/<name>.json``): visible words, component names and hrefs, headings,
table cells and links. Where ../shared/README.md documents the reference as wrong, or where GFM
and the site's renderer read a line differently, our engine differs on purpose, and each such
place must carry the diagnostic that explains it: a difference without its diagnostic fails.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from content_api import load_library, parse_guide, render_text
from content_api import model as m
from content_api.parse.context import Context
from content_api.parse.front_matter import split_front_matter
from content_api.parse.source import decode
from content_api.plain_text import html_to_text

from .conftest import CORPUS, REFERENCE, corpus_files, needs_shared, walk

FILES = corpus_files()
WORD = re.compile(r"[^\W_]+")
HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def words(text: str) -> list[str]:
    return WORD.findall(unicodedata.normalize("NFC", text).lower())


def codes(guide: m.Guide, code: str) -> list[m.Diagnostic]:
    return [d for d in guide.diagnostics if d.code == code]


@needs_shared
def test_the_corpus_is_there() -> None:
    assert len(FILES) == 50


@needs_shared
def test_every_guide_loads_without_exception() -> None:
    library = load_library(CORPUS)
    assert len(library.files) == 50
    # Two files of the corpus are empty (no front matter, no title), one has a bad file name.
    assert len(library.guides) == 48
    errors = sorted({(Path(d.file or "").name, d.code) for d in library.diagnostics if d.severity == "error"})
    assert errors == [
        ("Nouveau.md", "title-missing"),
        ('api-franceconnect\\303\\251es.md".md', "slug-invalid"),
        ('api-franceconnect\\303\\251es.md".md', "title-missing"),
    ]
    keys = [(d.file or "", d.line, d.column) for d in library.diagnostics]
    assert keys == sorted(keys)


# --- nothing is silently dropped ------------------------------------------------------------------

_COMPONENT_TAG = re.compile(r"</?[A-Z][A-Za-z0-9_.]*(?:\s(?:[^<>\"']|\"[^\"]*\"|'[^']*')*)?/?>")
_HTML_TAG = re.compile(r"<[!/?a-zA-Z][^<>]*>")
_LINK_DESTINATION = re.compile(r"\]\([^()\s]*(?:\([^()]*\)[^()\s]*)*(?:\s+\"[^\"]*\")?\)")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)


def prose_words(body: str) -> set[str]:
    """The words of a Markdown body, tags, attributes and link destinations aside."""
    for pattern, replacement in (
        (_COMPONENT_TAG, " "),
        (_HTML_TAG, " "),
        (_LINK_DESTINATION, "] "),
        (_REFERENCE_DEFINITION, " "),
    ):
        body = pattern.sub(replacement, body)
    return set(words(html.unescape(body)))


def ast_words(guide: m.Guide) -> set[str]:
    """Words of render_text plus every string held by a node (values, URLs, props)."""
    found = set(words(render_text(guide.body)))
    for node in walk(guide.body):
        for field in node.__struct_fields__:
            value = getattr(node, field)
            if isinstance(value, str):
                found.update(words(value))
            elif isinstance(value, dict):
                found.update(words(json.dumps(value, ensure_ascii=False)))
    return found


@needs_shared
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_no_text_is_silently_dropped(path: Path) -> None:
    data = path.read_bytes()
    guide = parse_guide(data, str(path))
    ctx = Context(str(path))
    body = split_front_matter(decode(data, ctx) or "", ctx).body
    missing = prose_words(body) - ast_words(guide)
    assert not missing, f"{path.name}: words of the source missing from the AST: {sorted(missing)}"


# --- fidelity to the site's renderer --------------------------------------------------------------


def _reference(path: Path) -> dict[str, Any] | None:
    name = path.name if (REFERENCE / f"{path.name}.json").exists() else path.stem
    ref = REFERENCE / f"{name}.json"
    return json.loads(ref.read_text(encoding="utf-8")) if ref.is_file() else None


def _inline_text(nodes: list[Any]) -> str:
    """The text of inline nodes glued as a browser's textContent glues them."""
    parts = []
    for node in nodes:
        if isinstance(node, (m.Text, m.InlineCode)):
            parts.append(node.value)
        elif isinstance(node, m.Html):
            parts.append(html_to_text(node.value))
        elif isinstance(node, m.Break):
            parts.append("\n")
        else:
            parts.append(_inline_text(getattr(node, "children", [])))
    return "".join(parts)


def visible_words(guide: m.Guide) -> Counter[str]:
    """What a reader sees of the body: text, code and the text of raw HTML, block by block."""
    swallowed = bool(codes(guide, "html-swallows-markdown"))
    out: Counter[str] = Counter()
    for node in walk(guide.body):
        if isinstance(node, (m.Paragraph, m.Heading, m.TableCell)):
            out.update(words(_inline_text(node.children)))
        elif isinstance(node, m.Code):
            out.update(words(node.value))
        elif isinstance(node, m.Html) and node.position is not None:
            text = html_to_text(node.value)
            if swallowed:  # documented: Markdown kept as raw HTML; the site shows the link text only
                text = _LINK_DESTINATION.sub("] ", text)
            out.update(words(text))
    return out


def cell_text(cell: Any) -> str:
    return " ".join(render_text(m.Paragraph(children=cell.children)).split())


def our_tables(guide: m.Guide) -> list[tuple[list[str], list[list[str]]]]:
    lazy = {d.line for d in codes(guide, "table-lazy-row")}
    tables = []
    for node in walk(guide.body):
        if isinstance(node, (m.Table, m.EditorTable)):
            header, *rows = node.children
            body = [
                [cell_text(c) for c in row.children]
                for row in rows
                if row.position is None or row.position.start.line not in lazy  # documented: GFM row
            ]
            tables.append(([cell_text(c) for c in header.children], [r for r in body if any(r)]))
    return tables


def reference_tables(ref: dict[str, Any], guide: m.Guide) -> list[tuple[list[str], list[list[str]]]]:
    tables = []
    for table in ref["tables"]:
        header = [" ".join(h.split()) for h in table["header"]]
        rows = [[" ".join(c.split()) for c in row] for row in table["rows"]]
        tables.append((header, [r for r in rows if any(r)]))
    if codes(guide, "table-delimiter-mismatch"):
        # documented: the site makes a table of a block GFM does not; ours is a paragraph.
        ours = {tuple(h) for h, _ in our_tables(guide)}
        tables = [t for t in tables if tuple(t[0]) in ours]
    return tables


def our_components(guide: m.Guide) -> list[tuple[str, object]]:
    unquoted = bool(codes(guide, "attribute-unquoted"))
    out: list[tuple[str, object]] = []
    for node in walk(guide.body):
        if isinstance(node, (m.External, m.Button)):
            name = "External" if isinstance(node, m.External) else "Button"
            # documented: the site loses unquoted hrefs (it keeps `true`)
            lost = unquoted and "href" not in node.extra and _was_unquoted(guide, node.href)
            out.append((name, True if lost else node.href))
        elif isinstance(node, m.Quote):
            out.append(("Quote", node.link))
        elif isinstance(node, m.Component):
            out.append((node.name, node.props.get("href")))
    return out


def _was_unquoted(guide: m.Guide, href: str | None) -> bool:
    return any(href and href in d.message for d in codes(guide, "attribute-unquoted"))


def our_links(guide: m.Guide) -> Counter[str]:
    out: Counter[str] = Counter()
    for node in walk(guide.body):
        if isinstance(node, m.Link) and node.url:
            out[node.url] += 1
        elif isinstance(node, (m.External, m.Button)) and node.href and not _was_unquoted(guide, node.href):
            out[node.href] += 1
        elif isinstance(node, m.Component) and isinstance(node.props.get("href"), str):
            out[node.props["href"]] += 1
        elif isinstance(node, m.Html):
            out.update(a or b for a, b in HREF.findall(node.value))
    return out


def raw_html(guide: m.Guide) -> str:
    return "\n".join(node.value for node in walk(guide.body) if isinstance(node, m.Html))


@needs_shared
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fidelity_to_the_site_renderer(path: Path) -> None:
    ref = _reference(path)
    assert ref is not None, f"no reference for {path.name}"
    guide = parse_guide(path.read_bytes(), str(path))

    assert Counter(our_components(guide)) == Counter(
        (c["name"], c["props"].get("href") or c["props"].get("link")) for c in ref["components"]
    )

    ours = [(h.depth, words(render_text(h))) for h in walk(guide.body) if isinstance(h, m.Heading)]
    assert ours == [(h["level"], words(h["text"])) for h in ref["headings"]]

    assert our_tables(guide) == reference_tables(ref, guide)

    missing = Counter(ref["links"]) - our_links(guide)
    swallowed = raw_html(guide) if codes(guide, "html-swallows-markdown") else ""
    # documented: Markdown right after an HTML line is raw HTML for us, a link for the site
    assert not [url for url in missing if url not in swallowed], f"links missing: {missing}"
    assert not our_links(guide) - Counter(ref["links"])

    extra = visible_words(guide) - Counter(words(ref["text"]))
    extra["x"] -= len(codes(guide, "task-outside-list"))  # documented: the site shows a checkbox
    assert not +extra, f"words we show that the site does not: {dict(+extra)}"
    missing_words = Counter(words(ref["text"])) - visible_words(guide)
    assert not missing_words, f"words the site shows that we do not: {dict(missing_words)}"


# --- the diagnostics of the corpus, pinned --------------------------------------------------------


@needs_shared
def test_diagnostic_counts_are_pinned() -> None:
    """A rule that suddenly fires everywhere (or nowhere) shows here."""
    library = load_library(CORPUS)
    counts = Counter(d.code for d in library.diagnostics)
    assert dict(counts) == {
        "title-missing": 2,
        "slug-invalid": 1,
        "table-delimiter-mismatch": 1,
        "table-lazy-row": 1,
        "component-unclosed": 2,
        "attribute-unquoted": 1,
        "attribute-quote": 1,
        "editor-cell-empty": 3,
        "editor-row-skipped": 1,
        "editor-table-empty": 2,
        "html-swallows-markdown": 6,
        "task-outside-list": 11,
        # accessibility and links (issue 8): each count read, the findings checked by hand
        "a11y-link-text-duplicate": 40,  # "Accéder à l'API" to a different API under each heading
        "a11y-link-text-vague": 27,  # "En savoir plus"
        "a11y-heading-skip": 16,
        "a11y-link-text-url": 11,  # bare addresses as link text (examples of API calls)
        "a11y-heading-h1": 7,
        "link-anchor-missing": 5,  # the accented anchors of one guide, broken on the site too
        "a11y-image-alt-missing": 2,  # raw <img> without alt
        # the two iframes of utiliser-api-eau.md come from hosts outside IFRAME_HOSTS (*.gouv.fr)
        "html-unsafe": 2,
    }


@needs_shared
def test_hand_written_anchors_match_heading_ids() -> None:
    """Guides write their own tables of contents: `#anchor` links must find our heading ids."""
    broken = []
    matched = 0
    for path in FILES:
        guide = parse_guide(path.read_bytes(), str(path))
        ids = {node.id for node in walk(guide.body) if isinstance(node, m.Heading)}
        for node in walk(guide.body):
            url = node.url if isinstance(node, m.Link) else None
            if url and url.startswith("#"):
                if urllib.parse.unquote(url[1:]) in ids:
                    matched += 1
                else:
                    broken.append((path.name, url))
    assert matched == 45
    # The site's own ids drop accents and keep apostrophes: these anchors are broken there too.
    assert broken == [
        (
            "cantines-colleges-lycee-tarification.md",
            "#simplifier-la-tarification-des-cantines-au-collège-et-lycée-grâce-aux-api",
        ),
        ("cantines-colleges-lycee-tarification.md", "#les-api-et-données-utiles"),
        (
            "cantines-colleges-lycee-tarification.md",
            "#améliorer-votre-tarification-cantine-avec-lapi-particulier",
        ),
        ("cantines-colleges-lycee-tarification.md", "#exemple-dutilisation"),
        ("cantines-colleges-lycee-tarification.md", "#demander-un-accès-aux-api"),
    ]
