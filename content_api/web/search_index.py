"""The static export's full-text search: a Pagefind index of the section records, and its page.

The index is made of the very records ``/search/records`` serves (``snapshot.record_json``:
published guides, not ``noindex``, not ``search: false``; the introduction, then each ``##`` and
``###`` section). Each guide becomes one HTML document (:func:`guide_html`), one Pagefind page:

- its URL is the site's path of the guide, ``/guides/<slug>`` (the path of the records'
  ``url_without_anchor``); each section's heading carries the record's ``anchor`` as its ``id``,
  so Pagefind's sub-results are ``/guides/<slug>#<anchor>``, the records' anchors exactly;
- its ``title`` meta is the guide's title; its filters ``tag`` and ``api`` hold the labels a
  reader knows (the ``label`` of ``/tags``, the ``name`` of ``/apis``), not the slugs;
- every text from a guide is HTML-escaped: a title ``<script>`` is indexed, and shown, as text.

Pagefind's Python API (:class:`pagefind.index.PagefindIndex`) drives its packaged binary
(``pagefind-bin``; ``PAGEFIND_BINARY_PATH`` overrides it), never a download. The documents are
handed over in one ``add_directory`` call over a private folder (one extensionless file per guide
at ``guides/<slug>``, whose path is the page's URL): ``add_html_file`` costs 0.1 s a document
(the Python side of pagefind 1.5 polls its pipe once every 0.1 s), 100 times more on 50 guides.

The bundle goes to ``search/pagefind/``; ``search/index.html`` is the search page: Pagefind's
default UI from the bundle (no CDN), in French, whose results link to the site, ``SITE_URL`` +
the page's URL (``search/search.js``, a file so that the page's CSP has no inline script).
"""

from __future__ import annotations

import asyncio
import html
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import msgspec

from ..catalog import Catalog
from ..catalog.records import SectionRecord

#: Where the bundle and the page go, relative to the export folder.
SEARCH_DIR = "search"
BUNDLE_DIR = f"{SEARCH_DIR}/pagefind"
#: The path of the bundle as the browser asks for it.
BUNDLE_URL = f"/{BUNDLE_DIR}/"
#: Seconds the whole indexing may take: the Python side of pagefind waits forever on a binary that
#: died, so the export gives up instead of hanging.
INDEX_TIMEOUT = 600.0
#: The page's Content-Security-Policy: its scripts, styles and Pagefind's worker
#: (``pagefind-worker.js``) from this origin, Pagefind's WebAssembly compiled ('wasm-unsafe-eval',
#: nothing else of eval), its index fetched from here, no image but the page's empty icon.
SEARCH_CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src data:; "
    "connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@dataclass
class SearchIndex:
    """What the search index holds: its pages (one a guide) and the bundle's files."""

    pages: int
    files: int
    bytes: int


class SearchIndexError(RuntimeError):
    """The index could not be built (the binary missing or failing): the export fails, saying why."""


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def filter_value(label: str) -> str:
    """A tag's label or an API's name as a filter value: HTML text, because Pagefind's default UI
    writes filter values as HTML; ``&``, ``<`` and ``>`` are character references (no real label
    has them: for every other label, the value is the label)."""
    return html.escape(label, quote=False)


def _id_attribute(anchor: str) -> str:
    """``id="anchor"``, the anchor written as is where HTML reads it back unchanged.

    Pagefind takes an anchor's id decoded but finds its heading's text by the attribute as
    written: an id written with a character reference (``&#x27;``) keeps its id and loses its
    text, and Pagefind's search leaves a heading without text out of the sub-results. So the
    anchor is written raw, in the quotes it does not contain; only an anchor holding both quotes,
    or something HTML would decode (``&amp;``), is escaped (its sub-result then goes).
    """
    if html.unescape(anchor) == anchor:
        if '"' not in anchor:
            return f'id="{anchor}"'
        if "'" not in anchor:
            return f"id='{anchor}'"
    return f'id="{_text(anchor)}"'


