"""Loading and reloading the content: off the request path, swapped in one assignment.

The :class:`SiteHolder` holds the Site being served. The :class:`Loader` builds a Site from the
content folder (with the parse cache of a warm restart, when there is one) and puts it in the
holder; the edge and the handlers read ``holder.site`` once per request, so a request sees the old
snapshot or the new one, never a mix. With ``--watch``, a thread waits for changes in the folder
(watchfiles) and builds the next snapshot from the current one: only changed files are parsed,
only changed responses are compressed, and their ETags are the only ones that change.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import threading
import time
from pathlib import Path
from typing import Literal

from .. import parallel
from ..cache import ParseCache
from ..config import Settings
from ..library import Library, load_library
from .http import Compressor
from .site import Site, build_site

log = logging.getLogger("content_api")

State = Literal["loading", "ready", "failed"]

#: Set by `content-api serve` for its workers: where each worker says it has loaded the content,
#: and how many workers there are. /ready is 200 only when every live worker has.
READY_DIR = "CONTENT_API_READY_DIR"
WORKERS = "CONTENT_API_WORKERS"


def workers_ready() -> tuple[int, int]:
    """(workers that loaded the content, workers expected); (1, 1) outside a multi-worker server."""
    folder = os.environ.get(READY_DIR)
    if not folder:
        return 1, 1
    expected = int(os.environ.get(WORKERS, "1"))
    ready = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0, expected
    for name in names:
        try:
            os.kill(int(name), 0)  # a worker that died (and was replaced) does not count
            ready += 1
        except (ValueError, ProcessLookupError, PermissionError):
            continue
    return ready, expected


def _mark_ready() -> None:
    folder = os.environ.get(READY_DIR)
    if folder:
        try:
            Path(folder, str(os.getpid())).touch()
        except OSError as exc:
            log.warning("cannot mark this worker ready in %s: %s", folder, exc)


class SiteHolder:
    """The Site being served; a (re)load replaces ``site`` in one assignment."""

    __slots__ = ("error", "site", "state")

    def __init__(self, site: Site | None = None) -> None:
        self.site = site
        self.state: State = "ready" if site is not None else "loading"
        self.error: str | None = None


def _return_memory() -> None:
    """Give the memory the load freed back to the system (glibc keeps it otherwise)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _is_guide_change(path: str) -> bool:
    name = Path(path).name
    return name.endswith(".md") and not name.startswith((".", "#"))


class Loader:
    def __init__(self, settings: Settings, holder: SiteHolder) -> None:
        self.settings = settings
        self.holder = holder
        self.compressor = Compressor()
        self.cache = ParseCache(settings.cache_dir) if settings.cache_dir else None
        self.stop = threading.Event()
        self.reloads = 0

    def load(self, library: Library | None = None) -> Site:
        """Build the next snapshot and serve it."""
        with parallel.session():
            return self._load(library)

    def _load(self, library: Library | None) -> Site:
        current = self.holder.site
        started = time.perf_counter()
        if library is None:
            cached = {}
            if current is None and self.cache is not None:
                pack = self.cache.load()
                cached = pack.guides
                self.compressor = Compressor(pack.forms)
            previous = current.library if current is not None else None
            library = load_library(
                self.settings.content_dir,
                previous=previous,
                cache=cached,
                lean=True,
                max_file_size=self.settings.max_file_size,
                max_nesting=self.settings.max_nesting,
                site_url=self.settings.site_url,
                html=self.settings.html_mode,
                iframe_hosts=self.settings.iframe_hosts,
            )
        site = build_site(library, self.settings, self.compressor)
        fresh, self.compressor.fresh = self.compressor.fresh, 0
        self.compressor.keep_used()
        self.holder.site = site
        self.holder.state = "ready"
        if self.cache is not None and (library.stats.get("parsed") or fresh):
            self.cache.save(library.parsed, self.compressor.forms)
        if not self.settings.watch:  # nothing will reload from this library: keep only the responses
            library.release()
            _return_memory()
        log.info(
            "content loaded: %d guides, %d errors, %d parsed, %d reused, in %.2f s",
            len(site.guides),
            library.errors,
            library.stats.get("parsed", 0),
            library.stats.get("reused", 0),
            time.perf_counter() - started,
        )
        return site

    def load_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self._first_load, name="content-load", daemon=True)
        thread.start()
        return thread

    def _first_load(self) -> None:
        try:
            self.load()
        except Exception as exc:  # a bug, not bad content: say so on /health and /ready
            log.exception("loading the content failed")
            self.holder.state = "failed"
            self.holder.error = f"{type(exc).__name__}: {exc}"
            return
        _mark_ready()
        if self.settings.watch:
            self.watch()

    def watch_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.watch, name="content-watch", daemon=True)
        thread.start()
        return thread

    def watch(self) -> None:
        """Reload on every change of a guide file, until ``stop`` is set.

        A content folder reached through a symbolic link (git-sync's ``current``) may be swapped
        for another one at once: the folder holding each link is watched too, and a change there
        reloads and starts watching the new target.
        """
        import watchfiles

        while not self.stop.is_set():
            folder = Path(self.settings.content_dir)
            links = _links(folder)
            paths = [folder.resolve(), *{link.parent for link in links}]
            moved = False
            for changes in watchfiles.watch(
                *paths, stop_event=self.stop, recursive=False, debounce=200, step=50
            ):
                moved = any(Path(path) in links for _change, path in changes)
                if moved or any(_is_guide_change(path) for _change, path in changes):
                    self._reload()
                if moved:
                    break  # watch the link's new target
            if not moved:
                return

    def _reload(self) -> None:
        try:
            self.load()
            self.reloads += 1
        except Exception:  # the snapshot being served stays
            log.exception("reloading the content failed; the previous content is still served")


def _links(folder: Path) -> set[Path]:
    """The symbolic links along ``folder``'s path (absolute, unresolved)."""
    found = set()
    current = Path(folder.anchor)
    for part in folder.absolute().parts[1:]:
        current = current / part
        if current.is_symlink():
            found.add(current)
    return found
