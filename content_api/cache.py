"""The parse cache of a warm restart: what the last load parsed and compressed, on disk.

``content-api serve --cache DIR`` keeps one file, ``DIR/content-api.cache``: msgspec MessagePack
of the guides parsed by the last load (keyed by a hash of each file's name and bytes, and of the
parse options), of a site layout's API pages, producers and services likewise (``Parsed.page``),
the br forms of its prepared responses (keyed by ETag) and each guide's search records (keyed by
its detail's ETag and the site's URL), and the slugs suggested for links to missing guides. The
next start parses and compresses only what changed.
The file records the engine version (a hash of this package's code and of the versions of the
parsing libraries): written by another version, or unreadable, it is ignored with a warning,
never trusted. It is written to a temporary file and renamed, so a crash never leaves half a
cache. Beside it, ``DIR/content-api.search`` keeps the search index, an SQLite file, under a hash
of the documents it indexes (the same engine and documents: copied back, not built; else ignored),
and ``DIR/content-api.ranked`` the search warm-up's results for the same documents, another SQLite
file which the workers add to as they rank (a restart ranks again only what is not kept).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import logging
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path

import msgspec

from .catalog.search import RankedRow
from .gitdates import GitTimes
from .parsed import Parsed
from .shared_values import ValueSharer

log = logging.getLogger("content_api.cache")

FILE_NAME = "content-api.cache"
#: The search index's SQLite image (``catalog/search.py`` ``SearchIndex.of``), beside the cache.
SEARCH_FILE = "content-api.search"
#: The search warm-up's results (``catalog/search.py`` ``SearchIndex.warm``), an SQLite file.
RANKED_FILE = "content-api.ranked"
# How long a worker waits for another one writing the search results (seconds).
RANKED_LOCK_TIMEOUT = 10.0
_LIBRARIES = (
    "markdown-it-py",
    "mdurl",  # how render_html and the hints write URLs
    "mdit-py-plugins",
    "linkify-it-py",
    "python-frontmatter",
    "pyyaml",
    "msgspec",
    "nh3",
)


class Pack(msgspec.Struct):
    engine: str
    #: content key -> parse: the guides' and the site layout's pages' (``Library.parsed``)
    guides: dict[str, Parsed]
    forms: dict[str, bytes | None]
    #: what git said of the content folder (its HEAD, each file's last commit): a warm restart on
    #: the same HEAD runs no ``git log``, and after a pull reads only the new commits
    git: GitTimes | None = None
    #: each guide's search records, encoded and packed (``Compressor.records``; the field's name
    #: changed with its type: a file of the old form decodes, and is then ignored as another version's)
    record_blocks: dict[str, tuple[int, bytes]] = msgspec.field(default_factory=dict)
    #: the ETag and size of the bodies joined from parts, by a key of their parts (``Compressor.joined``)
    joined: dict[str, tuple[str, int]] = msgspec.field(default_factory=dict)
    #: the closest slugs found for links to missing guides (``guide_links.SUGGESTED``)
    suggestions: dict[str, str] = msgspec.field(default_factory=dict)


class _RawPack(Pack):
    """A pack as read: each parse still its bytes, decoded one after the other (``ParseCache.load``)."""

    guides: dict[str, msgspec.Raw]  # type: ignore[assignment]


_PARSED = msgspec.msgpack.Decoder(Parsed)


@lru_cache(maxsize=1)
def engine_version() -> str:
    """A hash of the package's source and of the parsing libraries' versions."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name}=?".encode())
    return digest.hexdigest()[:32]