def _paragraphs(content: str) -> str:
    """A section's plain text as escaped paragraphs (its blank lines are paragraph breaks)."""
    return "".join(f"<p>{_text(part)}</p>" for part in content.split("\n\n") if part.strip())


def guide_html(records: list[SectionRecord], tag_labels: dict[str, str], api_names: dict[str, str]) -> str:
    """The HTML document Pagefind indexes for one guide, from its section records (in order)."""
    first = records[0]
    title = first.hierarchy.lvl1
    values = [("tag", tag_labels.get(t.slug, t.label)) for t in first.tags]
    values += [("api", api_names.get(a, a)) for a in first.apis]
    # Pagefind decodes a filter element's text twice (pagefind 1.5): escaped twice, on top of the
    # value's own escaping, it stores the value as is (tests/test_pagefind.py holds it to that).
    filters = [
        f'<span data-pagefind-filter="{name}">{_text(_text(filter_value(v)))}</span>' for name, v in values
    ]
    parts = [
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">',
        f"<title>{_text(title)}</title></head><body><main data-pagefind-body>",
        f'<h1 data-pagefind-meta="title">{_text(title)}</h1>',
        f"<div data-pagefind-ignore>{''.join(filters)}</div>",
    ]
    for record in records:
        if record.anchor is not None:
            level = 2 if record.type == "lvl2" else 3
            heading = (record.hierarchy.lvl2 if level == 2 else record.hierarchy.lvl3) or ""
            parts.append(f"<h{level} {_id_attribute(record.anchor)}>{_text(heading)}</h{level}>")
        parts.append(_paragraphs(record.content))
    parts.append("</main></body></html>\n")
    return "".join(parts)


def guide_documents(records: list[SectionRecord], catalog: Catalog) -> dict[str, str]:
    """Slug -> :func:`guide_html`, for every guide that has records (they come guide by guide)."""
    tag_labels = {facet.slug: facet.label for facet in catalog.tags()}
    api_names = {facet.slug: facet.name for facet in catalog.apis()}
    by_guide: dict[str, list[SectionRecord]] = {}
    for record in records:
        by_guide.setdefault(record.objectID.partition("#")[0], []).append(record)
    return {slug: guide_html(sections, tag_labels, api_names) for slug, sections in by_guide.items()}


def pagefind_binary() -> Path:
    """The binary pagefind's Python API will run, or a :class:`SearchIndexError` saying what to do."""
    hint = "install pagefind[bin] (it is a dependency of content-api), or export with --no-search"
    try:
        from pagefind.service import get_executable

        binary = get_executable()
    except (ImportError, FileNotFoundError) as exc:
        raise SearchIndexError(f"Pagefind's binary is missing ({exc}): {hint}") from exc
    if binary is None or not binary.is_file() or not os.access(binary, os.X_OK):
        raise SearchIndexError(f"Pagefind's binary is missing or not executable ({binary}): {hint}")
    return binary


async def _index(documents: dict[str, str], source: Path, bundle: Path) -> int:
    """Index ``documents`` (written under ``source``) into ``bundle``; the number of pages."""
    from pagefind.index import PagefindIndex

    for slug, document in documents.items():
        (source / "guides").mkdir(parents=True, exist_ok=True)
        (source / "guides" / slug).write_text(document, encoding="utf-8")
    config = {"output_path": str(bundle), "force_language": "fr"}
    async with PagefindIndex(config=config) as index:  # type: ignore[arg-type]
        indexed = await index.add_directory(str(source), glob="guides/*")
    return int(indexed["page_count"])


