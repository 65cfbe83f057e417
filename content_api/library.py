"""The Library: every guide of a content folder, parsed once, with indexes and diagnostics.

``load_library(dir)`` reads every ``*.md`` file of the folder. One bad file never stops the
others: files that cannot be read, are too large, sit outside the folder (symlinks), have a bad
or duplicate slug, or whose guide has an error diagnostic are reported and not served.

A file is parsed only when its bytes are new: ``previous`` (the snapshot being replaced, on hot
reload) and ``cache`` (the parse cache of a warm restart) give back the guides of files already
seen, keyed by a hash of their name and bytes. On reload, a guide whose file becomes invalid
keeps its last good version served, with the new diagnostics and a ``guide-stale`` warning.
In the site's layout (``graph/``), the pages are read first and parsed in the same call as the
guides; their parses are kept in ``parsed`` beside the guides' (``Parsed.page``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from .assets import AssetSizes
from .diagnostics import diagnostic
from .files import read_file
from .gitdates import GitDates, GitTimes, ask_git, file_time, git_answer
from .graph import Graph, SiteLayout, load_graph, site_layout
from .graph.attach import attach_pages
from .graph.load import PageJob, PageRead, parse_page_job, read_pages
from .guide_links import guide_link_diagnostics
from .ids import SLUG_RE, slug_from_filename
from .images import assets_of, size_images
from .model import Diagnostic, EditorRow, Guide, Root, TocEntry
from .parallel import pmap
from .parse import ParseOptions, failed_guide
from .parse.budget import MAX_CONSTRUCTS
from .parse.html_policy import DEFAULT_IFRAME_HOSTS, HtmlMode
from .parse.ignores import apply_in_library
from .parse.tokenizer import MAX_NESTING
from .parsed import EMPTY_JSON, STAND_IN, Parsed, body_of, content_key, parse_file, toc_of
from .redirects import build_redirects, redirected_slugs, take_moved
from .shared_values import ValueSharer
from .source_map import SourceMap, display_path

#: Files larger than this are refused (a diagnostic, not a crash).
MAX_FILE_SIZE = 1_000_000


@dataclass(frozen=True)
class Library:
    """An immutable snapshot of a content folder."""

    root: str
    guides: dict[str, Guide]
    diagnostics: list[Diagnostic]
    files: dict[str, Guide | None] = field(default_factory=dict)
    #: slug -> file of the guides that could not be served (errors, unreadable file, duplicate)
    failed: dict[str, str] = field(default_factory=dict)
    content_hash: str = ""
    loaded_at: str = ""
    #: content key -> parse, for every file read: the cache of the next load
    parsed: dict[str, Parsed] = field(default_factory=dict)
    #: slug -> plain text of the served guides (for search)
    texts: dict[str, str] = field(default_factory=dict)
    #: slug -> body of the served guides, as JSON bytes (always there, even when ``lean``)
    bodies: dict[str, bytes] = field(default_factory=dict)
    #: slug -> TOC of the served guides, as JSON bytes, when ``lean`` (their ``toc`` is then empty)
    tocs: dict[str, bytes] = field(default_factory=dict)
    #: slug -> the served guide's file, its bytes as read (``/guides/{slug}.md``; released too)
    sources: dict[str, bytes] = field(default_factory=dict)
    #: how many files were parsed, and how many were taken from a previous load or the cache
    stats: dict[str, int] = field(default_factory=dict)
    #: what git said of the folder (None: not a checkout, or ``git_dates="off"``): the next load
    #: reuses its history while HEAD has not moved
    git: GitTimes | None = None
    graph: Graph | None = None  # a site-layout folder's API pages, producers, services (graph/)
    #: path -> target of every redirect served (``/guides/old`` -> ``/guides/new``; redirects.py)
    redirects: dict[str, str] = field(default_factory=dict)

    def release(self) -> None:
        """Drop what only a next load needs (parses, bodies, TOCs, texts, sources): a served
        snapshot has them in its responses and search index. Afterwards, ``body()`` and ``toc()``
        and reloads from this library parse again."""
        for kept in (self.parsed, self.bodies, self.tocs, self.texts, self.sources):
            kept.clear()

    def body(self, slug: str) -> Root:
        """The AST of a served guide (decoded again when the library is lean)."""
        return body_of(self.guides[slug], self.bodies.get(slug, b""))

    def toc(self, slug: str) -> list[TocEntry]:
        """The TOC of a served guide (decoded again when the library is lean)."""
        return toc_of(self.guides[slug], self.tocs.get(slug, b""))

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")

    @property
    def editors(self) -> list[EditorRow]:
        return [row for guide in self.guides.values() for row in guide.editors]


def _related_line(data: bytes, slug: str) -> int:
    """Line of ``slug`` in the front matter's ``related_guides`` (1 when not found)."""
    start = data.find(b"related_guides")
    found = data.find(slug.encode(), max(start, 0))
    return SourceMap(data).point(found)[0] if found >= 0 and start >= 0 else 1


