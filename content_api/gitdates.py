"""A content folder's dates from git: each file's last commit, unless it has uncommitted changes.

With ``GIT_DATES=auto`` (the default), when the content folder is in a git checkout and git is
installed, a guide without a front matter date is dated by the last commit that touched its file
(the committer date): the same on every replica of the same checkout, unlike modification times.
A file with uncommitted changes (modified, staged or untracked, as ``git status`` says) keeps its
modification time. Three git runs: ``rev-parse`` (where the folder sits, HEAD's commit id),
``log`` (one pass over the history, names only, no rename detection: skipped on a reload when HEAD
has not moved) and ``status``. Whatever fails (no git, not a checkout, no commit yet, a timeout),
the dates are the modification times: this never raises and never waits long.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

GitDates = Literal["auto", "off"]
GIT_DATES: tuple[GitDates, ...] = ("auto", "off")

#: Seconds one git run may take before its dates are given up (modification times instead).
GIT_TIMEOUT = 20.0

_HEX = re.compile(rb"[0-9a-f]{40}([0-9a-f]{24})?")
#: Top-level Markdown files of the folder, as ``load_library`` reads them (`*` does not cross `/`).
_PATHSPEC = ":(glob)*.md"
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
    #: names of the files with uncommitted changes (modified, staged or untracked)
    dirty: frozenset[str]


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _LOCATION_VARIABLES}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # status neither writes the index nor takes its lock
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


def _where(folder: Path) -> tuple[bytes, str] | None:
    """The folder's path inside its repository (``b""`` at its top, else ending with ``/``) and
    HEAD's commit id; None outside a checkout or before its first commit."""
    out = _git(folder, "rev-parse", "--show-prefix", "HEAD^{commit}")
    if out is None or not out.endswith(b"\n"):
        return None
    prefix, _, head = out[:-1].rpartition(b"\n")
    if not _HEX.fullmatch(head):
        return None
    return prefix, head.decode("ascii")


def _name(raw: bytes) -> str:
    """A file name as ``os.scandir`` gives it (bytes that are not UTF-8 kept as surrogates)."""
    return raw.decode("utf-8", "surrogateescape")


def _history(folder: Path) -> dict[str, str] | None:
    """File name -> committer date of its last commit, from one ``git log`` pass (names only)."""
    out = _git(folder, "log", "--format=%x01%cI", "--name-only", "-z", "--no-renames", "--relative",
               "--", _PATHSPEC)  # fmt: skip
    if out is None:
        return None
    times: dict[str, str] = {}
    for commit in out.split(b"\x01")[1:]:
        date, _, names = commit.partition(b"\0")
        when = date.decode("ascii", "replace")
        for raw in names.removeprefix(b"\n").split(b"\0"):
            if raw and b"/" not in raw:
                times.setdefault(_name(raw), when)  # newest first: the first seen is the last
    return times


def _dirty(folder: Path, prefix: bytes) -> frozenset[str] | None:
    """Names of the folder's files with uncommitted changes, from ``git status --porcelain -z``."""
    out = _git(folder, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames",
               "--", _PATHSPEC)  # fmt: skip
    if out is None:
        return None
    names = set()
    for entry in out.split(b"\0"):
        path = entry[3:]  # "XY path", the path from the repository's top
        if path.startswith(prefix):
            names.add(_name(path[len(prefix) :]))
    return frozenset(names)


def git_times(folder: Path, previous: GitTimes | None = None) -> GitTimes | None:
    """What git says of ``folder`` (resolved), or None when it says nothing (see the module's doc).
    ``previous``: the answer of the last load, whose history is kept when HEAD has not moved."""
    where = _where(folder)
    if where is None:
        return None
    prefix, head = where
    if previous is not None and previous.folder == str(folder) and previous.head == head:
        times: dict[str, str] | None = previous.times
    else:
        times = _history(folder)
    dirty = _dirty(folder, prefix)
    if times is None or dirty is None:
        return None
    return GitTimes(str(folder), head, times, dirty)


def mtime_iso(stamp: float) -> str:
    """A modification time as ``updated`` writes it (ISO 8601, UTC, to the second)."""
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds")


def file_time(git: GitTimes | None, name: str, mtime: float) -> str:
    """The date of the file ``name`` (top-level) without a front matter date: its last commit's,
    unless it has uncommitted changes or none; else its modification time."""
    if git is not None and name not in git.dirty:
        found = git.times.get(name)
        if found:
            return found
    return mtime_iso(mtime)
