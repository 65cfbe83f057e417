"""For language models: /llms.txt (llmstxt.org) and each guide's source Markdown, prepared at load.

``/guides/{slug}.md`` is the guide's file exactly as read (front matter included), for every guide
``/guides/{slug}`` serves, with the same ``X-Robots-Tag: noindex``. ``/llms.txt`` is the
llmstxt.org index: an H1 (the site's host), a blockquote summary, then one H2 section listing the
published, indexable guides (the sitemap's), each as ``- [Title](SITE_URL/guides/<slug>.md):
tagline`` — llmstxt.org asks for links to Markdown versions of the pages.
"""

from __future__ import annotations

import re
import urllib.parse

from ..catalog import Catalog
from .prepared import Prepared, etag_of
from .snapshot import Snapshot

#: The media types of the two (``text/*``: the edge adds ``; charset=utf-8``).
LLMS_TXT = "text/plain"
MARKDOWN = "text/markdown"
SECTION = "Guides"

_NOINDEX = ((b"x-robots-tag", b"noindex"),)
#: Characters that would end or break a link's text in Markdown.
_LINK_TEXT = re.compile(r"([\\\[\]])")


def source_path(slug: str) -> str:
    return f"/guides/{slug}.md"


def _line(text: str) -> str:
    """``text`` on one line: every run of white space (line breaks included) one space."""
    return " ".join(text.split())


def _link(title: str, url: str, tagline: str | None) -> str:
    text = _LINK_TEXT.sub(r"\\\1", _line(title)) or url
    notes = _line(tagline or "")
    return f"- [{text}]({url})" + (f": {notes}" if notes else "")


def llms_txt(snapshot: Snapshot) -> str:
    """The llmstxt.org index of the published, indexable guides, by title."""
    base = snapshot.settings.site_url.rstrip("/")
    host = urllib.parse.urlsplit(base).hostname or base or "content-api"
    guides = snapshot.catalog.listed("title")
    links = [
        _link(
            guide.title or guide.slug or "",
            base + source_path(urllib.parse.quote(guide.slug or "")),
            guide.tagline,
        )
        for guide in guides
    ]
    summary = (
        f"Guides of {host}: how to use its APIs, step by step, and the software vendors connected "
        "to each. Each link is the guide's source Markdown, front matter included."
    )
    return f"# {host}\n\n> {summary}\n\n## {SECTION}\n\n" + "".join(f"{link}\n" for link in links)


def prepare_llms_txt(snapshot: Snapshot) -> dict[str, Prepared]:
    body = llms_txt(snapshot).encode()
    position = snapshot.catalog.position
    modified = snapshot.newest(position[guide.slug or ""] for guide in snapshot.catalog.listed("slug"))
    return {"/llms.txt": Prepared(body, LLMS_TXT, compressor=snapshot.compressor, last_modified=modified)}


def prepare_sources(snapshot: Snapshot) -> dict[str, Prepared]:
    """The source of every guide served, its bytes as read (on every core, like the details)."""
    sources = snapshot.library.sources
    served = [i for i, guide in enumerate(snapshot.catalog.entries) if (guide.slug or "") in sources]
    guides = [snapshot.catalog.entries[i] for i in served]
    bodies = [sources[guide.slug or ""] for guide in guides]
    etags = [etag_of(body) for body in bodies]
    snapshot.compressor.prefill(bodies, etags)
    return {
        source_path(guide.slug or ""): Prepared(
            body,
            MARKDOWN,
            _NOINDEX if guide.noindex else (),
            compressor=snapshot.compressor,
            etag=etag,
            last_modified=snapshot.modified[i],
        )
        for i, guide, body, etag in zip(served, guides, bodies, etags, strict=True)
    }


def source_urls(catalog: Catalog) -> list[str]:
    """The static export's: every guide's ``.md``, as the details."""
    return [source_path(guide.slug or "") for guide in catalog.entries]
