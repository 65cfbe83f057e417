"""/sitemap.xml and /robots.txt, for search engines, prepared at load."""

from __future__ import annotations

import urllib.parse
from xml.sax.saxutils import escape as xml_escape

from .prepared import Prepared
from .snapshot import Snapshot


def _lastmod(updated: str | None) -> str | None:
    """A W3C datetime for the sitemap, or None when ``updated`` is not one."""
    if not updated or len(updated) < 10 or not updated[:4].isdigit() or updated[4] != "-":
        return None
    return updated if "T" in updated else updated[:10]


def prepare_sitemap(snapshot: Snapshot) -> dict[str, Prepared]:
    """The published, indexable guides, in slug order, with their last change."""
    base = snapshot.settings.site_url.rstrip("/")
    urls = []
    for guide in snapshot.catalog.listed("slug"):
        loc = xml_escape(f"{base}/guides/{urllib.parse.quote(guide.slug or '')}")
        lastmod = _lastmod(guide.updated)
        urls.append(
            f"<url><loc>{loc}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
        )
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(urls) + "\n</urlset>\n"
    )
    return {"/sitemap.xml": Prepared(sitemap.encode(), "application/xml", compressor=snapshot.compressor)}


def prepare_robots(snapshot: Snapshot) -> dict[str, Prepared]:
    base = snapshot.settings.site_url.rstrip("/")
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {base}/sitemap.xml\n"
    return {"/robots.txt": Prepared(robots.encode(), "text/plain")}
