"""The change feed's history: what each served guide was, snapshot after snapshot.

A :class:`State` is what the feed describes of one snapshot: each guide served at
``/guides/{slug}`` with the ETag of that response, its ``updated`` date and whether it is
*indexable* (published and not ``noindex``: what the sitemap lists). Its :attr:`State.cursor` is a
hash of the slugs and ETags: the same content gives the same cursor on every replica, and a cursor
names one state exactly (the ETag covers ``updated``, ``publish`` and ``noindex``).

A :class:`History` keeps the current state (``head``) and the last steps that led to it, each step
holding only what it changed (the guides' entries *before* it): the changes since any cursor still
in the history are the guides some later step touched, compared between their entry before the
first such step and ``head``. A state reached again (an edit undone) is the same cursor; a guide
whose changes cancel out is not reported. Framework-free; the web serves it as ``GET /changes``
and the webhooks announce its steps.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import msgspec

log = logging.getLogger("content_api.changes")

#: The history's file in the parse-cache folder (``CACHE_DIR``).
FILE_NAME = "content-api.changes"
#: The history's file format (a file of another format is ignored, with a warning).
FORMAT = 1

Change = Literal["created", "updated", "deleted"]


class Entry(msgspec.Struct, array_like=True, frozen=True):
    """What the feed knows of one guide in one state."""

    etag: str
    updated: str | None
    indexable: bool


class GuideChange(msgspec.Struct, frozen=True):
    """One item of the feed: ``etag`` and ``updated`` are the guide's now (null when deleted)."""

    slug: str
    change: Change
    etag: str | None
    updated: str | None


class ChangeList(msgspec.Struct):
    """``GET /changes``: what changed since ``since`` (everything, without it), and the cursor to
    ask from next time."""

    changes: list[GuideChange]
    cursor: str


class Step(msgspec.Struct, array_like=True, frozen=True):
    """A state of the history (``cursor``) and the entries its guides had before it (None: the
    guide was not served); the oldest step kept names a state and nothing more."""

    cursor: str
    before: dict[str, Entry | None]


def cursor_of(entries: dict[str, Entry]) -> str:
    """The hash of a state: its slugs and ETags, in slug order (128 bits, hex)."""
    digest = hashlib.blake2b(digest_size=16)
    for slug in sorted(entries):
        digest.update(slug.encode("utf-8", "surrogateescape") + b"\0" + entries[slug].etag.encode() + b"\n")
    return digest.hexdigest()


class History(msgspec.Struct, frozen=True):
    """``head``: the current state; ``steps``: oldest first, the last one's cursor is ``head``'s."""

    head: dict[str, Entry]
    steps: tuple[Step, ...]
    format: int = FORMAT

    @classmethod
    def start(cls, head: dict[str, Entry]) -> History:
        return cls(head, (Step(cursor_of(head), {}),))

    @property
    def cursor(self) -> str:
        return self.steps[-1].cursor

    def knows(self, cursor: str) -> bool:
        return any(step.cursor == cursor for step in self.steps)

    def advanced(self, head: dict[str, Entry], keep: int) -> History:
        """This history with ``head`` as its new state (itself when nothing changed), keeping the
        last ``keep`` states."""
        cursor = cursor_of(head)
        if cursor == self.cursor:
            return self
        touched = {slug for slug in self.head.keys() | head.keys() if self.head.get(slug) != head.get(slug)}
        step = Step(cursor, {slug: self.head.get(slug) for slug in sorted(touched)})
        steps = (*self.steps, step)[-max(1, keep) :]
        return History(head, steps)

    def since(self, cursor: str | None, *, indexable: bool = False) -> list[GuideChange] | None:
        """The changes from the state ``cursor`` to ``head``, by slug (None: the cursor is not in the
        history); without a cursor, every guide as ``created``. With ``indexable``, a guide that is
        not indexable counts as absent: one that leaves the sitemap is ``deleted``, one that joins
        it ``created``."""
        if cursor is None:
            return [
                _created(slug, entry) for slug, entry in sorted(self.head.items()) if _in(entry, indexable)
            ]
        found = [i for i, step in enumerate(self.steps) if step.cursor == cursor]
        if not found:
            return None
        before: dict[str, Entry | None] = {}
        for step in self.steps[found[-1] + 1 :]:
            for slug, entry in step.before.items():
                before.setdefault(slug, entry)
        changes = (_change(slug, old, self.head.get(slug), indexable) for slug, old in sorted(before.items()))
        return [change for change in changes if change is not None]


def _in(entry: Entry | None, indexable: bool) -> bool:
    return entry is not None and (entry.indexable or not indexable)


def _created(slug: str, entry: Entry) -> GuideChange:
    return GuideChange(slug, "created", entry.etag, entry.updated)


def _change(slug: str, old: Entry | None, new: Entry | None, indexable: bool) -> GuideChange | None:
    was, now = _in(old, indexable), _in(new, indexable)
    if now and new is not None:
        if not was:
            return _created(slug, new)
        if old is not None and old.etag != new.etag:
            return GuideChange(slug, "updated", new.etag, new.updated)
        return None
    return GuideChange(slug, "deleted", None, None) if was else None


def state_of(guides: Iterable[tuple[str, str, str | None, bool]]) -> dict[str, Entry]:
    """A state from (slug, ETag, updated, indexable) of every served guide."""
    return {slug: Entry(etag, updated, indexable) for slug, etag, updated, indexable in guides}


# --- on disk: the parse-cache folder keeps the history across restarts -----------------------------


def load(folder: str | os.PathLike[str]) -> History | None:
    """The history written in ``folder``, or None (none yet, unreadable or of another format:
    the feed then starts over, and answers 410 to the cursors it no longer knows)."""
    path = Path(folder) / FILE_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("change history %s unreadable, starting over: %s", path, exc)
        return None
    try:
        history = msgspec.msgpack.decode(data, type=History)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        log.warning("change history %s is corrupt, starting over: %s", path, exc)
        return None
    if history.format != FORMAT or not history.steps or history.cursor != cursor_of(history.head):
        log.warning("change history %s is of another format or inconsistent, starting over", path)
        return None
    return history


def save(folder: str | os.PathLike[str], history: History) -> None:
    """Write the history atomically (a temporary file renamed); a failure is logged, not raised."""
    directory = Path(folder)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".tmp-changes-", delete=False) as handle:
            handle.write(msgspec.msgpack.encode(history))
        os.replace(handle.name, directory / FILE_NAME)
    except OSError as exc:
        log.warning("change history not written to %s: %s", directory, exc)
