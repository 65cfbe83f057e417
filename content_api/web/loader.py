"""Loading and reloading the content: off the request path, swapped in one assignment.

The :class:`SnapshotHolder` holds the Snapshot being served. The :class:`Loader` builds one from the
content folder (with the parse cache of a warm restart, when there is one) and puts it in the
holder; the edge and the handlers read ``holder.snapshot`` once per request, so a request sees the old
snapshot or the new one, never a mix. With ``--watch``, a thread waits for changes in the folder
(watchfiles) and builds the next snapshot from the current one: only changed files are parsed,
only changed responses are compressed, and their ETags are the only ones that change.

The watch follows the content path as the user named it, not the folder it led to at start: on
every change seen and every ``WATCH_INTERVAL`` seconds, the path is resolved again, and when it
now names another folder (a folder moved away and another moved in its place, a symbolic link
pointed elsewhere) that folder is loaded and watched. A reload that fails keeps the previous
snapshot served and shows on /health: ``degraded``, with the ``reason``.

In a site layout, the first load parses the API pages', producers' and services' front matter
only (what the lists, the references and the guides need) and serves the guides; a second load
parses those pages' Markdown at once (``_complete``). Until it ends, their details answer 503 and
/health says ``"pages": "loading"``. A warm restart whose parse cache holds the pages needs no
second load.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from .. import changes, guide_links, parallel
from ..cache import ParseCache
from ..catalog.warmup import warm_later
from ..config import Settings
from ..gitdates import GitTimes
from ..graph import site_layout
from ..library import Library, load_library
from ..webhooks import Webhooks
from . import ops
from .prepared import Compressor
from .routes import PREPARERS
from .snapshot import Snapshot, build_snapshot

log = logging.getLogger("content_api")

State = Literal["loading", "ready", "failed"]

#: Set by `content-api serve` for its workers: where each worker says it has loaded the content,
#: and how many workers there are. /ready is 200 only when every live worker has.
READY_DIR = "CONTENT_API_READY_DIR"
WORKERS = "CONTENT_API_WORKERS"
#: Set by `content-api serve`: a folder its workers share (the webhooks' lock and ledger, the change
#: feed's history) when there is no CACHE_DIR.
RUN_DIR = "CONTENT_API_RUN_DIR"


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


class SnapshotHolder:
    """The Snapshot being served; a (re)load replaces ``snapshot`` in one assignment.

    ``error`` says why the first load crashed (state ``failed``); ``reload_error`` why the last
    reload did not replace the snapshot being served (None once a reload succeeds).
    """

    __slots__ = ("error", "reload_error", "snapshot", "state")

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self.snapshot = snapshot
        self.state: State = "ready" if snapshot is not None else "loading"
        self.error: str | None = None
        self.reload_error: str | None = None

    def not_loaded_detail(self) -> str:
        """Why no content is served (yet)."""
        if self.state == "failed":
            return f"the content failed to load: {self.error}"
        return "the content is still loading; retry in a moment"


#: What names a folder: its real path and its inode; None when the path names no folder.
Identity = tuple[str, int, int] | None


def folder_identity(path: str) -> Identity:
    """The folder ``path`` leads to now (symbolic links followed), or None."""
    try:
        real = os.path.realpath(path)
        found = os.stat(real)
    except (OSError, ValueError):
        return None
    if not stat.S_ISDIR(found.st_mode):
        return None
    return real, found.st_dev, found.st_ino


class ReloadRefused(Exception):
    """A reload that would replace the content with nothing (the folder cannot be read)."""


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic garbage collector off while a load runs: the load makes hundreds of thousands of
    objects that live (the snapshot), and each collection they set off walks them all again, for
    nothing (0.10 to 0.12 s of a 0.29 s warm load of 500 guides in a fresh process). What the load
    leaves in cycles is collected after it (``_return_memory``, or the collector's next run)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _return_memory() -> None:
    """Give the memory the load freed back to the system (glibc keeps it otherwise)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _is_guide_change(path: str, folder: Path) -> bool:
    changed = Path(path)
    name = changed.name
    in_folder = changed.parent == folder or changed.parent in _content_folders(folder)
    return in_folder and name.endswith(".md") and not name.startswith((".", "#"))


def _content_folders(folder: Path) -> list[Path]:
    """The folders whose files are content: ``folder``, or the kinds' folders of a site layout
    (``guides/``, ``api/``, ``producteurs/``, ``service/``, resolved)."""
    site = site_layout(folder)
    if site is None:
        return [folder]
    with contextlib.suppress(OSError, RuntimeError):
        return [Path(path).resolve() for path in (site.guides, *site.folders.values())]
    return [folder]