def build_search_index(catalog: Catalog, record_json: Iterable[bytes], folder: Path) -> SearchIndex:
    """Write the Pagefind bundle of the records (``/search/records``' JSON) and the search page
    into the export ``folder``."""
    pagefind_binary()
    records = [msgspec.json.decode(item, type=SectionRecord) for item in record_json]
    documents = guide_documents(records, catalog)
    bundle = folder / BUNDLE_DIR
    with tempfile.TemporaryDirectory(prefix="content-api-pagefind.") as source:
        try:
            pages = asyncio.run(asyncio.wait_for(_index(documents, Path(source), bundle), INDEX_TIMEOUT))
        except Exception as exc:  # the binary's, the pipe's, a timeout: all end the export alike
            raise SearchIndexError(f"Pagefind failed to index the guides: {exc!r}") from exc
    if pages != len(documents):
        raise SearchIndexError(f"Pagefind indexed {pages} pages of {len(documents)} guides")
    files = [path for path in bundle.rglob("*") if path.is_file()]
    return SearchIndex(pages=pages, files=len(files), bytes=sum(path.stat().st_size for path in files))


SEARCH_PAGE = """<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>Rechercher dans les guides</title>
<link rel="stylesheet" href="{bundle}pagefind-ui.css">
<script src="{bundle}pagefind-ui.js" defer></script>
<script src="/search/search.js" defer></script>
</head>
<body>
<main>
<h1>Rechercher dans les guides</h1>
<div id="search" data-site-url="{site_url}" data-bundle="{bundle}"></div>
</main>
</body>
</html>
"""

#: The search page's script: Pagefind's default UI (French from ``<html lang="fr">``), with
#: sub-results and the ``tag`` and ``api`` filters, each result linked to the site's page.
SEARCH_JS = """// Pagefind's default UI: results and sub-results link to SITE_URL + the indexed path
// (baseUrl "/": the indexed paths are the site's, not under the bundle's parent, /search/).
window.addEventListener("DOMContentLoaded", async () => {
  const element = document.getElementById("search");
  // A bundle without any guide has no language index, which pagefind.js refuses: say so instead.
  const entry = await fetch(element.dataset.bundle + "pagefind-entry.json").then((r) => r.json(), () => null);
  if (entry && Object.keys(entry.languages || {}).length === 0) {
    element.textContent = "Aucun guide n'est encore indexé.";
    return;
  }
  const site = element.dataset.siteUrl.replace(/\\/+$/, "");
  const onSite = (url) => (url.startsWith("/") ? site + url : url);
  new PagefindUI({
    element: "#search",
    bundlePath: element.dataset.bundle,
    baseUrl: "/",
    showSubResults: true,
    showImages: false,
    openFilters: ["tag", "api"],
    processResult: (result) => {
      result.url = onSite(result.url);
      for (const sub of result.sub_results || []) sub.url = onSite(sub.url);
      return result;
    },
  });
});
"""


def search_files(site_url: str) -> dict[str, bytes]:
    """The search page and its script, relative to the export folder."""
    page = SEARCH_PAGE.format(bundle=BUNDLE_URL, site_url=_text(site_url.rstrip("/")))
    return {f"{SEARCH_DIR}/index.html": page.encode(), f"{SEARCH_DIR}/search.js": SEARCH_JS.encode()}


def nginx_locations(headers: str) -> str:
    """The nginx locations of ``/search``: ``headers`` (the server's, which a location that adds
    its own no longer inherits) plus the page's; the bundle's binary files as octet streams.
    ``location = /search/records`` (exact) still wins over the ``^~ /search/`` prefix."""
    return f"""    location = /search {{ absolute_redirect off; return 301 /search/; }}
    location ^~ /search/ {{
        types {{
            text/html html; text/javascript js; text/css css; application/json json; application/wasm wasm;
        }}
        default_type application/octet-stream;
        charset_types text/html text/css text/javascript application/json;
{headers}
        add_header Content-Security-Policy "{SEARCH_CSP}" always;
        add_header X-Frame-Options "DENY" always;
        add_header Referrer-Policy "no-referrer" always;
        add_header X-Robots-Tag "noindex" always;
        try_files $uri $uri/index.html =404;
    }}
"""
