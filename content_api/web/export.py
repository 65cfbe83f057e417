"""`content-api export OUT_DIR`: the whole API, minus free-text search, as static files.

Every response that does not depend on free text is asked of the application itself (in
process, through the same ASGI edge as a real request) and written with its ``.gz`` and ``.br``
forms, so a static server or an object store + CDN serves the same bytes as the live service.

File layout (see :func:`file_for`): a path without query is a file of the same name
(``/guides/ccas`` -> ``guides/ccas``, ``/tags`` -> ``tags``); the endpoints that take a query
(``/guides``, ``/editors``) are folders ``<path>.q/`` holding one file per
exported query, named ``_`` + the query string exactly as the API's own links write it
(``/guides?tag=ccas&page=2`` -> ``guides.q/_tag=ccas&page=2``), or, when that name would be longer
than :data:`MAX_NAME` bytes (a 300-character tag), ``~`` + the BLAKE2b-128 hex digest of the query
(``nginx.conf`` maps those queries one by one). ``nginx.conf`` serves the folder with those rules;
``STATIC.md`` says how to do the same with an object store and a CDN.

The export is written into a new folder beside ``OUT_DIR`` and swapped in only once complete (one
atomic exchange on Linux): a failed export leaves the previous one as it was.

Unless asked not to (``search=False``, ``--no-search``), it also holds a static full-text search:
a Pagefind index of the section records and its page under ``search/`` (:mod:`.search_index`),
which ``nginx.conf`` serves at ``/search/``.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import gzip
import hashlib
import os
import re
import shutil
import tempfile
import textwrap
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import brotli

from ..config import Settings
from ..dates import parse_http_date
from .app import create_app
from .edge import Edge
from .prepared import MIN_COMPRESS
from .problems import problem_body
from .redirects import nginx_redirects
from .routes import export_urls as api_urls
from .search_index import BUNDLE_DIR, SearchIndex, build_search_index, nginx_locations, search_files
from .snapshot import Snapshot

#: The paths stored as ``PATH.q/_QUERY``: those that take a query, and the lists whose path is also
#: the folder of their pages (``/apis`` and ``/apis/particulier``: a file cannot be a folder too).
QUERY_ENDPOINTS = (
    "/guides",
    "/editors",
    "/editors.csv",
    "/search/records",
    "/changes",
    "/apis",
    "/producers",
    "/services",
)


#: The longest file name written for a query, in bytes: file systems take 255 (143 for some
#: encrypted ones), and ``.gz`` / ``.br`` forms add 3.
MAX_NAME = 140


def file_for(path: str, query: str = "") -> str:
    """The file, relative to the export folder, of ``path?query``."""
    if path in QUERY_ENDPOINTS:
        name = f"_{query}"
        if len(name.encode()) > MAX_NAME:
            name = "~" + hashlib.blake2b(query.encode(), digest_size=16).hexdigest()
        return f"{path.lstrip('/')}.q/{name}"
    return path.lstrip("/")


def export_urls(snapshot: Snapshot) -> list[str]:
    """Every URL the export answers: each route's (see :mod:`.routes`), then the OpenAPI document."""
    return [*api_urls(snapshot.catalog), "/schema/openapi.json"]


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
    #: the static search's index (None when the export was asked not to build it)
    search: SearchIndex | None = None


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


def _date(out: Path, relative: str, modified: int | None) -> None:
    """Give the file of a response and its compressed forms the response's ``Last-Modified`` as
    their modification time: nginx then sends it as its own, and answers ``If-Modified-Since``
    as the live API does."""
    if modified is None:
        return
    for suffix in ("", ".gz", ".br"):
        with suppress(FileNotFoundError):
            os.utime(out / (relative + suffix), (modified, modified))


def export(settings: Settings, out: Path, search: bool = True) -> Exported:
    """Write the static export of ``settings.content_dir`` and put it in place of ``out``; with
    ``search``, its Pagefind index and search page too (see :mod:`.search_index`).

    The files go to a new folder beside ``out``, which replaces ``out`` once complete; on any
    failure that folder is removed and ``out`` is left as it was.
    """
    app = create_app(settings)
    snapshot = app.holder.snapshot
    assert snapshot is not None
    final = out.absolute()  # where nginx.conf says the files are
    out = Path(os.path.realpath(out))  # a symbolic link keeps naming the folder swapped in
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        staging.chmod(_folder_mode(out))
        result = _write_all(app, snapshot, staging, final, search)
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