@dataclass
class _Load:
    """What the load steps share."""

    directory: str | os.PathLike[str]
    max_file_size: int
    root: Path = field(init=False)
    paths: list[str] = field(default_factory=list)
    links: set[str] = field(default_factory=set)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: dict[str, Guide | None] = field(default_factory=dict)
    sources: dict[str, bytes] = field(default_factory=dict)
    stale: dict[str, bytes] = field(default_factory=dict)  # file -> bytes of its last good version
    candidates: dict[str, list[str]] = field(default_factory=dict)
    guides: dict[str, Guide] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    moved: dict[str, Guide] = field(default_factory=dict)  # slug -> guide with a redirect_to
    digest: Any = field(default_factory=hashlib.sha256)
    previous: Library | None = None
    cache: Mapping[str, Parsed] = field(default_factory=dict)
    parsed: dict[str, Parsed] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=lambda: {"parsed": 0, "reused": 0})
    bodies: dict[str, bytes] = field(default_factory=dict)
    tocs: dict[str, bytes] = field(default_factory=dict)
    lean: bool = False
    options: ParseOptions = field(default_factory=ParseOptions)
    site_url: str | None = None
    assets: AssetSizes | None = None  # ASSETS_DIR: sizes of images (images.py), off when None
    git_dates: GitDates = "auto"
    dating: Future[GitTimes | None] | None = None
    git: GitTimes | None = None
    known_git: GitTimes | None = None  # what git said at the last load (a warm restart's cache)
    site: SiteLayout | None = None  # a site layout's kinds' folders (graph/), None for a folder of guides
    pages: PageRead | None = None  # their files, read before the guides are parsed, to be parsed with them
    defer_pages: bool = False  # pages not known yet: their front matter only (graph/load.py read_pages)
    sharer: ValueSharer = field(default_factory=ValueSharer)  # one object for equal tags, APIs, paths

    def __post_init__(self) -> None:
        self.root = Path(self.directory).resolve()

    def path(self, name: str) -> str:
        """Where the file is: what the system is asked to open."""
        return os.path.join(self.directory, name)

    def file(self, name: str) -> str:
        """What the file is called in diagnostics, guides and responses (always valid UTF-8)."""
        return display_path(self.path(name))


def _list(load: _Load) -> None:
    try:
        with os.scandir(load.directory) as entries:
            found = [(entry.name, entry.is_symlink()) for entry in entries if entry.name.endswith(".md")]
        found.sort()
        load.paths = [name for name, _ in found]
        load.links = {name for name, link in found if link}
    except OSError as exc:
        message = f"cannot list the content folder: {exc}"
        load.diagnostics.append(diagnostic(str(load.directory), "folder-unreadable", message))


_Job = tuple[str, str, bytes, bool, ParseOptions] | PageJob


def _parse_job(job: _Job) -> bytes:
    """Parse one file (in a worker process): the Parsed (or the page), as MessagePack."""
    if isinstance(job, PageJob):
        return parse_page_job(job)
    name, file, data, lean, options = job
    parsed = parse_file(name, file, data, options)
    try:
        return msgspec.msgpack.encode(parsed.lean() if lean else parsed)
    except Exception as exc:  # a guide that cannot cross to the parent process (a bug)
        failed = failed_guide(file, parsed.guide.slug, exc, "while handing the parse over")
        return msgspec.msgpack.encode(Parsed(failed, EMPTY_JSON, ""))


_decode_parsed = msgspec.msgpack.Decoder(Parsed).decode


def _ask_git(load: _Load) -> None:
    """Ask git for the dates while the files are read and parsed (see ``_parse_all``)."""
    if load.git_dates == "auto" and load.paths:
        known = load.previous.git if load.previous is not None else load.known_git
        load.dating = ask_git(load.root, known)