class Loader:
    def __init__(self, settings: Settings, holder: SnapshotHolder) -> None:
        self.settings = settings
        self.holder = holder
        self.compressor = Compressor()
        self.cache = ParseCache(settings.cache_dir) if settings.cache_dir else None
        self.stop = threading.Event()
        #: the folder the content being served was read from, and the one a reload last tried
        self.loaded_from: Identity = None
        #: the guide files (name, mtime, size) when the content being served was read (--watch)
        self.loaded_files: frozenset[tuple[str, int, int]] | None = None
        self.tried: Identity = None
        #: what git said of the folder at the last load (saved with the parse cache)
        self.known_git: GitTimes | None = None
        #: the folder the workers share: the parse-cache folder, else the one `serve` made
        self.shared = settings.cache_dir or os.environ.get(RUN_DIR) or None
        #: the change feed's history, up to the snapshot being served
        self.history: changes.History | None = None
        self.webhooks = Webhooks(settings, self.shared)
        self.webhooks.on_status = self._refresh_health

    def load(self, library: Library | None = None, *, defer_pages: bool = False) -> Snapshot:
        """Build the next snapshot and serve it (``defer_pages``: see ``_first_load``)."""
        with parallel.session(), _no_collection():
            return self._load(library, defer_pages)

    def _load(self, library: Library | None, defer_pages: bool) -> Snapshot:
        current = self.holder.snapshot
        started = time.perf_counter()
        folder = folder_identity(self.settings.content_dir)
        self.tried = folder
        files = _guide_files(Path(self.settings.content_dir)) if self.settings.watch else None
        if library is None:
            library = self._read(current, defer_pages)
        if current is None and self.shared is not None:
            self.history = changes.load(self.shared)
        snapshot = build_snapshot(
            library,
            self.settings,
            PREPARERS,
            self.compressor,
            self.history,
            self.webhooks.statuses,
            self.cache,
        )
        fresh, self.compressor.fresh = self.compressor.fresh, 0
        self.compressor.keep_used()
        self.holder.snapshot = snapshot
        warm_later(snapshot.catalog.search)  # the most frequent words ranked ahead, while served
        self.holder.state = "ready"
        self.holder.reload_error = None
        self.loaded_from = folder
        self.loaded_files = files
        moved, self.known_git = library.git is not self.known_git, library.git
        pending = library.graph is not None and library.graph.pending  # the next load is due now
        if self.cache is not None and not pending and (library.stats.get("parsed") or fresh or moved):
            kept = self.compressor
            self.cache.save(
                library.parsed, kept.forms, library.git, kept.records, guide_links.SUGGESTED, kept.joined
            )
        self._record(snapshot)
        if not self.settings.watch and not pending:  # nothing will reload from it: keep only the responses
            library.release()  # (the memory goes back to the system once the content is served: _first_load)
            self.compressor.release()
        log.info(
            "content loaded: %d guides, %d errors, %d parsed, %d reused, in %.2f s",
            len(snapshot.catalog.entries),
            library.errors,
            library.stats.get("parsed", 0),
            library.stats.get("reused", 0),
            time.perf_counter() - started,
        )
        return snapshot

    def _record(self, snapshot: Snapshot) -> None:
        """Keep the feed's history (on disk too, when there is a shared folder) and announce the
        change to the webhooks, if the content served changed."""
        if snapshot.history is not None and snapshot.history is not self.history:
            self.history = snapshot.history
            if self.shared is not None:
                changes.save(self.shared, self.history)
        if self.history is not None:
            self.webhooks.announce(self.history)
            self.webhooks.start()

    def _refresh_health(self) -> None:
        """/health and /diagnostics again (the webhooks' last deliveries changed)."""
        snapshot = self.holder.snapshot
        if snapshot is not None:
            ops.refresh_health(snapshot, self.holder.reload_error)

    def _read(self, current: Snapshot | None, defer_pages: bool) -> Library:
        """The library of the content folder: only what changed since ``current`` is parsed (at
        the first load, what the parse cache does not hold)."""
        cached = {}
        if current is None and self.cache is not None:
            pack = self.cache.load()
            cached, self.known_git = pack.guides, pack.git
            self.compressor = Compressor(pack.forms, pack.record_blocks, pack.joined)
            guide_links.SUGGESTED.update(pack.suggestions)
        library = load_library(
            self.settings.content_dir,
            previous=current.library if current is not None else None,
            cache=cached,
            lean=True,
            git=self.known_git,
            defer_pages=defer_pages,
            **self.settings.library_options(),
        )
        unreadable = [d.message for d in library.diagnostics if d.code == "folder-unreadable"]
        if unreadable and current is not None:
            raise ReloadRefused(unreadable[0])
        return library

    def load_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self._first_load, name="content-load", daemon=True)
        thread.start()
        return thread

    def _first_load(self) -> None:
        """The server's first load: the guides are served before the Markdown of a site layout's
        pages is parsed (``defer_pages``), then a second load parses it (``_complete``)."""
        try:
            self.load(defer_pages=True)
        except Exception as exc:  # a bug, not bad content: say so on /health and /ready
            log.exception("loading the content failed")
            self.holder.state = "failed"
            self.holder.error = f"{type(exc).__name__}: {exc}"
            return
        _mark_ready()
        self._complete()
        if self.settings.watch:
            self.watch()
        else:  # what the loads freed, given back now that the content is served (40 ms per 500 guides)
            _return_memory()

    def _complete(self) -> None:
        """After a first load that served the guides before the pages' Markdown was parsed
        (``Graph.pending``): a load that parses it, from the snapshot served (its guides are
        reused; their responses, ETags and the change feed stay the same)."""
        snapshot = self.holder.snapshot
        graph = snapshot.library.graph if snapshot is not None else None
        if graph is not None and graph.pending:
            self._reload()

    def watch_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.watch, name="content-watch", daemon=True)
        thread.start()
        return thread

    def watch(self) -> None:
        """Reload on every change of a guide file or of the folder the content path names.

        Watched: the folder, the folder holding it (where it is renamed or replaced) and the
        folder holding each symbolic link along the path (git-sync's ``current`` link swapped for
        another). Every change seen, and every ``WATCH_INTERVAL`` seconds, the path is resolved
        again: when it leads to another folder, the watch reloads and starts over on it.
        """
        import watchfiles

        named = self.settings.content_dir
        while not self.stop.is_set():
            paths = _watched_paths(named)
            folder = Path(named).resolve()
            try:
                for events in watchfiles.watch(
                    *paths,
                    stop_event=self.stop,
                    recursive=False,
                    debounce=200,
                    step=50,
                    rust_timeout=self.settings.watch_interval * 1000,
                    yield_on_timeout=True,
                ):
                    if self._moved():
                        break  # watch the folder the path names now
                    seen = any(_is_guide_change(path, folder) for _change, path in events)
                    if seen or (not events and self._missed(folder)):
                        self._reload()
                else:
                    return  # stopped
            except (OSError, RuntimeError) as exc:  # a watched folder went away under the watcher
                log.warning("watching %s: %s; watching again", named, exc)
                self.stop.wait(min(1.0, self.settings.watch_interval))

    def _missed(self, folder: Path) -> bool:
        """Whether a guide file changed without an event (one made before the watcher was armed on
        a folder just moved in): the files are compared with those last loaded, every interval.
        A reload that fails is not tried again until the files change again."""
        now = _guide_files(folder)
        if now is None or now == self.loaded_files:
            return False
        self.loaded_files = now
        return True

    def _moved(self) -> bool:
        """Whether the content path names another folder than the one served (reloaded if so)."""
        now = folder_identity(self.settings.content_dir)
        if now == self.loaded_from or now == self.tried:
            return False
        self.tried = now
        if now is None:
            self._failed(f"the content folder {self.settings.content_dir} is missing or not a folder")
        else:
            self._reload()
        return True

    def _reload(self) -> None:
        try:
            self.load()
        except Exception as exc:  # the snapshot being served stays
            log.exception("reloading the content failed; the previous content is still served")
            self._failed(f"reloading the content failed: {type(exc).__name__}: {exc}")

    def _failed(self, reason: str) -> None:
        """Keep serving the current snapshot; /health says it is stale, and why."""
        snapshot = self.holder.snapshot
        loaded = snapshot.library.loaded_at if snapshot is not None else None
        reason = f"{reason}; the content loaded at {loaded} is still served"
        log.warning("%s", reason)
        self.holder.reload_error = reason
        if snapshot is not None:
            ops.refresh_health(snapshot, reason)


