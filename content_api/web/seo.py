"""/sitemap.xml and /robots.txt, for search engines, prepared at load."""

from __future__ import annotations

import urllib.parse
from xml.sax.saxutils import escape as xml_escape

from ..dates import w3c_datetime
from .prepared import Prepared
from .snapshot import Snapshot


def prepare_sitemap(snapshot: Snapshot) -> dict[str, Prepared]:
    """The published, indexable guides, in slug order, with their last change."""
    base = snapshot.settings.site_url.rstrip("/")
    urls = []
    listed = snapshot.catalog.listed("slug")
    for guide in listed:
        loc = xml_escape(f"{base}/guides/{urllib.parse.quote(guide.slug or '')}")
        lastmod = w3c_datetime(guide.updated)
        urls.append(
            f"<url><loc>{loc}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
        )
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(urls) + "\n</urlset>\n"
    )
    modified = snapshot.newest(snapshot.catalog.position[guide.slug or ""] for guide in listed)
    prepared = Prepared(
        sitemap.encode(), "application/xml", compressor=snapshot.compressor, last_modified=modified
    )
    return {"/sitemap.xml": prepared}


def prepare_robots(snapshot: Snapshot) -> dict[str, Prepared]:
    base = snapshot.settings.site_url.rstrip("/")
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {base}/sitemap.xml\n"
    return {"/robots.txt": Prepared(robots.encode(), "text/plain")}