class ParseCache:
    """Read and write the cache file of one folder."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.path = self.directory / FILE_NAME

    def load(self) -> Pack:
        """The cached pack, or an empty one (with a warning when the file is there but unusable)."""
        empty = Pack(engine_version(), {}, {})
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return empty
        except OSError as exc:
            log.warning("parse cache %s unreadable, ignored: %s", self.path, exc)
            return empty
        try:
            raw = msgspec.msgpack.decode(data, type=_RawPack)  # each parse a view of ``data``
            if raw.engine != engine_version():
                log.warning(
                    "parse cache %s was written by another version of content-api, ignored", self.path
                )
                return empty
            sharer, decode = ValueSharer(), _PARSED.decode
            guides = {key: sharer.decoded(decode(parsed)) for key, parsed in raw.guides.items()}
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("parse cache %s is corrupt, ignored: %s", self.path, exc)
            return empty
        return Pack(raw.engine, guides, raw.forms, raw.git, raw.record_blocks, raw.joined, raw.suggestions)

    def save(
        self,
        guides: dict[str, Parsed],
        forms: dict[str, bytes | None],
        git: GitTimes | None = None,
        records: dict[str, tuple[int, bytes]] | None = None,
        suggestions: dict[str, str] | None = None,
        joined: dict[str, tuple[str, int]] | None = None,
    ) -> None:
        """Write the cache atomically; a failure is logged, never raised (the cache is optional)."""
        pack = Pack(engine_version(), guides, forms, git, records or {}, joined or {}, suggestions or {})
        self._write(self.path, msgspec.msgpack.encode(pack))

    def restore_search(self, key: str, into: sqlite3.Connection) -> bool:
        """Copy the search index kept for the documents of ``key`` into ``into`` (SQLite's backup
        API); False when none is kept for them by this engine, or the file cannot be read."""
        path = (self.directory / SEARCH_FILE).resolve()
        if not path.is_file():
            return False
        try:
            kept = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)
            try:
                if kept.execute("SELECT engine, key FROM kept").fetchone() != (engine_version(), key):
                    return False
                kept.backup(into)
            finally:
                kept.close()
        except sqlite3.Error as exc:
            log.warning("search index %s unreadable, ignored: %s", path, exc)
            return False
        return True

    def keep_search(self, key: str, source: sqlite3.Connection) -> None:
        """Keep the search index of ``source`` for the documents of ``key``: written to a temporary
        file and renamed (never half a file); a failure is logged, never raised."""
        try:
            with self._replacing(self.directory / SEARCH_FILE) as temporary:
                kept = sqlite3.connect(temporary)
                try:
                    source.backup(kept)
                    kept.execute("CREATE TABLE kept(engine TEXT, key TEXT)")
                    kept.execute("INSERT INTO kept VALUES (?, ?)", (engine_version(), key))
                    kept.commit()
                finally:
                    kept.close()
        except (OSError, sqlite3.Error) as exc:
            log.warning("search index %s not written: %s", self.directory / SEARCH_FILE, exc)

    def keep_ranked(self, key: str, rows: Sequence[RankedRow]) -> None:
        """Add ``rows`` to the search results kept for the documents of ``key`` (those of another
        key are dropped first). Two workers may add theirs at once (SQLite's locking). A damaged
        file is removed and written anew; a failure is logged, never raised."""
        path = self.directory / RANKED_FILE
        for attempt in (1, 2):
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                with contextlib.closing(
                    sqlite3.connect(path, timeout=RANKED_LOCK_TIMEOUT, isolation_level=None)
                ) as db:
                    # One write transaction from the key's check to the rows: two workers checking
                    # the key at once would otherwise each find it missing and drop the other's rows.
                    db.execute("BEGIN IMMEDIATE")
                    self._add_ranked(db, key, rows)
                    db.execute("COMMIT")
                return
            except sqlite3.OperationalError as exc:  # locked past the timeout, disk full: not damage
                log.warning("search results %s not written: %s", path, exc)
                return
            except sqlite3.DatabaseError as exc:
                log.warning("search results %s not written (%s): removed", path, exc)
                with suppress(OSError):
                    path.unlink(missing_ok=True)
                if attempt == 2:
                    return
            except OSError as exc:
                log.warning("search results %s not written: %s", path, exc)
                return

    @staticmethod
    def _add_ranked(db: sqlite3.Connection, key: str, rows: Sequence[RankedRow]) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS kept(engine TEXT, key TEXT)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS ranked("
            "q TEXT PRIMARY KEY, total INTEGER NOT NULL, top BLOB NOT NULL, terms TEXT)"
        )
        if db.execute("SELECT engine, key FROM kept").fetchall() != [(engine_version(), key)]:
            db.execute("DELETE FROM kept")
            db.execute("DELETE FROM ranked")
            db.execute("INSERT INTO kept VALUES (?, ?)", (engine_version(), key))
        db.executemany("INSERT OR REPLACE INTO ranked VALUES (?, ?, ?, ?)", rows)

    def kept_ranked(self, key: str) -> list[RankedRow]:
        """The search results kept for the documents of ``key`` (none: an empty list)."""
        path = (self.directory / RANKED_FILE).resolve()
        if not path.is_file():
            return []
        try:
            with contextlib.closing(
                sqlite3.connect(path.as_uri() + "?mode=ro", uri=True, timeout=RANKED_LOCK_TIMEOUT)
            ) as db:
                if db.execute("SELECT engine, key FROM kept").fetchall() != [(engine_version(), key)]:
                    return []
                return db.execute("SELECT q, total, top, terms FROM ranked").fetchall()
        except sqlite3.Error as exc:
            log.warning("search results %s unreadable, ignored: %s", path, exc)
            return []

    def _write(self, path: Path, data: bytes) -> None:
        try:
            with self._replacing(path) as temporary:
                Path(temporary).write_bytes(data)
        except OSError as exc:
            log.warning("parse cache %s not written: %s", path, exc)

    @contextmanager
    def _replacing(self, path: Path) -> Iterator[str]:
        """A temporary file beside ``path``, renamed to it once written whole (removed if not)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.directory, prefix=".tmp-", delete=False) as handle:
            temporary = handle.name
        try:
            yield temporary
            os.replace(temporary, path)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise
