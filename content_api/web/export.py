"""`content-api export OUT_DIR`: the whole API, minus free-text search, as static files.

Every response that does not depend on free text is asked of the application itself (in
process, through the same ASGI edge as a real request) and written with its ``.gz`` and ``.br``
forms, so a static server or an object store + CDN serves the same bytes as the live service.

File layout (see :func:`file_for`): a path without query is a file of the same name
(``/guides/ccas`` -> ``guides/ccas``, ``/tags`` -> ``tags``); the endpoints that take a query
(``/guides``, ``/editors``) are folders ``<path>.q/`` holding one file per
exported query, named ``_`` + the query string exactly as the API's own links write it
(``/guides?tag=ccas&page=2`` -> ``guides.q/_tag=ccas&page=2``). ``nginx.conf`` serves the folder
with those rules; ``STATIC.md`` says how to do the same with an object store and a CDN.
"""

from __future__ import annotations

import asyncio
import gzip
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import brotli

from ..config import Settings
from .app import create_app
from .edge import Edge
from .http import MIN_COMPRESS, problem_body
from .queries import DEFAULT_PER_PAGE, GuideQuery
from .site import Site

QUERY_ENDPOINTS = ("/guides", "/editors")
#: /health, /ready and /diagnostics speak of a running process (its load time): not exported.
FIXED = ("/tags", "/apis", "/sitemap.xml", "/robots.txt", "/schema/openapi.json")
#: The filters the site's pages use: everything, the published guides, the indexable published ones.
LIST_FILTERS: tuple[dict[str, bool], ...] = ({}, {"publish": True}, {"publish": True, "noindex": False})


def file_for(path: str, query: str = "") -> str:
    """The file, relative to the export folder, of ``path?query``."""
    if path in QUERY_ENDPOINTS:
        return f"{path.lstrip('/')}.q/_{query}"
    return path.lstrip("/")


def export_urls(site: Site) -> list[str]:
    """Every URL the export answers: detail pages, list pages, editors, facets, SEO, OpenAPI."""
    urls = [f"/guides/{guide.slug}" for guide in site.guides]
    scopes: list[dict[str, tuple[str, ...]]] = [{}]
    scopes += [{"tags": (tag,)} for tag in sorted(site.by_tag)]
    scopes += [{"apis": (api,)} for api in sorted(site.by_api)]
    for flags in LIST_FILTERS:
        for scope in scopes:
            query = GuideQuery(**scope, **flags)  # type: ignore[arg-type]
            total = len(_members(site, query))
            for page in range(1, max(1, math.ceil(total / DEFAULT_PER_PAGE)) + 1):
                urls.append(query.link(page))
    urls.append("/editors")
    urls += [f"/editors?api={api}" for api in sorted(site.editors_by_api)]
    urls += list(FIXED)
    return list(dict.fromkeys(urls))


def _members(site: Site, query: GuideQuery) -> set[int]:
    members = set(range(len(site.guides)))
    for tag in query.tags:
        members &= site.by_tag.get(tag, frozenset())
    for api in query.apis:
        members &= site.by_api.get(api, frozenset())
    if query.publish is not None:
        members &= site.published if query.publish else site.unpublished
    if query.noindex is not None:
        members &= site.noindexed if query.noindex else site.indexable
    return members


async def _get(app: Edge, url: str) -> tuple[int, dict[str, str], bytes]:
    path, _, query = url.partition("?")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"export")],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start.get("headers", [])}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, body


@dataclass
class Exported:
    files: int
    bytes: int
    urls: list[str]


def _write(out: Path, relative: str, body: bytes) -> int:
    target = out / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    written = len(body)
    if len(body) >= MIN_COMPRESS:
        # Offline, once: the best compression levels.
        for suffix, data in (
            (".gz", gzip.compress(body, compresslevel=9, mtime=0)),
            (".br", brotli.compress(body)),
        ):
            (out / (relative + suffix)).write_bytes(data)
            written += len(data)
    return written


def export(settings: Settings, out: Path) -> Exported:
    """Write the static export of ``settings.content_dir`` into ``out`` (emptied first)."""
    app = create_app(settings)
    site = app.holder.site
    assert site is not None
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    urls = export_urls(site)

    async def fetch_all() -> list[tuple[int, dict[str, str], bytes]]:
        return [await _get(app, url) for url in urls]

    total = 0
    for url, (status, _headers, body) in zip(urls, asyncio.run(fetch_all()), strict=True):
        if status != 200:
            raise RuntimeError(f"{url} answered {status}: {body[:200]!r}")
        path, _, query = url.partition("?")
        total += _write(out, file_for(path, query), body)
    total += _write(out, "_errors/404.json", problem_body(404, "no such resource in this static export"))
    (out / "nginx.conf").write_text(nginx_server(site, out.resolve()), encoding="utf-8")
    (out / "STATIC.md").write_text(STATIC_NOTE, encoding="utf-8")
    return Exported(files=len(urls), bytes=total, urls=urls)


def nginx_server(site: Site, root: Path, listen: str = "8080") -> str:
    """An nginx ``server`` block serving the export at ``root`` like the live API."""
    noindex = "\n".join(f"        /guides/{site.guides[i].slug} noindex;" for i in sorted(site.noindexed))
    queries = "\n".join(
        f"    location = {path} {{ try_files /{file_for(path)}$args =404; }}" for path in QUERY_ENDPOINTS
    )
    return f"""# content-api static export: include this server block in nginx's http block.
# Responses with their .gz forms (gzip_static); with the ngx_brotli module, uncomment brotli_static.
map $uri $content_api_robots {{
    default "";
{noindex}
}}

server {{
    listen {listen};
    root {root};
    default_type application/json;
    charset utf-8;
    charset_types text/plain application/xml;
    gzip_static on;
    gzip_vary on;
    # brotli_static on;
    add_header Cache-Control "{site.settings.cache_control_header}" always;
    add_header Access-Control-Allow-Origin "*" always;
    add_header Access-Control-Expose-Headers "ETag, X-Robots-Tag, Content-Encoding" always;
    add_header X-Content-Type-Options "nosniff" always;
    add_header X-Robots-Tag $content_api_robots always;
    error_page 404 /_errors/404.json;
    location = /_errors/404.json {{ internal; default_type application/problem+json; }}
{queries}
    location = /sitemap.xml {{ default_type application/xml; }}
    location = /robots.txt {{ default_type text/plain; }}
    location / {{ try_files $uri =404; }}
}}
"""


STATIC_NOTE = """# Serving this export

`nginx.conf` holds a `server` block: include it in nginx's `http` block (it already points at this
folder). nginx then answers every exported URL with the bytes the live API gives, their `.gz` form
when the client accepts gzip, its own ETags and 304s.

## Object store + CDN

Upload the folder as is, then:

- content types: `application/json` for every file but `sitemap.xml` (`application/xml`) and
  `robots.txt` (`text/plain`); for each `X.gz` / `X.br`, store it under the key `X` with
  `Content-Encoding: gzip` / `br` in a second bucket or path, or let the CDN compress;
- queries: `/guides` and `/editors` take a query string. Map `PATH?QUERY` to the key
  `PATH.q/_QUERY` (an edge function or a CDN rewrite rule; the empty query is `PATH.q/_`). Only the
  exported queries exist: the ones the API's own `links` (self, next, prev) write, in that order;
- headers: `Cache-Control` as in `nginx.conf`, `Access-Control-Allow-Origin: *`, and
  `X-Robots-Tag: noindex` on the guides listed in its `map`;
- full-text search (`q`) is not in a static export: keep one live instance for it.
"""
