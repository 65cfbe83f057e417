"""The change feed: its history (pure), on disk, and GET /changes on real servers."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content_api import changes
from content_api.changes import Entry, GuideChange, History, cursor_of

from .conftest import ROOT
from .server import SERVERS, Reply, Server, serve

SEED = ROOT / "content" / "ccas.md"


def entry(etag: str, indexable: bool = True, updated: str | None = "2026-01-01") -> Entry:
    return Entry(f'"{etag}"', updated, indexable)


def kinds(found: list[GuideChange] | None) -> dict[str, str]:
    assert found is not None
    return {change.slug: change.change for change in found}


# --- the history, pure ------------------------------------------------------------------------------


def test_the_cursor_is_a_hash_of_slugs_and_etags_whatever_their_order() -> None:
    one = {"a": entry("1"), "b": entry("2")}
    other = {"b": entry("2"), "a": entry("1", updated=None)}  # the ETag covers the date
    assert cursor_of(one) == cursor_of(other)
    assert cursor_of(one) != cursor_of({"a": entry("1"), "b": entry("3")})
    assert cursor_of(one) != cursor_of({"a": entry("1")})
    assert len(cursor_of({})) == 32


def test_without_a_cursor_every_guide_is_created_and_the_indexable_view_keeps_the_indexable() -> None:
    history = History.start({"b": entry("2", indexable=False), "a": entry("1")})
    assert history.since(None) == [
        GuideChange("a", "created", '"1"', "2026-01-01"),
        GuideChange("b", "created", '"2"', "2026-01-01"),
    ]
    assert kinds(history.since(None, indexable=True)) == {"a": "created"}
    assert history.since(history.cursor) == []


def test_created_updated_and_deleted_across_several_steps() -> None:
    first = History.start({"a": entry("1"), "b": entry("2"), "c": entry("3")})
    second = first.advanced({"a": entry("1b"), "b": entry("2"), "c": entry("3")}, keep=10)
    third = second.advanced({"a": entry("1b"), "c": entry("3"), "d": entry("4")}, keep=10)
    assert kinds(third.since(first.cursor)) == {"a": "updated", "b": "deleted", "d": "created"}
    assert kinds(third.since(second.cursor)) == {"b": "deleted", "d": "created"}
    deleted = next(c for c in third.since(first.cursor) or [] if c.slug == "b")
    assert (deleted.etag, deleted.updated) == (None, None)
    updated = next(c for c in third.since(first.cursor) or [] if c.slug == "a")
    assert updated.etag == '"1b"'


def test_an_edit_undone_is_no_change_and_the_same_content_is_the_same_cursor() -> None:
    start = History.start({"a": entry("1")})
    edited = start.advanced({"a": entry("2")}, keep=10)
    undone = edited.advanced({"a": entry("1")}, keep=10)
    assert undone.cursor == start.cursor
    assert undone.since(start.cursor) == []
    assert kinds(undone.since(edited.cursor)) == {"a": "updated"}
    created_then_deleted = start.advanced({"a": entry("1"), "x": entry("9")}, keep=10).advanced(
        {"a": entry("1")}, keep=10
    )
    assert created_then_deleted.since(start.cursor) == []


def test_nothing_changed_is_no_step() -> None:
    start = History.start({"a": entry("1")})
    assert start.advanced({"a": entry("1")}, keep=10) is start


def test_the_indexable_view_deletes_what_leaves_the_sitemap_and_creates_what_joins_it() -> None:
    start = History.start({"a": entry("1"), "b": entry("2", indexable=False)})
    later = start.advanced({"a": entry("1x", indexable=False), "b": entry("2x")}, keep=10)
    assert kinds(later.since(start.cursor)) == {"a": "updated", "b": "updated"}
    assert kinds(later.since(start.cursor, indexable=True)) == {"a": "deleted", "b": "created"}
    # a draft edited while still a draft is nothing to an indexer
    draft = later.advanced({"a": entry("1y", indexable=False), "b": entry("2x")}, keep=10)
    assert draft.since(later.cursor, indexable=True) == []


def test_the_history_keeps_the_last_states_and_forgets_older_cursors() -> None:
    history = History.start({"a": entry("0")})
    cursors = [history.cursor]
    for i in range(1, 6):
        history = history.advanced({"a": entry(str(i))}, keep=3)
        cursors.append(history.cursor)
    assert [history.knows(c) for c in cursors] == [False, False, False, True, True, True]
    assert history.since(cursors[0]) is None
    assert kinds(history.since(cursors[3])) == {"a": "updated"}


def _direct(old: dict[str, Entry], new: dict[str, Entry], indexable: bool) -> dict[str, str]:
    """The changes from ``old`` to ``new`` computed from the two states alone."""
    found = {}
    for slug in old.keys() | new.keys():
        was = slug in old and (old[slug].indexable or not indexable)
        now = slug in new and (new[slug].indexable or not indexable)
        if was and not now:
            found[slug] = "deleted"
        elif now and not was:
            found[slug] = "created"
        elif now and was and old[slug].etag != new[slug].etag:
            found[slug] = "updated"
    return found


def _served(version: str, indexable: bool) -> Entry:
    """An entry as a served guide has it: its ETag covers whether it is indexable."""
    return entry(version + ("i" if indexable else ""), indexable)


_states = st.lists(
    st.dictionaries(
        st.sampled_from("abcdef"),
        st.builds(_served, st.sampled_from("123"), st.booleans()),
        max_size=6,
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(_states, st.integers(min_value=1, max_value=9))
def test_the_changes_since_any_kept_cursor_equal_the_diff_of_the_two_states(
    states: list[dict[str, Entry]], keep: int
) -> None:
    history = History.start(states[0])
    for state in states[1:]:
        history = history.advanced(state, keep)
    head = states[-1]
    kept = [c.cursor for c in history.steps]
    for state in states:
        cursor = cursor_of(state)
        if cursor not in kept:
            assert history.since(cursor) is None
            continue
        for indexable in (False, True):
            assert kinds(history.since(cursor, indexable=indexable)) == _direct(state, head, indexable)
    assert len(history.steps) <= keep


# --- on disk ----------------------------------------------------------------------------------------


def test_the_history_is_saved_and_read_back(tmp_path: Path) -> None:
    history = History.start({"a": entry("1")}).advanced({"a": entry("2"), "b": entry("3")}, keep=5)
    changes.save(tmp_path, history)
    assert changes.load(tmp_path) == history
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\x00garbage",
        msgspec.msgpack.encode({"head": {}, "steps": []}),
        # a head that is not the state its last cursor names: not trusted
        msgspec.msgpack.encode(History({"a": entry("1")}, (changes.Step("0" * 32, {}),))),
        msgspec.msgpack.encode(History({}, (changes.Step(cursor_of({}), {}),), format=99)),
    ],
)
def test_a_bad_history_file_is_ignored_with_a_warning(
    tmp_path: Path, data: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / changes.FILE_NAME).write_bytes(data)
    with caplog.at_level(logging.WARNING, "content_api.changes"):
        assert changes.load(tmp_path) is None
    assert "starting over" in caplog.text


def test_no_history_file_is_no_history(tmp_path: Path) -> None:
    assert changes.load(tmp_path / "missing") is None


# --- GET /changes on a real server ------------------------------------------------------------------


def _guide(folder: Path, slug: str, title: str, *, publish: bool = True, noindex: bool = False) -> None:
    front = f"title: {title}\npublish: {str(publish).lower()}\nnoindex: {str(noindex).lower()}\n"
    (folder / f"{slug}.md").write_text(f"---\n{front}updated: 2026-01-01\n---\n\n{title}, en bref.\n")


def _wait_for(
    server: Server, path: str, expected: int, key: str = "cursor", other: str | None = None
) -> Reply:
    """GET ``path`` until it answers ``expected`` (and its ``key`` differs from ``other``)."""
    deadline = time.monotonic() + 20
    while True:
        reply = server.get(path)
        if reply.status == expected and (other is None or reply.json().get(key) != other):
            return reply
        assert time.monotonic() < deadline, f"{path}: {reply.status} {reply.body[:300]!r}"
        time.sleep(0.1)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "guides"
    folder.mkdir()
    shutil.copy(SEED, folder / "ccas.md")
    _guide(folder, "alpha", "Alpha")
    _guide(folder, "beta", "Beta")
    _guide(folder, "brouillon", "Brouillon", publish=False)
    return folder


def test_the_feed_follows_hot_reloads_and_answers_410_to_a_cursor_it_never_gave(
    library: Path, server_name: str
) -> None:
    with serve("--content", str(library), "--watch", server=server_name) as server:
        first = server.get("/changes")
        assert first.status == 200 and first.header("content-type") == "application/json"
        body = first.json()
        assert {c["slug"]: c["change"] for c in body["changes"]} == dict.fromkeys(
            ["alpha", "beta", "brouillon", "ccas"], "created"
        )
        detail = server.get("/guides/alpha")
        assert next(c for c in body["changes"] if c["slug"] == "alpha")["etag"] == detail.header("etag")
        indexable = server.get("/changes?indexable=true").json()
        assert [c["slug"] for c in indexable["changes"]] == ["alpha", "beta", "ccas"]
        assert indexable["cursor"] == body["cursor"]
        cursor = body["cursor"]
        assert server.get(f"/changes?since={cursor}").json() == {"changes": [], "cursor": cursor}
        again = server.get("/changes", if_none_match=first.header("etag") or "")
        assert again.status == 304

        _guide(library, "alpha", "Alpha", noindex=True)  # leaves the sitemap
        (library / "beta.md").unlink()
        _guide(library, "gamma", "Gamma")
        _guide(library, "brouillon", "Brouillon", publish=True)  # a draft published
        plain = _wait_for(server, f"/changes?since={cursor}", 200, "changes", other=[]).json()
        assert plain["cursor"] != cursor
        assert {c["slug"]: c["change"] for c in plain["changes"]} == {
            "alpha": "updated",
            "beta": "deleted",
            "brouillon": "updated",
            "gamma": "created",
        }
        for_indexers = server.get(f"/changes?since={cursor}&indexable=true").json()
        assert {c["slug"]: c["change"] for c in for_indexers["changes"]} == {
            "alpha": "deleted",
            "beta": "deleted",
            "brouillon": "created",
            "gamma": "created",
        }
        gone = server.get("/changes?since=" + "0" * 32)
        assert gone.status == 410
        assert gone.header("content-type") == "application/problem+json"
        assert gone.header("cache-control") == "no-store"
        assert "sync from scratch" in gone.json()["detail"]
        assert server.get("/changes?since=not-a-cursor").status == 400
        assert server.get("/changes?since=" + "A" * 32).status == 400
        assert server.get("/changes?what=1").json()["errors"][0]["param"] == "what"
        assert server.get("/changes?indexable=maybe").status == 400
        assert server.get(f"/changes?since={cursor}&since={cursor}").status == 400


def test_a_warm_restart_keeps_the_history_and_a_cold_one_does_not(
    library: Path, tmp_path: Path, server_name: str
) -> None:
    cache = tmp_path / "cache"
    with serve("--content", str(library), "--cache", str(cache), server=server_name) as server:
        cursor = server.get("/changes").json()["cursor"]
    _guide(library, "beta", "Beta, revu")
    with serve("--content", str(library), "--cache", str(cache), server=server_name) as server:
        since = server.get(f"/changes?since={cursor}")
        assert since.status == 200
        assert {c["slug"]: c["change"] for c in since.json()["changes"]} == {"beta": "updated"}
        assert (cache / changes.FILE_NAME).is_file()
    with serve("--content", str(library), server=server_name) as server:  # no cache: a history of one state
        assert server.get(f"/changes?since={cursor}").status == 410


def test_replicas_of_the_same_content_give_the_same_cursor(library: Path, tmp_path: Path) -> None:
    """One replica on each server (not parametrized: it runs on both already)."""
    copy = tmp_path / "replica"
    shutil.copytree(library, copy)  # the same files, dates included
    granian, uvicorn = SERVERS
    with (
        serve("--content", str(library), server=granian) as one,
        serve("--content", str(copy), server=uvicorn) as other,
    ):
        first, second = one.get("/changes"), other.get("/changes")
        assert first.json()["cursor"] == second.json()["cursor"]
        assert first.header("etag") == second.header("etag")


def test_the_feed_is_dated_by_the_newest_guide_it_lists(tmp_path: Path, server_name: str) -> None:
    folder = tmp_path / "guides"
    folder.mkdir()
    for slug, day in (("ancien", "2024-01-02"), ("recent", "2025-06-30")):
        (folder / f"{slug}.md").write_text(
            f"---\ntitle: {slug}\npublish: true\nupdated: {day}\n---\n\nTexte.\n"
        )
    with serve("--content", str(folder), server=server_name) as server:
        first = server.get("/changes")
        assert first.header("last-modified") == "Mon, 30 Jun 2025 00:00:00 GMT"
        cursor = first.json()["cursor"]
        assert server.get(f"/changes?since={cursor}").header("last-modified") is None  # nothing listed
        later = server.get("/changes", if_modified_since="Tue, 01 Jul 2025 00:00:00 GMT")
        assert later.status == 304 and later.body == b""
        assert server.get("/changes", if_modified_since="Sun, 29 Jun 2025 00:00:00 GMT").status == 200