def _guide_files(folder: Path) -> frozenset[tuple[str, int, int]] | None:
    """Each guide file of ``folder`` with its modification time and size; None when unreadable."""
    found: set[tuple[str, int, int]] = set()
    try:
        for each in _content_folders(folder):
            with os.scandir(each) as entries:
                found.update(_stamp(entry) for entry in entries if _is_guide_change(entry.path, each))
    except OSError:
        return None
    return frozenset(found)


def _stamp(entry: os.DirEntry[str]) -> tuple[str, int, int]:
    """A guide file's name, modification time and size (-1, -1: it cannot be read)."""
    try:
        found = entry.stat()
    except OSError:
        return entry.path, -1, -1
    return entry.path, found.st_mtime_ns, found.st_size


def _watched_paths(named: str) -> list[Path]:
    """The folders to watch for ``named``: itself and the folders holding it and its links."""
    folder = Path(named).absolute()
    candidates = [folder, folder.parent, *(link.parent for link in _links(folder))]
    candidates += _content_folders(folder)[1:]  # a site layout: each kind's folder too
    found = [path.resolve() for path in candidates if path.is_dir()]
    if not found:  # the folder and the one holding it are gone: watch the closest that is left
        found = [next(parent for parent in folder.parents if parent.is_dir())]
    return list(dict.fromkeys(found))


def _links(folder: Path) -> set[Path]:
    """The symbolic links along ``folder``'s path (absolute, unresolved)."""
    found = set()
    current = Path(folder.anchor)
    for part in folder.absolute().parts[1:]:
        current = current / part
        if current.is_symlink():
            found.add(current)
    return found