def _write_all(app: Edge, snapshot: Snapshot, folder: Path, final: Path, search: bool) -> Exported:
    """Every exported response into ``folder``; ``final``: where nginx will find it."""
    urls = export_urls(snapshot)

    async def fetch_all() -> list[tuple[int, dict[str, str], bytes]]:
        return [await _get(app, url) for url in urls]

    total = 0
    for url, (status, headers, body) in zip(urls, asyncio.run(fetch_all()), strict=True):
        if status != 200:
            raise RuntimeError(f"{url} answered {status}: {body[:200]!r}")
        path, _, query = url.partition("?")
        total += _write(folder, file_for(path, query), body)
        _date(folder, file_for(path, query), parse_http_date(headers.get("last-modified")))
    total += _write(folder, "_errors/404.json", problem_body(404, "no such resource in this static export"))
    index = _write_search(snapshot, folder) if search else None
    total += index.bytes if index else 0
    (folder / "nginx.conf").write_text(
        nginx_server(snapshot, final, urls=urls, search=search), encoding="utf-8"
    )
    (folder / "STATIC.md").write_text(STATIC_NOTE, encoding="utf-8")
    return Exported(files=len(urls), bytes=total, urls=urls, search=index)


#: The bundle's files the search page loads, written with their .gz and .br forms too (its index
#: files are compressed already; the UIs it does not use are left as they are: brotli's best level
#: on all of them took 2 s).
_COMPRESSED = (
    "pagefind.js",
    "pagefind-worker.js",
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-entry.json",
)


def _write_search(snapshot: Snapshot, folder: Path) -> SearchIndex:
    """The Pagefind bundle and the search page; ``bytes``: all of it, compressed forms included."""
    index = build_search_index(snapshot.catalog, snapshot.record_json, folder)
    extra = 0
    for name in _COMPRESSED:
        if (folder / BUNDLE_DIR / name).is_file():
            body = (folder / BUNDLE_DIR / name).read_bytes()
            extra += _write(folder, f"{BUNDLE_DIR}/{name}", body) - len(body)
    for relative, body in search_files(snapshot.settings.site_url).items():
        extra += _write(folder, relative, body)
    return SearchIndex(pages=index.pages, files=index.files + 2, bytes=index.bytes + extra)


def _folder_mode(out: Path) -> int:
    """The mode of the folder being replaced, else that of a new folder (mkdtemp makes it 0700)."""
    try:
        return out.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o777 & ~umask


#: renameat2's flag that swaps two paths in one step (Linux 3.15, glibc 2.28)
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap_in(new: Path, out: Path) -> None:
    """Put ``new`` in place of ``out``, then remove what ``out`` held."""
    if not out.exists():
        os.rename(new, out)
        return
    if _exchange(new, out):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now names the previous export
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    os.rename(out, old / "export")  # no atomic exchange here: out is missing for two renames
    os.rename(new, out)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False when the system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def nginx_server(
    snapshot: Snapshot, root: Path, listen: str = "8080", urls: list[str] | None = None, search: bool = False
) -> str:
    """An nginx ``server`` block serving the export at ``root`` like the live API (and, with
    ``search``, the static search at ``/search/``)."""
    noindex = _noindex_keys(snapshot)
    queries = "\n".join(
        f"    location = {path} {{ {'default_type text/csv; ' if path.endswith('.csv') else ''}"
        f"try_files $content_api_long /{file_for(path)}$args =404; }}"
        for path in QUERY_ENDPOINTS
    )
    headers = _HEADERS.format(cache_control=snapshot.settings.cache_control_header)
    search_locations = nginx_locations(textwrap.indent(headers, " " * 4)) if search else ""
    redirects = nginx_redirects(snapshot.library.redirects)  # before the regex locations
    return f"""# content-api static export: include this server block in nginx's http block.
# Responses with their .gz forms (gzip_static); with the ngx_brotli module, uncomment brotli_static.
map $uri $content_api_robots {{
    default "";
{noindex}
}}

# Queries too long for a file name are stored under a digest of the query: each one is mapped here.
map "$uri?$args" $content_api_long {{
    default "";
{_long_queries(urls or [])}
}}

server {{
    listen {listen};
    root {root};
    default_type application/json;
    charset utf-8;
    absolute_redirect off;
    charset_types text/plain text/markdown text/csv application/xml;
    gzip_static on;
    gzip_vary on;
    # brotli_static on;
{headers}
    add_header X-Robots-Tag $content_api_robots always;
    error_page 404 /_errors/404.json;
    location = /_errors/404.json {{ internal; default_type application/problem+json; }}
{queries}
{redirects}{search_locations}    location = /sitemap.xml {{ default_type application/xml; }}
    location = /robots.txt {{ default_type text/plain; }}
    location = /llms.txt {{ default_type text/plain; }}
    location ~ ^/guides/[^/]+\\.md$ {{ default_type text/markdown; }}
    location / {{ try_files $uri =404; }}
}}
"""


