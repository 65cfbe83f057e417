"""/sitemap.xml and /robots.txt, for search engines."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.openapi.datastructures import ResponseSpec

from .common import Raw, current_site, reject_unknown, reply


@get(
    "/sitemap.xml",
    sync_to_thread=False,
    summary="Sitemap of the published, indexable guides",
    description="sitemaps.org XML; each `loc` is an absolute URL on the site (SITE_URL), with `lastmod`.",
    media_type="application/xml",
    responses={
        200: ResponseSpec(
            data_container=str,
            media_type="application/xml",
            generate_examples=False,
            description="The sitemap",
        )
    },
)
def sitemap(request: Request[Any, Any, Any]) -> Raw:
    reject_unknown(request, ())
    site = current_site(request)
    return reply(request, site.prepared["/sitemap.xml"], site)


@get(
    "/robots.txt",
    sync_to_thread=False,
    summary="robots.txt naming the sitemap",
    media_type="text/plain",
    responses={
        200: ResponseSpec(
            data_container=str, media_type="text/plain", generate_examples=False, description="robots.txt"
        )
    },
)
def robots(request: Request[Any, Any, Any]) -> Raw:
    reject_unknown(request, ())
    site = current_site(request)
    return reply(request, site.prepared["/robots.txt"], site)
