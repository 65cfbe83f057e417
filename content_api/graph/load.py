"""The load step of the content graph: list and read each kind's files, parse them, resolve the
references, and add it all to the library's load (its diagnostics, its content hash).

The library (``library.py``) calls :func:`load_graph` with its load state (this package never
imports the library); the files of every kind are read as the guides are (``files.py``: size
limit, links that lead outside the folder, not regular files).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Protocol

import msgspec

from .. import model as m
from ..diagnostics import diagnostic
from ..files import read_file
from ..parallel import MIN_ITEMS, pmap, pool_running
from ..parse import ParseOptions
from ..parse.ignores import apply_in_library
from ..source_map import display_path
from .kinds import ApiPage, Producer, Service
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
    #: the library being replaced (on reload), whose graph's parses are reused
    previous: Any


def load_graph(site: SiteLayout, load: LoadState) -> Graph:
    """The graph of ``site``'s pages, with the guides of ``load`` resolved against it; its
    diagnostics are added to ``load``'s, its files to ``load``'s content hash."""
    files: dict[str, ApiPage | Producer | Service | None] = {}
    sources: dict[str, bytes] = {}
    problems: list[m.Diagnostic] = []
    jobs = _read_all(site, load, files, sources, problems)
    previous = getattr(load.previous, "graph", None)
    known: dict[str, Any] = previous.parsed if isinstance(previous, Graph) else {}
    keys = [_key(kind, file, data, load.options) for kind, file, data, _ in jobs]
    missing = [job for job, key in zip(jobs, keys, strict=True) if key not in known]
    # in the guides' pool when it is running (a server's load), else on every core from MIN_ITEMS on
    fresh = pmap(_parse_job, missing, min_items=1 if pool_running() else MIN_ITEMS)
    decoded = {job[1]: _decode(job[0], page) for job, page in zip(missing, fresh, strict=True)}
    pages: dict[Kind, list[Any]] = {"api": [], "producer": [], "service": []}
    parsed: dict[str, Any] = {}
    for (kind, file, _, _), key in zip(jobs, keys, strict=True):
        page = parsed[key] = decoded.get(file) or known[key]
        files[file] = page
        problems += page.diagnostics
        pages[kind].append(page)
    graph = _link(pages, files, sources, problems, load)
    graph.parsed.update(parsed)
    return graph


_Job = tuple[Kind, str, bytes, ParseOptions]


def _read_all(
    site: SiteLayout,
    load: LoadState,
    files: dict[str, ApiPage | Producer | Service | None],
    sources: dict[str, bytes],
    problems: list[m.Diagnostic],
) -> list[_Job]:
    """Read every file of every kind (the guides' rules: size, links, regular files)."""
    root = Path(site.root).resolve()
    jobs: list[_Job] = []
    for kind, folder in sorted(site.folders.items()):
        names, error = markdown_files(folder)
        if error is not None:
            problems.append(diagnostic(display_path(folder), "folder-unreadable", f"cannot list: {error}"))
        for name, link in names:
            path = os.path.join(folder, name)
            file = display_path(path)
            data, found, _ = read_file(path, file, root, load.max_file_size, link)
            problems += found
            files[file] = None
            if data is not None:
                load.digest.update(file.encode() + b"\0" + hashlib.sha256(data).digest())
                sources[file] = data
                jobs.append((kind, file, data, load.options))
    return jobs


def _parse_job(job: _Job) -> bytes:
    """Parse one page (maybe in a worker process): the page, as MessagePack."""
    kind, file, data, options = job
    page = parse_page(kind, file, data, options)
    try:
        return msgspec.msgpack.encode(page)
    except Exception as exc:  # a page that cannot cross to the parent process (a bug): reported
        found = diagnostic(file, "internal-error", f"content-api failed on this file ({type(exc).__name__})")
        return msgspec.msgpack.encode(_TYPES[kind](slug=page.slug, file=file, diagnostics=[found]))


def _decode(kind: Kind, data: bytes) -> ApiPage | Producer | Service:
    return msgspec.msgpack.decode(data, type=_TYPES[kind])


_TYPES: dict[Kind, type[ApiPage] | type[Producer] | type[Service]] = {
    "api": ApiPage,
    "producer": Producer,
    "service": Service,
}


def _link(
    pages: dict[Kind, list[Any]],
    files: dict[str, ApiPage | Producer | Service | None],
    sources: dict[str, bytes],
    problems: list[m.Diagnostic],
    load: LoadState,
) -> Graph:
    def source(file: str) -> bytes:
        return sources.get(file) or load.sources.get(file) or b""

    apis: dict[str, ApiPage] = serve(pages["api"], problems, "api-duplicate", source)
    producers: dict[str, Producer] = serve(pages["producer"], problems, "slug-duplicate", source)
    services: dict[str, Service] = serve(pages["service"], problems, "slug-duplicate", source)
    graph = Graph(
        apis, producers, services, files=files, api_keys=keys_of(apis), producer_keys=keys_of(producers)
    )
    resolve_refs(graph)
    # the ignore comments of the pages apply to what is reported in them (the guides' do not)
    graph.diagnostics[:] = apply_in_library(problems + graph.diagnostics, sources)
    resolve_guides(graph, load.guides, source)
    load.diagnostics += graph.diagnostics
    return graph


def _key(kind: Kind, file: str, data: bytes, options: ParseOptions) -> str:
    """The key of a page's parse: its kind, name, bytes and the options that change a parse."""
    head = f"{kind}\0{file}\0{options.key()}\0".encode("utf-8", "surrogateescape")
    return hashlib.blake2b(head + data, digest_size=20).hexdigest()
