"""The load step of the content graph: list and read each kind's files, parse them, resolve the
references, and add it all to the library's load (its diagnostics, its content hash).

The library (``library.py``) calls :func:`read_pages` before it parses the guides, parses the
pages not known yet in the same call as the guides (:func:`parse_page_job`), then calls
:func:`load_graph` with its load state (this package never imports the library). The files of
every kind are read as the guides are (``files.py``: size limit, links that lead outside the
folder, not regular files). A page is parsed again only when its bytes, name or the parse options
change: the previous load's parses and the parse cache's (a warm restart) are reused.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import msgspec

from .. import model as m
from ..assets import AssetSizes
from ..diagnostics import diagnostic
from ..files import read_file
from ..parallel import pmap
from ..parse import ParseOptions
from ..parse.ignores import apply_in_library
from ..source_map import display_path
from .attach import size_logos
from .kinds import ApiPage, Page, Producer, Service
from .layout import Kind, SiteLayout, markdown_files
from .parse import parse_page
from .references import Graph, keys_of, resolve_guides, resolve_refs, serve


class LoadState(Protocol):
    """What the graph needs of the library's load (``library._Load``)."""

    max_file_size: int
    options: ParseOptions
    digest: Any
    diagnostics: list[m.Diagnostic]
    guides: dict[str, m.Guide]
    sources: dict[str, bytes]
    #: the image sizes of ASSETS_DIR (None without it)
    assets: AssetSizes | None
    #: the library being replaced (on reload), whose graph's parses are reused
    previous: Any
    #: the pages read (and parsed with the guides) before the graph step, if they were
    pages: PageRead | None
    #: how many files were parsed, and how many reused (the pages are added)
    stats: dict[str, int]


class PageJob(NamedTuple):
    """One page to parse (maybe in a worker process, beside the guides' jobs)."""

    kind: Kind
    file: str
    data: bytes
    options: ParseOptions
    #: False: the front matter only (a deferred page, :func:`read_pages`)
    markdown: bool = True

    def work(self) -> int:
        """The bytes this job parses, as far as the choice of processes goes (a front matter only
        costs about a tenth of a page's parse)."""
        return len(self.data) if self.markdown else len(self.data) // 10


@dataclass
class PageRead:
    """The files of a site layout's kinds, read before the guides are parsed, so that the pages
    not parsed yet are parsed in the same call as the guides (``library._parse_all``): the
    load's processes are never idle between the two."""

    #: every file of every kind -> None (the graph step gives the ones read their page)
    files: dict[str, Page | None] = field(default_factory=dict)
    sources: dict[str, bytes] = field(default_factory=dict)
    problems: list[m.Diagnostic] = field(default_factory=list)
    #: what each file adds to the load's content hash, in order (added by the graph step)
    digests: list[bytes] = field(default_factory=list)
    #: each page read, with the key of its parse
    jobs: list[tuple[PageJob, str]] = field(default_factory=list)
    #: key -> the page as parsed: known (the previous load, the parse cache), then fresh
    parsed: dict[str, Page] = field(default_factory=dict)
    #: how many pages were parsed by this load
    fresh: int = 0
    #: the keys of the pages parsed without their Markdown (``read_pages``' ``defer``)
    deferred: set[str] = field(default_factory=set)

    def missing(self) -> list[PageJob]:
        """The pages whose parse is not known yet."""
        return [job for job, key in self.jobs if key not in self.parsed]

    def add(self, jobs: list[PageJob], results: Iterable[bytes]) -> None:
        """Keep the parses of ``jobs`` (``parse_page_job``'s results, in the same order)."""
        keys = {job.file: key for job, key in self.jobs}
        for job, data in zip(jobs, results, strict=True):
            self.parsed[keys[job.file]] = msgspec.msgpack.decode(data, type=_TYPES[job.kind])
            self.fresh += 1


