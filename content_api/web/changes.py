"""/changes: the change feed, for the indexers and caches that keep a copy of the guides.

Every snapshot adds its state to the :class:`~content_api.changes.History` (the loader keeps it
across reloads, and in ``CACHE_DIR`` across restarts): each guide ``/guides/{slug}`` serves, with
that response's ETag. ``GET /changes`` lists every guide as ``created`` (the initial sync) with the
cursor of the content served; ``GET /changes?since=CURSOR`` what changed since then. A cursor the
history no longer holds (or never did: another replica's content) is a ``410 Gone`` telling the
client to sync from scratch, never a wrong diff. ``indexable=true`` is the view of what indexers
may show (published, not ``noindex``): a guide that leaves it is ``deleted`` there.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.params import Parameter

from ..catalog import Catalog
from ..changes import ChangeList, Entry, History, state_of
from . import params
from .negotiation import Answer
from .prepared import Prepared
from .snapshot import Current, Snapshot

PATH = "/changes"
CURSOR_PATTERN = r"^[0-9a-f]{32}$"

DESCRIPTION = (
    "The change feed. Without `since`: every guide `/guides/{slug}` serves (drafts included) as "
    "`created`, and the `cursor` of the content served. With `since` (a cursor this feed gave): "
    "what changed since, by slug — `created`, `updated` (its ETag changed) or `deleted` (`etag` and "
    "`updated` null) — and the new cursor; a cursor this instance no longer knows is a 410 problem: "
    "sync from scratch. The cursor is a hash of the content (every slug and ETag), the same on every "
    "replica serving the same content. `indexable=true`: only the guides an indexer may show "
    "(published, not `noindex`), so that one that becomes a draft or `noindex` is `deleted`. The "
    "history holds the last CHANGES_HISTORY states of the content (kept in CACHE_DIR across restarts)."
)


class CursorGone(HTTPException):
    """A 410: the cursor is not in this instance's history (expired, or never seen)."""

    status_code = 410


def guide_state(snapshot: Snapshot) -> dict[str, Entry]:
    """The feed's state of ``snapshot``: each served guide's slug, detail ETag, date, indexable."""
    entries = snapshot.catalog.entries
    return state_of(
        (guide.slug or "", snapshot.detail(i).etag, guide.updated, guide.publish and not guide.noindex)
        for i, guide in enumerate(entries)
    )


def link(since: str | None, indexable: bool) -> str:
    query = [f"since={since}"] if since else []
    query += ["indexable=true"] if indexable else []
    return PATH + ("?" + "&".join(query) if query else "")


def _answer(
    snapshot: Snapshot, history: History, since: str | None, indexable: bool, shared: bool = False
) -> Prepared:
    """The answer, dated by the newest guide it lists (a deleted one has no date)."""
    changes = history.since(since, indexable=indexable)
    assert changes is not None, "a cursor is checked before its answer is built"
    position = snapshot.catalog.position
    listed = (position.get(change.slug) for change in changes if change.change != "deleted")
    return Prepared.json(
        ChangeList(changes, history.cursor),
        compressor=snapshot.compressor if shared else None,
        last_modified=snapshot.newest(i for i in listed if i is not None),
    )


def prepare_changes(snapshot: Snapshot) -> dict[str, Prepared]:
    """The snapshot's state added to its history; the initial syncs, and the empty answers to the
    cursor of the content served (what a client that is up to date asks for)."""
    base = snapshot.history
    state = guide_state(snapshot)
    keep = snapshot.settings.changes_history
    snapshot.history = History.start(state) if base is None else base.advanced(state, keep)
    history = snapshot.history
    if history is base:  # the same state: its entries made one with this snapshot's (its ETags)
        history.head.update(state)  # (a history read from disk at a warm start had copies of all)
    return {
        link(since, indexable): _answer(snapshot, history, since, indexable, shared=True)
        for since in (None, history.cursor)
        for indexable in (False, True)
    }


def change_urls(catalog: Catalog) -> list[str]:
    """The initial syncs, for the static export (a cursor needs a history: not exported)."""
    return [link(None, False), link(None, True)]


def list_changes(
    request: Request[Any, Any, Any],
    snapshot: Current,
    since: Annotated[
        str | None,
        Parameter(
            pattern=CURSOR_PATTERN,
            min_length=32,
            max_length=32,
            description="a cursor from an earlier answer (32 lower-case hexadecimal digits)",
        ),
    ] = None,
    indexable: Annotated[
        bool, Parameter(description="only the published guides that are not `noindex`")
    ] = False,
) -> Answer:
    params.reject_unknown(
        request, ("since", "indexable"), single=("since", "indexable"), typed=("indexable",)
    )
    history = snapshot.history
    assert history is not None, "prepare_changes runs when the snapshot is built"
    if since is not None and not history.knows(since):
        raise CursorGone(
            detail=(
                f"the cursor {since} is unknown here or expired (this instance keeps the last "
                f"{snapshot.settings.changes_history} states of the content): sync from scratch with "
                f"{link(None, indexable)} and keep the cursor it gives"
            )
        )
    key = link(since, indexable)
    return Answer(snapshot.cached(key, lambda: _answer(snapshot, history, since, indexable)), snapshot.policy)