def _parse_all(load: _Load) -> None:
    known = load.previous.parsed if load.previous is not None else {}
    read: list[tuple[str, str, bytes, str, float]] = []
    for name in load.paths:
        file = load.file(name)
        link = name in load.links
        data, problems, mtime = read_file(load.path(name), file, load.root, load.max_file_size, link)
        load.diagnostics.extend(problems)
        load.files[file] = None
        if data is not None:
            load.digest.update(
                name.encode("utf-8", "surrogateescape") + b"\0" + hashlib.sha256(data).digest()
            )
            read.append((name, file, data, content_key(name, data, load.options), mtime))
    missing = [
        (name, file, data, load.lean, load.options)
        for name, file, data, key, _ in read
        if key not in known and key not in load.cache
    ]
    pages = load.pages.missing() if load.pages is not None else []
    jobs: list[_Job] = [*missing, *pages]  # a site's pages with the guides: one call, one pool
    work = sum(job.work() if isinstance(job, PageJob) else len(job[2]) for job in jobs)
    results = pmap(_parse_job, jobs, work=work)  # processes if it pays
    decoded = (load.sharer.decoded(_decode_parsed(result)) for result in results[: len(missing)])
    fresh = dict(zip((job[1] for job in missing), decoded, strict=True))
    if load.pages is not None:
        load.pages.add(pages, results[len(missing) :])
    load.stats["parsed"] = len(fresh)
    load.stats["reused"] = len(read) - len(fresh)
    load.git = git_answer(load.dating)
    for name, file, data, key, mtime in read:
        parsed = fresh.get(file) or known.get(key) or load.cache[key]
        load.parsed[key] = parsed
        updated = parsed.guide.updated or file_time(load.git, name, data, mtime, key)
        guide = msgspec.structs.replace(parsed.guide, updated=updated)
        if not load.lean:
            guide = msgspec.structs.replace(
                guide, body=body_of(guide, parsed.body), toc=toc_of(guide, parsed.toc)
            )
        load.sharer.share(guide, file)
        load.diagnostics.extend(guide.diagnostics)
        load.files[file] = guide
        load.sources[file] = data
        load.texts[file] = parsed.text
        load.bodies[file] = parsed.body
        load.tocs[file] = parsed.toc


def _slugs(load: _Load) -> None:
    for name in load.paths:
        file, slug = load.file(name), slug_from_filename(name[:-3])
        guide = load.files.get(file)
        if not SLUG_RE.match(slug):
            if guide is not None:
                message = f"{display_path(name)!r}: a slug is lower-case letters, digits, '-' and '_'"
                load.diagnostics.append(diagnostic(file, "slug-invalid", message))
        elif guide is not None and guide.ok:
            load.candidates.setdefault(slug, []).append(file)
        elif (last := _last_good(load, slug, file)) is not None:
            load.files[file] = last
            load.candidates.setdefault(slug, []).append(file)
            message = "this file has errors: its last good version, loaded before, is still served"
            load.diagnostics.append(diagnostic(file, "guide-stale", message))
        else:
            load.failed.setdefault(slug, file)


def _last_good(load: _Load, slug: str, file: str) -> Guide | None:
    """The guide this file gave in the snapshot being replaced, if it was served."""
    if load.previous is None:
        return None
    guide = load.previous.guides.get(slug)
    if guide is None or guide.file != file:
        return None
    load.texts[file] = load.previous.texts.get(slug, "")
    load.bodies[file] = load.previous.bodies.get(slug, b"")
    load.tocs[file] = load.previous.tocs.get(slug, b"")
    load.stale[file] = load.previous.sources.get(slug, b"")
    return guide


def _owners(load: _Load) -> None:
    """One guide per slug: the file named exactly <slug>.md wins over <SLUG>.md."""
    for slug, owners in sorted(load.candidates.items()):
        owners.sort(key=lambda f: (Path(f).name != slug + ".md", f))
        owner = load.files[owners[0]]
        assert owner is not None
        load.guides[slug] = owner
        load.failed.pop(slug, None)
        for other in owners[1:]:
            message = f"slug {slug!r} is already {owners[0]!r}: not served"
            load.diagnostics.append(diagnostic(other, "slug-duplicate", message))


def _moved(load: _Load) -> None:
    """The guides with a ``redirect_to`` leave the served ones (redirects.py serves their 301)."""
    load.moved = take_moved(load.guides)


def _related(load: _Load) -> None:
    for slug, guide in load.guides.items():
        for related in guide.related:
            if related not in load.guides:
                line = _related_line(load.sources[guide.file or ""], related)
                message = f"related guide {related!r} does not exist (or is not served)"
                load.diagnostics.append(diagnostic(guide.file or slug, "related-missing", message, line))


def _guide_links(load: _Load) -> None:
    load.diagnostics += guide_link_diagnostics(
        load.guides,
        load.failed,
        load.bodies,
        load.sources,
        load.site_url,
        lambda guide: body_of(guide, load.bodies.get(guide.file or "", b"")),
        redirected_slugs(load.guides, load.moved),
    )


def _ignore_comments(load: _Load) -> None:
    load.diagnostics = apply_in_library(load.diagnostics, load.sources)


def _read_pages(load: _Load) -> None:
    """A site layout's pages, read before the guides are parsed, to be parsed with them."""
    if load.site is not None:
        cached = {key: parsed.page for key, parsed in load.cache.items() if parsed.page is not None}
        load.pages = read_pages(load.site, load, cached, defer=load.defer_pages)


LOAD_STEPS: list[tuple[str, Callable[[_Load], None]]] = [
    ("list", _list),
    ("ask_git", _ask_git),
    ("read_pages", _read_pages),
    ("parse", _parse_all),
    ("images", size_images),
    ("slugs", _slugs),
    ("owners", _owners),
    ("moved", _moved),
    ("related", _related),
    ("guide_links", _guide_links),
    ("ignore_comments", _ignore_comments),
]


def _library(load: _Load, directory: str | os.PathLike[str], graph: Graph | None) -> Library:
    """The snapshot of a finished load (its redirects checked against the graph's pages)."""
    redirects = build_redirects(load.guides, load.moved, graph, load.site_url, load.failed)
    load.diagnostics += redirects.diagnostics  # errors an ignore comment would not make served
    load.failed.update(redirects.refused)
    load.diagnostics.sort(key=lambda d: (d.file or "", d.line, d.column))
    return Library(
        root=str(directory),
        guides=load.guides,
        diagnostics=load.diagnostics,
        files=load.files,
        failed=load.failed,
        content_hash=load.digest.hexdigest(),
        loaded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        parsed=load.parsed,
        texts={slug: load.texts.get(guide.file or "", "") for slug, guide in load.guides.items()},
        bodies={slug: load.bodies.get(guide.file or "", b"") for slug, guide in load.guides.items()},
        tocs={slug: load.tocs.get(guide.file or "", b"") for slug, guide in load.guides.items()},
        sources={
            s: load.stale.get(g.file or "") or load.sources[g.file or ""] for s, g in load.guides.items()
        },
        stats=load.stats,
        git=load.git,
        graph=graph,
        redirects=redirects.table,
    )


def load_library(
    directory: str | os.PathLike[str],
    *,
    max_file_size: int = MAX_FILE_SIZE,
    previous: Library | None = None,
    cache: Mapping[str, Parsed] | None = None,
    lean: bool = False,
    max_nesting: int = MAX_NESTING,
    max_constructs: int = MAX_CONSTRUCTS,
    site_url: str | None = None,
    html: HtmlMode = "sanitize",
    iframe_hosts: tuple[str, ...] | list[str] = DEFAULT_IFRAME_HOSTS,
    assets_dir: str | os.PathLike[str] | AssetSizes | None = None,
    git_dates: GitDates = "auto",
    git: GitTimes | None = None,
    defer_pages: bool = False,
) -> Library:
    """Parse every ``*.md`` file of ``directory`` into an immutable :class:`Library`.

    ``previous`` and ``cache`` give back the parses of files whose bytes did not change. With ``lean``, the
    guides keep no AST (``library.body(slug)`` decodes it from ``library.bodies``): what a server keeps. Links
    to ``/guides/<slug>`` and ``<site_url>/guides/<slug>`` are checked. ``html`` and ``iframe_hosts`` are
    :func:`~content_api.parse_guide`'s. ``assets_dir`` (``public/``, or an ``AssetSizes``): image sizes.
    Without a front matter date, a guide is dated by its file's last commit (``git_dates="auto"``,
    not for a file with uncommitted changes), else by its modification time (``"off"``: no git);
    ``git``: what git said at an earlier load (``Library.git``), so that only newer commits are read.
    ``defer_pages``: pages not known yet without their Markdown (``graph.pending``: see graph/load.py).
    """
    site = site_layout(directory)  # the site's layout: guides/, api/, producteurs/, service/
    load = _Load(
        site.guides if site else directory,
        max_file_size,
        previous=previous,
        cache=cache or {},
        lean=lean,
        options=ParseOptions(max_nesting, max_constructs, html, tuple(iframe_hosts)),
        site_url=site_url.rstrip("/") if site_url else None,
        assets=assets_of(assets_dir),
        git_dates=git_dates,
        known_git=git,
        site=site,
        defer_pages=defer_pages,
    )
    for _name, step in LOAD_STEPS:
        step(load)
    graph = load_graph(site, load) if site else None
    if graph is not None:  # apis[].page and logo sizes (graph/attach.py); pages kept for the cache
        load.guides = attach_pages(graph, load.guides)
        load.parsed.update({key: Parsed(STAND_IN, b"", "", page) for key, page in graph.parsed.items()})
    return _library(load, directory, graph)  # (sorts the diagnostics)
