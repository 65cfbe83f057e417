"""A content folder's dates from git: each file's last commit, unless it has uncommitted changes.

With ``GIT_DATES=auto`` (the default), when the content folder is in a git checkout and git is
installed, a guide without a front matter date is dated by the last commit that touched its file
(the committer date): the same on every replica of the same checkout, unlike modification times.
A file with uncommitted changes (modified, staged or untracked) keeps its modification time: a
file is committed when its bytes, as read, are its version in HEAD (the same git blob id, computed
here from the bytes the load reads anyway: far cheaper than ``git status`` on a large folder, and
independent of the index's state). Git runs: ``rev-parse`` (HEAD's commit id), then, only when
HEAD has moved since the last load, ``log`` (one pass over the history, names only, no rename
detection; after a commit or a pull, only the new commits) and ``ls-tree`` (the folder's blob ids
in HEAD). ``load_library`` runs them while it reads and parses the files. Whatever fails (no git,
not a checkout, no commit yet, a timeout), the dates are the modification times: this never
raises and never waits long. A file that git converts on checkout (``eol``/``autocrlf``, filters
such as LFS) counts as changed: it keeps its modification time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

GitDates = Literal["auto", "off"]
GIT_DATES: tuple[GitDates, ...] = ("auto", "off")

#: Seconds one git run may take before its dates are given up (modification times instead).
GIT_TIMEOUT = 20.0

_HEX = re.compile(rb"[0-9a-f]{40}([0-9a-f]{24})?")
#: Variables that would point git at another repository than the folder's own.
_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")
#: Configuration that would make these read-only runs start programs (a repository's own config).
_SAFE_CONFIG = ("-c", "core.fsmonitor=false", "-c", "log.showSignature=false", "-c", "core.quotePath=false")


@dataclass(frozen=True)
class GitTimes:
    """What git says of a content folder at one moment."""

    #: the resolved folder, and HEAD's commit id: the history's dates hold while both are the same
    folder: str
    head: str
    #: top-level file name -> committer date (ISO 8601) of the last commit that touched it
    times: dict[str, str]
    #: top-level file name -> its blob id in HEAD (hex)
    blobs: dict[str, str]


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _LOCATION_VARIABLES}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # never write the index nor take its lock (a read-only mount)
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


def _git(folder: Path, *args: str) -> bytes | None:
    """The output of ``git -C folder ARGS``, or None when git is missing, fails or takes too long."""
    try:
        result = subprocess.run(
            ["git", *_SAFE_CONFIG, "-C", str(folder), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            env=_env(),
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return result.stdout if result.returncode == 0 else None


def _head(folder: Path) -> str | None:
    """HEAD's commit id; None outside a checkout or before its first commit."""
    out = _git(folder, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    head = (out or b"").strip()
    return head.decode("ascii") if _HEX.fullmatch(head) else None


def _name(raw: bytes) -> str:
    """A file name as ``os.scandir`` gives it (bytes that are not UTF-8 kept as surrogates)."""
    return raw.decode("utf-8", "surrogateescape")


def _history(folder: Path, since: str | None = None) -> dict[str, str] | None:
    """File name -> committer date of its last commit, from one ``git log`` pass (names only) over
    the whole history, or over the commits after ``since``. No pathspec: ``--relative`` keeps the
    folder's files, and a pathspec makes git diff each commit twice (history simplification)."""
    commits = f"{since}..HEAD" if since else "HEAD"
    out = _git(folder, "log", "--format=%x01%cI", "--name-only", "-z", "--no-renames", "--relative", commits)
    if out is None:
        return None
    times: dict[str, str] = {}
    for commit in out.split(b"\x01")[1:]:
        date, _, names = commit.partition(b"\0")
        when = date.decode("ascii", "replace")
        for raw in names.removeprefix(b"\n").split(b"\0"):
            if raw.endswith(b".md") and b"/" not in raw:
                times.setdefault(_name(raw), when)  # newest first: the first seen is the last
    return times


def _later_history(folder: Path, previous: GitTimes, head: str) -> dict[str, str] | None:
    """The dates of ``previous`` brought up to ``head``: only the commits since its HEAD are read
    when that HEAD is an ancestor of ``head`` (a commit, a pull); else the whole history."""
    if (
        previous.folder != str(folder)
        or _git(folder, "merge-base", "--is-ancestor", previous.head, head) is None
    ):
        return _history(folder)
    later = _history(folder, previous.head)
    return None if later is None else {**previous.times, **later}


def _blobs(folder: Path) -> dict[str, str] | None:
    """File name -> blob id of the folder's files in HEAD (``ls-tree``: names relative to it)."""
    out = _git(folder, "ls-tree", "-z", "HEAD")
    if out is None:
        return None
    blobs = {}
    for entry in out.split(b"\0"):
        info, _, raw = entry.partition(b"\t")
        fields = info.split(b" ")
        if len(fields) == 3 and fields[1] == b"blob" and raw.endswith(b".md"):
            blobs[_name(raw)] = fields[2].decode("ascii", "replace")
    return blobs


def git_times(folder: Path, previous: GitTimes | None = None) -> GitTimes | None:
    """What git says of ``folder`` (resolved), or None when it says nothing (see the module's doc).
    ``previous``: the answer of the last load, kept whole while HEAD has not moved."""
    head = _head(folder)
    if head is None:
        return None
    if previous is not None and previous.folder == str(folder) and previous.head == head:
        return previous
    times = _history(folder) if previous is None else _later_history(folder, previous, head)
    blobs = _blobs(folder) if times is not None else None
    if times is None or blobs is None:
        return None
    return GitTimes(str(folder), head, times, blobs)


def ask_git(folder: Path, previous: GitTimes | None = None) -> Future[GitTimes | None]:
    """:func:`git_times` in a thread of its own: git is a process, so its time hides behind the
    reading and parsing of the files; :func:`git_answer` waits for it."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="git-dates")
    try:
        return pool.submit(git_times, folder, previous)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one task; nobody waits here


def git_answer(asked: Future[GitTimes | None] | None) -> GitTimes | None:
    """What git said (None: nothing, or a failure, which is logged: dates are then mtimes)."""
    if asked is None:
        return None
    try:
        return asked.result()
    except Exception:
        log.exception("git dates failed; modification times are used")
        return None


def blob_id(data: bytes, length: int = 40) -> str:
    """Git's id of a blob holding ``data``: SHA-1, or SHA-256 in a repository whose ids have 64
    hex digits."""
    digest = hashlib.sha1(usedforsecurity=False) if length == 40 else hashlib.sha256()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


def mtime_iso(stamp: float) -> str:
    """A modification time as ``updated`` writes it (ISO 8601, UTC, to the second)."""
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds")


#: Blob ids already computed, by the load's key of the file's name and bytes: a reload hashes
#: only the files that changed (SHA-1 of 54 MiB of guides is a tenth of a second). Bounded.
_BLOB_IDS: dict[tuple[str, int], str] = {}
MAX_BLOB_IDS = 200_000


def _blob_of(data: bytes, length: int, key: str | None) -> str:
    if key is None:
        return blob_id(data, length)
    found = _BLOB_IDS.get((key, length))
    if found is None:
        if len(_BLOB_IDS) >= MAX_BLOB_IDS:
            _BLOB_IDS.clear()
        found = _BLOB_IDS[(key, length)] = blob_id(data, length)
    return found


def file_time(git: GitTimes | None, name: str, data: bytes, mtime: float, key: str | None = None) -> str:
    """The date of the file ``name`` (top-level, ``data`` its bytes) without a front matter date:
    its last commit's when ``data`` is its version in HEAD; else its modification time. ``key``:
    a hash of the name and bytes, under which the blob id is remembered."""
    if git is not None:
        found, blob = git.times.get(name), git.blobs.get(name)
        if found and blob and blob == _blob_of(data, len(blob), key):
            return found
    return mtime_iso(mtime)
