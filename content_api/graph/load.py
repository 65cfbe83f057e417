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

from .. import model as m
from ..diagnostics import diagnostic
from ..files import read_file
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
    root = Path(site.root).resolve()
    files: dict[str, ApiPage | Producer | Service | None] = {}
    sources: dict[str, bytes] = {}
    problems: list[m.Diagnostic] = []
    pages: dict[Kind, list[Any]] = {"api": [], "producer": [], "service": []}
    previous = getattr(load.previous, "graph", None)
    known: dict[str, Any] = previous.parsed if isinstance(previous, Graph) else {}
    parsed: dict[str, Any] = {}
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
            if data is None:
                continue
            load.digest.update(file.encode() + b"\0" + hashlib.sha256(data).digest())
            sources[file] = data
            key = _key(kind, file, data, load.options)
            page = parsed[key] = known.get(key) or parse_page(kind, file, data, load.options)
            files[file] = page
            problems += page.diagnostics
            pages[kind].append(page)
    graph = _link(pages, files, sources, problems, load)
    graph.parsed.update(parsed)
    return graph


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