def read_pages(
    site: SiteLayout, load: LoadState, cached: Mapping[str, Page], *, defer: bool = False
) -> PageRead:
    """Read every file of every kind of ``site`` (the guides' rules: size, links, regular files);
    the parses of the previous load and of ``cached`` (the parse cache) are reused by key.

    ``defer``: the pages not known yet are parsed without their Markdown (their front matter,
    about a tenth of a page's parse: every slug, title, reference and list is there; the Markdown
    fields are None): the graph is ``pending``, and a later load parses them whole (the server's
    first load, ``web/loader.py``, so that the guides are served sooner)."""
    read = PageRead()
    root = Path(site.root).resolve()
    previous = getattr(load.previous, "graph", None)
    known: dict[str, Page] = previous.parsed if isinstance(previous, Graph) else {}
    for kind, folder in sorted(site.folders.items()):
        names, error = markdown_files(folder)
        if error is not None:
            read.problems.append(
                diagnostic(display_path(folder), "folder-unreadable", f"cannot list: {error}")
            )
        for name, link in names:
            path = os.path.join(folder, name)
            file = display_path(path)
            data, found, _ = read_file(path, file, root, load.max_file_size, link)
            read.problems += found
            read.files[file] = None
            if data is not None:
                read.digests.append(file.encode() + b"\0" + hashlib.sha256(data).digest())
                read.sources[file] = data
                key = _key(kind, file, data, load.options)
                page = known.get(key) or cached.get(key)
                if page is not None:
                    read.parsed[key] = page
                elif defer:
                    key += ":front-matter"
                    read.deferred.add(key)
                job = PageJob(kind, file, data, load.options, markdown=key not in read.deferred)
                read.jobs.append((job, key))
    return read


def load_graph(site: SiteLayout, load: LoadState) -> Graph:
    """The graph of ``site``'s pages, with the guides of ``load`` resolved against it; its
    diagnostics are added to ``load``'s, its files to ``load``'s content hash. The pages not
    parsed with the guides (``load.pages``) are parsed here."""
    read = load.pages if load.pages is not None else read_pages(site, load, {})
    missing = read.missing()
    # in the guides' pool when it is running (a server's load), else on every core if the bytes pay for it
    read.add(missing, pmap(parse_page_job, missing, work=sum(job.work() for job in missing)))
    for digest in read.digests:
        load.digest.update(digest)
    load.stats["parsed"] += read.fresh
    load.stats["reused"] += len(read.jobs) - read.fresh
    pages: dict[Kind, list[Any]] = {"api": [], "producer": [], "service": []}
    files, problems, parsed = dict(read.files), list(read.problems), {}
    for job, key in read.jobs:
        page = read.parsed[key]
        if key not in read.deferred:  # a deferred parse is never the next load's (nor cached)
            parsed[key] = page
        files[job.file] = page
        problems += page.diagnostics
        pages[job.kind].append(page)
    graph = _link(pages, files, read.sources, problems, load, pending=bool(read.deferred))
    graph.parsed.update(parsed)
    return graph


def parse_page_job(job: PageJob) -> bytes:
    """Parse one page (maybe in a worker process): the page, as MessagePack."""
    kind, file, data, options, markdown = job
    page = parse_page(kind, file, data, options, markdown=markdown)
    try:
        return msgspec.msgpack.encode(page)
    except Exception as exc:  # a page that cannot cross to the parent process (a bug): reported
        found = diagnostic(file, "internal-error", f"content-api failed on this file ({type(exc).__name__})")
        return msgspec.msgpack.encode(_TYPES[kind](slug=page.slug, file=file, diagnostics=[found]))


_TYPES: dict[Kind, type[ApiPage] | type[Producer] | type[Service]] = {
    "api": ApiPage,
    "producer": Producer,
    "service": Service,
}


def _link(
    pages: dict[Kind, list[Any]],
    files: dict[str, Page | None],
    sources: dict[str, bytes],
    problems: list[m.Diagnostic],
    load: LoadState,
    *,
    pending: bool,
) -> Graph:
    def source(file: str) -> bytes:
        return sources.get(file) or load.sources.get(file) or b""

    apis: dict[str, ApiPage] = serve(pages["api"], problems, "api-duplicate", source)
    producers: dict[str, Producer] = serve(pages["producer"], problems, "slug-duplicate", source)
    services: dict[str, Service] = serve(pages["service"], problems, "slug-duplicate", source)
    graph = Graph(
        apis,
        producers,
        services,
        files=files,
        api_keys=keys_of(apis),
        producer_keys=keys_of(producers),
        pending=pending,
    )
    resolve_refs(graph)
    graph.diagnostics.extend(size_logos(graph, load.assets, source))
    # the ignore comments of the pages apply to what is reported in them (the guides' do not)
    graph.diagnostics[:] = apply_in_library(problems + graph.diagnostics, sources)
    resolve_guides(graph, load.guides, source)
    load.diagnostics += graph.diagnostics
    return graph


def _key(kind: Kind, file: str, data: bytes, options: ParseOptions) -> str:
    """The key of a page's parse: its kind, name, bytes and the options that change a parse."""
    head = f"{kind}\0{file}\0{options.key()}\0".encode("utf-8", "surrogateescape")
    return hashlib.blake2b(head + data, digest_size=20).hexdigest()
