"""/preview and /preview/{slug}: a guide as its readers will see it, with its diagnostics, for writers.

The page is rendered by the service from the guide's AST (``render_html`` with heading anchors)
and styled by a small stylesheet of its own: no CDN, no web font, no script but the reload one,
so it works offline. Images with a site path (``/images/guides/logo.png``) are looked for in the
content folder and served from there; one that is not there is shown as a labelled placeholder
(the page never asks another host for it). With ``--watch``, the page listens to
``/preview/{slug}/events`` (Server-Sent Events) and reloads itself when its guide changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import mimetypes
import urllib.parse
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import File, ServerSentEvent, ServerSentEventMessage

from .. import model as m
from ..render import render_html
from .negotiation import Answer
from .params import reject_unknown
from .prepared import Prepared
from .snapshot import Current, Snapshot

Slug = Annotated[str, Parameter(description="the guide's slug")]

#: How often an open /events stream looks at the served snapshot (in memory: no request is made).
EVENTS_CHECK_SECONDS = 0.25
#: A comment line this often keeps proxies from closing an idle stream.
EVENTS_PING_SECONDS = 15.0
#: A stream ends after this long (the browser reconnects at once, ``retry``): an open preview tab
#: never holds a server that is stopping for longer.
EVENTS_STREAM_SECONDS = 60.0
#: The policy of the files served under /preview/assets/: an SVG opened there runs no script, loads
#: nothing and is sandboxed into an opaque origin (nothing of the service's origin is reachable).
ASSET_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

RELOAD_JS = """// content-api preview: reload the page when its guide changes (Server-Sent Events).
(function () {
  var meta = document.querySelector('meta[name="content-api-events"]');
  if (!meta || !window.EventSource) return;
  var source = new EventSource(meta.content);
  source.addEventListener("reload", function () { source.close(); window.location.reload(); });
})();
"""

CSS = """
:root { --ink: #161616; --muted: #595959; --line: #dddddd; --blue: #000091; --soft: #f5f5fe;
  --error: #ce0500; --warning: #b34000; --info: #0063cb; font-family: system-ui, -apple-system,
  "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink); line-height: 1.55; }
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--blue); }
a:focus, button:focus { outline: 2px solid #0a76f6; outline-offset: 2px; }
.page { display: grid; grid-template-columns: minmax(0, 16rem) minmax(0, 48rem); gap: 2.5rem;
  max-width: 70rem; margin: 0 auto; padding: 1.5rem; }
.page > header, .page > .diagnostics { grid-column: 1 / -1; }
@media (max-width: 52rem) { .page { grid-template-columns: minmax(0, 1fr); } }
.crumbs { font-size: .875rem; margin: 0 0 1rem; color: var(--muted); }
h1 { font-size: 2rem; line-height: 1.25; margin: 0 0 .5rem; }
.tagline { font-size: 1.125rem; color: var(--muted); margin: 0 0 1rem; }
.chips { display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; padding: 0; margin: 0 0 .5rem; }
.chips li { background: var(--soft); color: var(--blue); border-radius: 1rem; padding: .1rem .75rem;
  font-size: .875rem; }
.chips.apis li { background: #e3e3fd; font-weight: 600; }
.status { font-size: .875rem; color: var(--muted); }
.diagnostics { border: 2px solid var(--line); border-left-width: 6px; padding: .75rem 1rem;
  margin: .5rem 0 0; background: #fafafa; }
.diagnostics.has-error { border-color: var(--error); }
.diagnostics.has-warning { border-color: var(--warning); }
.diagnostics.clean { border-color: #18753c; }
.diagnostics h2 { font-size: 1rem; margin: 0 0 .5rem; }
.diagnostics ul { margin: 0; padding-left: 1.25rem; }
.diagnostics li { margin: .25rem 0; }
.severity { font-weight: 700; text-transform: uppercase; font-size: .75rem; }
.severity-error { color: var(--error); } .severity-warning { color: var(--warning); }
.severity-info { color: var(--info); }
.where { color: var(--muted); font-variant-numeric: tabular-nums; }
nav.toc { position: sticky; top: 1rem; align-self: start; font-size: .9375rem; }
nav.toc h2 { font-size: 1rem; margin: 0 0 .5rem; }
nav.toc ul { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
nav.toc li { padding: .2rem 0 .2rem .75rem; }
nav.toc li.depth-3 { padding-left: 1.75rem; }
article h2 { font-size: 1.5rem; margin: 2rem 0 .75rem; scroll-margin-top: 1rem; }
article h3 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; scroll-margin-top: 1rem; }
article img { max-width: 100%; height: auto; }
article pre { background: #f6f6f6; padding: .75rem 1rem; overflow-x: auto; }
article code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .875em; }
article table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: .9375rem; }
article th, article td { border: 1px solid var(--line); padding: .5rem .75rem; text-align: left;
  vertical-align: top; }
article thead th { background: var(--soft); }
article table.editors caption, article table.editors thead th { color: var(--blue); }
a.button { display: inline-block; background: var(--blue); color: #fff; text-decoration: none;
  padding: .5rem 1.25rem; border-radius: .25rem; font-weight: 600; margin: .25rem 0; }
a.button.button-alt { background: #fff; color: var(--blue); box-shadow: inset 0 0 0 1px var(--blue); }
figure.quote { margin: 1.5rem 0; padding: 1.25rem 1.5rem; border: 1px solid var(--line);
  border-radius: .5rem; background: var(--soft); }
figure.quote blockquote { margin: 0 0 .75rem; font-size: 1.0625rem; font-style: italic; }
figure.quote figcaption { display: flex; align-items: center; gap: .75rem; font-size: .9375rem; }
figure.quote figcaption img { max-height: 3rem; max-width: 6rem; object-fit: contain; }
figure.quote cite { color: var(--muted); font-style: normal; }
[data-component] { border: 1px dashed #929292; padding: .5rem .75rem; margin: 1rem 0; }
span[data-component] { display: inline; padding: 0 .25rem; margin: 0; }
[data-component]::before { content: "<" attr(data-component) ">"; display: block; font-size: .75rem;
  color: var(--muted); font-family: ui-monospace, monospace; }
span[data-component]::before { display: inline; margin-right: .25rem; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
.index { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
.index table { border-collapse: collapse; width: 100%; }
.index th, .index td { border-bottom: 1px solid var(--line); padding: .5rem; text-align: left; }
.count-error { color: var(--error); font-weight: 700; } .count-warning { color: var(--warning); }
"""

#: Where the preview shows an image that is not in the content folder: a labelled frame of its own,
#: served from the service (a ``data:image/svg+xml`` URL would be an unsafe URL to render_html).
PLACEHOLDER_PATH = "/preview/placeholder.svg"
PLACEHOLDER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">'
    '<rect width="240" height="120" fill="#eeeeee" stroke="#929292" stroke-dasharray="6 4"/>'
    '<text x="120" y="66" font-family="sans-serif" font-size="13" text-anchor="middle" fill="#595959">'
    "image absente du dossier</text></svg>"
)


def _e(text: str | None) -> str:
    return html.escape(text or "", quote=True)


#: Longest asset path looked up (characters) and longest name in it (bytes, as most file systems):
#: longer ones name no file, and the system would refuse them with an error.
MAX_ASSET_PATH = 1024
MAX_ASSET_NAME = 255


def _asset_path(url: str) -> str | None:
    """The relative path a site path (``/images/x.png``) names, or None when it cannot name a file
    (a NUL, a name over the file system's limit: the system would raise, not answer "no file")."""
    try:
        relative = urllib.parse.unquote(urllib.parse.urlsplit(url).path).lstrip("/")
    except ValueError:  # not a URL (an unbalanced "[" in a host)
        return None
    if "\0" in relative or len(relative) > MAX_ASSET_PATH:
        return None
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_ASSET_NAME for part in relative.split("/")):
        return None
    return relative


def _local_asset(snapshot: Snapshot, url: str) -> Path | None:
    """The file of the content folder a site path (``/images/x.png``) names, if there is one."""
    relative = _asset_path(url)
    if relative is None:
        return None
    root = Path(snapshot.library.root).resolve()
    for candidate in (root / relative, root / "public" / relative):
        try:
            resolved = candidate.resolve()
            if resolved.is_relative_to(root) and resolved.is_file():
                return resolved
        except (OSError, ValueError):  # whatever else the system refuses is not a file either
            continue
    return None


def _image_url(snapshot: Snapshot, url: str | None) -> str | None:
    """Where the preview takes an image from: the web for an absolute URL, else the content folder."""
    if url is None or "://" in url or url.startswith(("//", "data:")):
        return url
    local = _local_asset(snapshot, url)
    if local is None:
        return PLACEHOLDER_PATH
    root = Path(snapshot.library.root).resolve()
    return "/preview/assets/" + urllib.parse.quote(local.relative_to(root).as_posix())


def _localize(snapshot: Snapshot, node: Any) -> Any:
    """A copy of ``node`` whose images and quote logos point where the preview can show them."""
    if isinstance(node, m.Image):
        return msgspec.structs.replace(node, url=_image_url(snapshot, node.url))
    if isinstance(node, m.Quote):
        node = msgspec.structs.replace(node, logo=_image_url(snapshot, node.logo))
    children = getattr(node, "children", None)
    if children:
        node = msgspec.structs.replace(node, children=[_localize(snapshot, child) for child in children])
    return node


def _diagnostics_panel(diagnostics: list[m.Diagnostic]) -> str:
    if not diagnostics:
        return (
            '<aside class="diagnostics clean" aria-label="Diagnostics"><h2>Diagnostics</h2>'
            "<p>Aucun problème détecté dans ce guide.</p></aside>"
        )
    worst = "error" if any(d.severity == "error" for d in diagnostics) else "warning"
    if all(d.severity == "info" for d in diagnostics):
        worst = "info"
    items = "".join(
        f'<li><span class="severity severity-{d.severity}">{d.severity}</span> '
        f'<span class="where">ligne {d.line}, colonne {d.column}</span> '
        f"<code>{_e(d.code)}</code> — {_e(d.message)}</li>"
        for d in sorted(diagnostics, key=lambda d: (d.line, d.column))
    )
    return (
        f'<aside class="diagnostics has-{worst}" role="status" aria-label="Diagnostics">'
        f"<h2>Diagnostics ({len(diagnostics)})</h2><ul>{items}</ul></aside>"
    )


def _toc(toc: list[m.TocEntry]) -> str:
    if not toc:
        return ""
    items = "".join(f'<li class="depth-{t.depth}"><a href="#{_e(t.id)}">{_e(t.text)}</a></li>' for t in toc)
    return f'<nav class="toc" aria-label="Sommaire"><h2>Sommaire</h2><ul>{items}</ul></nav>'


def _document(snapshot: Snapshot, title: str, head: str, body: str) -> bytes:
    events = snapshot.settings.watch
    return (
        '<!doctype html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'  # no /favicon.ico request
        f"<title>{_e(title)} · aperçu content-api</title>\n<style>{CSS}</style>\n{head}"
        + ('<script src="/preview/reload.js" defer></script>\n' if events else "")
        + f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    ).encode()


def _diagnostics_of(snapshot: Snapshot, file: str) -> list[m.Diagnostic]:
    return [d for d in snapshot.diagnostics if d.file == file]


def _guide_page(snapshot: Snapshot, slug: str) -> Prepared:
    i = snapshot.catalog.position.get(slug)
    events = f'<meta name="content-api-events" content="/preview/{_e(slug)}/events">\n'
    crumbs = '<p class="crumbs"><a href="/preview">Aperçu des guides</a></p>'
    if i is None:
        file = snapshot.library.failed.get(slug)
        if file is None:
            raise NotFoundException(detail=f"no guide {slug!r}")
        name = file.rsplit("/", 1)[-1]
        body = (
            f'<div class="page"><header>{crumbs}<h1>{_e(name)}</h1>'
            '<p class="tagline">Ce guide n\'est pas publié : son fichier a des erreurs.</p></header>'
            f"{_diagnostics_panel(_diagnostics_of(snapshot, name))}</div>"
        )
        return Prepared(_document(snapshot, name, events, body), "text/html")
    guide, summary = snapshot.catalog.entries[i], snapshot.catalog.summaries[i]
    tags = "".join(f"<li>{_e(t.label)}</li>" for t in summary.tags)
    apis = "".join(f"<li>{_e(a.name)}</li>" for a in summary.apis)
    state = ", ".join(
        part
        for part in (
            "publié" if summary.publish else "non publié",
            "non indexé (noindex)" if summary.noindex else "",
            f"lecture {summary.reading_time} min",
        )
        if part
    )
    article = render_html(_localize(snapshot, snapshot.body(i)), heading_ids=True)
    body = (
        f'<div class="page"><header>{crumbs}<h1>{_e(summary.title)}</h1>'
        + (f'<p class="tagline">{_e(summary.tagline)}</p>' if summary.tagline else "")
        + (f'<ul class="chips tags" aria-label="Étiquettes">{tags}</ul>' if tags else "")
        + (f'<ul class="chips apis" aria-label="API">{apis}</ul>' if apis else "")
        + f'<p class="status">{_e(state)}</p></header>'
        + _diagnostics_panel(_diagnostics_of(snapshot, guide.file.rsplit("/", 1)[-1] if guide.file else ""))
        + _toc(snapshot.toc(i))
        + f'<main><article class="guide-body">\n{article}</article></main></div>'
    )
    return Prepared(_document(snapshot, summary.title, events, body), "text/html")


def _index_page(snapshot: Snapshot) -> Prepared:
    counts: dict[str, list[int]] = {}
    for d in snapshot.diagnostics:
        pair = counts.setdefault(d.file or "", [0, 0])
        pair[0 if d.severity == "error" else 1] += d.severity != "info"
    rows = []
    for i, summary in enumerate(snapshot.catalog.summaries):
        file = (snapshot.catalog.entries[i].file or "").rsplit("/", 1)[-1]
        errors, warnings = counts.get(file, [0, 0])
        rows.append(
            f'<tr><td><a href="/preview/{_e(summary.slug)}">{_e(summary.title)}</a></td>'
            f"<td>{'oui' if summary.publish else 'non'}</td>"
            f'<td class="count-warning">{warnings or ""}</td><td class="count-error">{errors or ""}</td></tr>'
        )
    for slug, file in sorted(snapshot.library.failed.items()):
        name = file.rsplit("/", 1)[-1]
        errors, warnings = counts.get(name, [0, 0])
        rows.append(
            f'<tr><td><a href="/preview/{_e(slug)}">{_e(name)}</a></td><td>non</td>'
            f'<td class="count-warning">{warnings or ""}</td><td class="count-error">{errors}</td></tr>'
        )
    body = (
        '<div class="index"><h1>Aperçu des guides</h1>'
        f"<p>{len(snapshot.catalog.summaries)} guides servis, {len(snapshot.library.failed)} en erreur.</p>"
        '<table><thead><tr><th scope="col">Guide</th><th scope="col">Publié</th>'
        '<th scope="col">Avertissements</th><th scope="col">Erreurs</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    return Prepared(_document(snapshot, "Aperçu des guides", "", body), "text/html")


@get("/preview", sync_to_thread=False, include_in_schema=False)
def preview_index(request: Request[Any, Any, Any], snapshot: Current) -> Answer:
    reject_unknown(request, ())
    return Answer(snapshot.cached("/preview", lambda: _index_page(snapshot)), snapshot.policy)


@get("/preview/{slug:str}", sync_to_thread=False, include_in_schema=False)
def preview_guide(request: Request[Any, Any, Any], snapshot: Current, slug: Slug) -> Answer:
    reject_unknown(request, ())
    slug = slug.lower()
    return Answer(snapshot.cached(f"/preview/{slug}", lambda: _guide_page(snapshot, slug)), snapshot.policy)


def _version(snapshot: Snapshot | None, slug: str) -> str:
    """What the preview of ``slug`` shows, as a short hash: it changes when the page would."""
    if snapshot is None:
        return ""
    i = snapshot.catalog.position.get(slug)
    file = snapshot.library.failed.get(slug, "") if i is None else snapshot.catalog.entries[i].file or ""
    name = file.rsplit("/", 1)[-1]
    parts = [snapshot.detail(i).etag if i is not None else "missing", name]
    parts += [f"{d.line}:{d.column}:{d.code}:{d.message}" for d in _diagnostics_of(snapshot, name)]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()


@get("/preview/{slug:str}/events", include_in_schema=False)
async def preview_events(request: Request[Any, Any, Any], snapshot: Current, slug: Slug) -> ServerSentEvent:
    """``event: reload`` each time the preview of ``slug`` changes (only with --watch)."""
    if not snapshot.settings.watch:
        raise NotFoundException(detail="the preview reloads itself only when the server runs with --watch")
    holder = request.app.state.holder
    slug = slug.lower()

    async def changes() -> AsyncGenerator[ServerSentEventMessage, None]:
        seen = _version(holder.snapshot, slug)
        yield ServerSentEventMessage(event="ready", data=seen, retry=1000)
        quiet = elapsed = 0.0
        while elapsed < EVENTS_STREAM_SECONDS:
            await asyncio.sleep(EVENTS_CHECK_SECONDS)
            elapsed += EVENTS_CHECK_SECONDS
            now = _version(holder.snapshot, slug)
            if now != seen:
                seen, quiet = now, 0.0
                yield ServerSentEventMessage(event="reload", data=now)
            else:
                quiet += EVENTS_CHECK_SECONDS
                if quiet >= EVENTS_PING_SECONDS:
                    quiet = 0.0
                    yield ServerSentEventMessage(comment="ping")

    return ServerSentEvent(changes(), headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@get("/preview/assets/{path:path}", sync_to_thread=False, include_in_schema=False)
def preview_asset(
    snapshot: Current,
    path: Annotated[str, Parameter(description="a file of the content folder")],
) -> File:
    """An image of the content folder, for the preview (nothing outside the folder is served)."""
    local = _local_asset(snapshot, path)
    media_type, _ = mimetypes.guess_type(local.name if local else "")
    if local is None or not (media_type or "").startswith("image/"):
        raise NotFoundException(detail=f"no image {path!r} in the content folder")
    return File(
        local,
        media_type=media_type,
        content_disposition_type="inline",
        headers={"Content-Security-Policy": ASSET_CSP},
    )


PREVIEW_HANDLERS = [preview_index, preview_guide, preview_events, preview_asset]