#: The headers of every response (a location that adds headers of its own repeats them).
_HEADERS = """    add_header Cache-Control "{cache_control}" always;
    add_header Access-Control-Allow-Origin "*" always;
    add_header Access-Control-Expose-Headers "ETag, X-Robots-Tag, Content-Encoding" always;
    add_header X-Content-Type-Options "nosniff" always;"""


def _noindex_keys(snapshot: Snapshot) -> str:
    """The nginx map entries of the ``noindex`` guides and their sources."""
    catalog = snapshot.catalog
    return "\n".join(
        f"        {_map_key(f'/guides/{catalog.entries[i].slug}{suffix}')} noindex;"
        for i in sorted(catalog.noindexed)
        for suffix in ("", ".md")  # the guide and its source
    )


def _long_queries(urls: list[str]) -> str:
    """The nginx map entries of the exported queries whose file is named by a digest."""
    lines = []
    for url in urls:
        path, _, query = url.partition("?")
        file = file_for(path, query)
        if path in QUERY_ENDPOINTS and "/~" in file:
            lines.append(f"    {_map_key(url, exact=False)} /{file};")
    return "\n".join(lines)


#: Longer keys of an nginx ``map`` are written as regular expressions: an exact key must fit in
#: one bucket of the map's hash (``map_hash_bucket_size``: 64 bytes on most machines).
MAP_KEY_MAX = 40


def _map_key(text: str, exact: bool = True) -> str:
    """``text`` as a key of an nginx ``map``: itself when short, else a regex matching only it."""
    if exact and len(text.encode()) <= MAP_KEY_MAX:
        return text
    pattern = re.sub(r"([^A-Za-z0-9_])", r"\\\1", text)  # every other character literal
    return f'"~^{pattern}$"'


STATIC_NOTE = """# Serving this export

`nginx.conf` holds a `server` block: include it in nginx's `http` block (it already points at this
folder). nginx then answers every exported URL with the bytes the live API gives, their `.gz` form
when the client accepts gzip, its own ETags and 304s. Each file's modification time is its
response's `Last-Modified` (a guide's `updated`, a list's newest): nginx's `Last-Modified` and
`If-Modified-Since` agree with the live API's; an upload to an object store should keep them.

## Object store + CDN

Upload the folder as is, then:

- content types: `application/json` for every file but `sitemap.xml` (`application/xml`),
  `robots.txt` and `llms.txt` (`text/plain; charset=utf-8`), `guides/*.md`
  (`text/markdown; charset=utf-8`) and `editors.csv.q/*` (`text/csv; charset=utf-8`); for each
  `X.gz` / `X.br`, store it under the key `X` with `Content-Encoding: gzip` / `br` in a second
  bucket or path, or let the CDN compress;
- queries: `/guides`, `/editors`, `/editors.csv` and `/services` take a query string. Map
  `PATH?QUERY` to the key `PATH.q/_QUERY` (an edge function or a CDN rewrite rule; the empty query
  is `PATH.q/_`: so are `/apis` and `/producers`, whose paths are also their pages' folders). When
  `_QUERY` would be longer than 140 bytes, the key is `PATH.q/~DIGEST` instead, DIGEST being the
  BLAKE2b-128 hex digest of the query string (`nginx.conf` lists those queries). Only the
  exported queries exist: the ones the API's own `links` (self, next, prev) write, in that order;
- redirects: each `location = PATH { return 301 "TARGET…"; }` of `nginx.conf` is a redirect rule
  for the CDN (`301`, `Location: TARGET`, the request's query string kept);
- headers: `Cache-Control` as in `nginx.conf`, `Access-Control-Allow-Origin: *`, and
  `X-Robots-Tag: noindex` on the guides (and their `.md`) listed in its `map`;
- full-text search (`q`) is not in a static export: keep one live instance for it, or use the
  static search of `search/` (Pagefind: `search/index.html`, unless exported with `--no-search`).
  Serve `search/pagefind/`'s `.pf_meta`, `.pf_index`, `.pf_fragment` and `.pagefind` files as
  `application/octet-stream`, and `search/index.html` with the CSP of `nginx.conf`'s
  `location ^~ /search/` (`'wasm-unsafe-eval'` in `script-src`: Pagefind runs WebAssembly).
"""
