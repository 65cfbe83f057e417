"""Dates from git, all the way to HTTP: ``updated`` from the last commit (mtime for uncommitted
files, front matter first, ``GIT_DATES=off``), ``Last-Modified`` and ``If-Modified-Since`` on a
real server over a real git repository, the sitemap's ``<lastmod>``, the records, the export.

Every repository here is made with ``git init`` in a temporary folder, its commits dated by
``GIT_COMMITTER_DATE``; every committed file's modification time is set far from its commit
date, so that a date taken from the wrong source shows.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from content_api import gitdates, load_library
from content_api.config import Settings
from content_api.dates import epoch_of, http_date, parse_http_date, updated_datetime, w3c_datetime
from content_api.web.export import export

from .server import Server, serve

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GUIDE = "---\ntitle: {title}\npublish: true\ntags: dates\napi: [API Dates]\n{extra}---\n\n{body}\n"
EDITORS = "| Éditeur | Solution |\n|---|---|\n| Acme | Logiciel |\n"
#: a modification time far from every commit date (2001-09-09T01:46:40Z)
OLD_MTIME = 1_000_000_000
A_DATE, A_HTTP = "2021-03-04T05:06:07+02:00", "Thu, 04 Mar 2021 03:06:07 GMT"
B_DATE, B_HTTP = "2022-07-08T09:10:11+00:00", "Fri, 08 Jul 2022 09:10:11 GMT"
W3C = re.compile(r"\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?")


def guide(title: str, extra: str = "", body: str = "Texte.") -> str:
    return GUIDE.format(title=title, extra=extra, body=body)


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env |= {"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo)}
    if date is not None:
        env |= {"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
    config = ["-c", "user.name=T", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    result = subprocess.run(
        ["git", *config, "-C", str(repo), *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def commit(repo: Path, date: str, files: dict[str, str]) -> None:
    """Write ``files`` (paths relative to ``repo``), commit them at ``date``, then age their mtimes."""
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "--", *files)
    git(repo, "commit", "-q", "-m", "change", date=date)
    for name in files:
        os.utime(repo / name, (OLD_MTIME, OLD_MTIME))


def new_repo(root: Path) -> Path:
    """A repository whose content folder is ``content/`` (a prefix inside the checkout)."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    (root / "content").mkdir()
    return root / "content"


def iso(stamp: float) -> str:
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds")


def dates(folder: Path, **options: object) -> dict[str, str | None]:
    library = load_library(folder, **options)  # type: ignore[arg-type]
    return {slug: guide.updated for slug, guide in library.guides.items()}


# --- updated, from git ----------------------------------------------------------------------------


def test_a_committed_file_is_dated_by_its_last_commit(tmp_path: Path) -> None:
    content = new_repo(tmp_path)
    commit(tmp_path, A_DATE, {"content/a.md": guide("A"), "content/b.md": guide("B")})
    commit(tmp_path, B_DATE, {"content/b.md": guide("B", body="Changé.")})
    assert dates(content) == {"a": A_DATE, "b": B_DATE}


def test_uncommitted_files_are_dated_by_their_modification_time(tmp_path: Path) -> None:
    content = new_repo(tmp_path)
    names = ("a", "modified", "staged", "untracked")
    commit(tmp_path, A_DATE, {f"content/{n}.md": guide(n) for n in names if n != "untracked"})
    (content / "modified.md").write_text(guide("modified", body="Autre."), encoding="utf-8")
    (content / "staged.md").write_text(guide("staged", body="Autre."), encoding="utf-8")
    git(tmp_path, "add", "content/staged.md")
    (content / "untracked.md").write_text(guide("untracked"), encoding="utf-8")
    for k, name in enumerate(names[1:]):
        os.utime(content / f"{name}.md", (1_500_000_000 + k, 1_500_000_000 + k))
    assert dates(content) == {
        "a": A_DATE,
        "modified": iso(1_500_000_000),
        "staged": iso(1_500_000_001),
        "untracked": iso(1_500_000_002),
    }


def test_a_front_matter_date_wins(tmp_path: Path) -> None:
    content = new_repo(tmp_path)
    commit(tmp_path, A_DATE, {"content/a.md": guide("A", "updated: 2019-05-06\n"),
                              "content/b.md": guide("B", "date: 2018-01-02T03:04:05Z\n")})  # fmt: skip
    assert dates(content) == {"a": "2019-05-06", "b": "2018-01-02T03:04:05+00:00"}


def fake_git(folder: Path, script: str) -> Path:
    """A folder holding only a ``git`` that runs ``script`` (sh)."""
    folder.mkdir()
    (folder / "git").write_text(f"#!/bin/sh\n{script}\n")
    (folder / "git").chmod(0o755)
    return folder


def test_off_never_runs_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = new_repo(tmp_path / "repo")
    commit(tmp_path / "repo", A_DATE, {"content/a.md": guide("A")})
    ran = tmp_path / "ran"
    fake = fake_git(tmp_path / "bin", f'echo "$@" >> {ran}\nexec {shutil.which("git")} "$@"')
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    assert dates(content, git_dates="off") == {"a": iso(OLD_MTIME)}
    assert not ran.exists()
    assert dates(content, git_dates="auto") == {"a": A_DATE}
    assert ran.exists()  # the fake git was the one found, and auto asked it


def test_without_git_on_the_path_dates_are_modification_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = new_repo(tmp_path / "repo")
    commit(tmp_path / "repo", A_DATE, {"content/a.md": guide("A")})
    monkeypatch.setenv("PATH", str(fake_git(tmp_path / "empty", "exit 0").parent / "nothing-here"))
    assert dates(content) == {"a": iso(OLD_MTIME)}


def test_a_git_that_hangs_is_given_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = new_repo(tmp_path / "repo")
    commit(tmp_path / "repo", A_DATE, {"content/a.md": guide("A")})
    monkeypatch.setenv("PATH", str(fake_git(tmp_path / "bin", f"exec {shutil.which('sleep')} 30")))
    monkeypatch.setattr(gitdates, "GIT_TIMEOUT", 0.5)
    started = time.monotonic()
    assert dates(content) == {"a": iso(OLD_MTIME)}
    assert time.monotonic() - started < 10


def test_no_checkout_or_no_commit_gives_modification_times(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.md").write_text(guide("A"), encoding="utf-8")
    os.utime(plain / "a.md", (OLD_MTIME, OLD_MTIME))
    empty = new_repo(tmp_path / "empty")
    shutil.copy2(plain / "a.md", empty / "a.md")
    assert dates(plain) == dates(empty) == {"a": iso(OLD_MTIME)}


def test_odd_file_names_are_dated_too(tmp_path: Path) -> None:
    content = new_repo(tmp_path)
    odd = {"content/é.md": guide("É"), "content/new\nline.md": guide("NL"), "content/sp ace.md": guide("S")}
    commit(tmp_path, A_DATE, odd)
    library = load_library(content)
    found = {Path(file).name: g.updated for file, g in library.files.items() if g is not None}
    assert found == {"é.md": A_DATE, "new\nline.md": A_DATE, "sp ace.md": A_DATE}


def test_shallow_and_detached_checkouts(tmp_path: Path) -> None:
    origin = new_repo(tmp_path / "origin")
    commit(tmp_path / "origin", A_DATE, {"content/a.md": guide("A"), "content/b.md": guide("B")})
    commit(tmp_path / "origin", B_DATE, {"content/b.md": guide("B", body="Changé.")})
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin.parent}", "shallow")
    # a shallow clone knows one commit: every file is dated by it
    assert dates(tmp_path / "shallow" / "content") == {"a": B_DATE, "b": B_DATE}
    git(tmp_path / "origin", "checkout", "-q", "--detach", "HEAD~1")
    assert dates(origin) == {"a": A_DATE, "b": A_DATE}


def test_a_reload_reads_the_history_again_only_when_head_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = new_repo(tmp_path)
    commit(tmp_path, A_DATE, {"content/a.md": guide("A"), "content/b.md": guide("B")})
    runs: list[tuple[object, ...]] = []
    history = gitdates._history
    monkeypatch.setattr(gitdates, "_history", lambda *args: runs.append(args) or history(*args))
    first = load_library(content)
    assert len(runs) == 1
    (content / "b.md").write_text(guide("B", body="En cours."), encoding="utf-8")
    os.utime(content / "b.md", (1_600_000_000, 1_600_000_000))
    second = load_library(content, previous=first)
    assert len(runs) == 1  # HEAD did not move: the history of the last load is kept
    assert {s: g.updated for s, g in second.guides.items()} == {"a": A_DATE, "b": iso(1_600_000_000)}
    commit(tmp_path, B_DATE, {"content/b.md": guide("B", body="En cours.")})
    third = load_library(content, previous=second)
    assert first.git is not None
    assert len(runs) == 2 and runs[1][1:] == (first.git.head,)  # only the commits since
    assert {s: g.updated for s, g in third.guides.items()} == {"a": A_DATE, "b": B_DATE}


def test_a_rewritten_history_is_read_again_whole(tmp_path: Path) -> None:
    content = new_repo(tmp_path)
    commit(tmp_path, A_DATE, {"content/a.md": guide("A")})
    commit(tmp_path, B_DATE, {"content/a.md": guide("A", body="Changé.")})
    first = load_library(content)
    assert first.guides["a"].updated == B_DATE
    git(tmp_path, "reset", "-q", "--hard", "HEAD~1")  # a's change is gone: HEAD is not its descendant
    commit(tmp_path, "2023-05-06T07:08:09+00:00", {"content/c.md": guide("C")})
    os.utime(content / "a.md", (OLD_MTIME, OLD_MTIME))
    dated = {s: g.updated for s, g in load_library(content, previous=first).guides.items()}
    assert dated == {"a": A_DATE, "c": "2023-05-06T07:08:09+00:00"}


# --- the dates themselves -------------------------------------------------------------------------


def test_http_dates_in_their_three_formats() -> None:
    stamp = 784111777  # RFC 9110's example
    assert http_date(stamp) == "Sun, 06 Nov 1994 08:49:37 GMT"
    for text in (
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    ):
        assert parse_http_date(text) == stamp, text
    two = "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT"  # two values: ignored
    for bad in ("", "yesterday", "Sun, 06 Nov 1994 08:49:37 UTC", "sun, 06 nov 1994 08:49:37 GMT",
                "Sun, 31 Feb 1994 08:49:37 GMT", two, "1994-11-06T08:49:37Z"):  # fmt: skip
        assert parse_http_date(bad) is None, bad


def test_updated_values_and_what_they_become() -> None:
    assert updated_datetime("2024-01-15") == dt.datetime(2024, 1, 15, tzinfo=dt.UTC)
    assert updated_datetime("2024-01-15T10:00:00") == dt.datetime(2024, 1, 15, 10, tzinfo=dt.UTC)
    assert epoch_of(A_DATE) == 1614827167
    for bad in (None, "", "15/01/2024", "bientôt", "2024-13-01", "1960-01-01"):
        assert epoch_of(bad) is None, bad
    assert w3c_datetime("2024-01-15") == "2024-01-15"
    assert w3c_datetime("2024-01-15T10:00:00") == "2024-01-15T10:00:00+00:00"
    assert w3c_datetime(A_DATE) == A_DATE
    assert w3c_datetime("2024-01-15T10:00:00.123+02:00:30") == "2024-01-15T07:59:30+00:00"
    assert w3c_datetime("plus tard") is None


# --- HTTP: Last-Modified and If-Modified-Since ------------------------------------------------------


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    content = new_repo(root)
    commit(root, A_DATE, {"content/a.md": guide("A", body=EDITORS), "content/b.md": guide("B"),
                          "content/c.md": guide("C", "updated: 2020-01-02\n"),
                          "content/d.md": guide("D", "updated: pas une date\n")})  # fmt: skip
    commit(root, B_DATE, {"content/b.md": guide("B", body="Changé.")})
    return content


@pytest.fixture(scope="module")
def server(repo: Path, server_name: str) -> Iterator[Server]:
    with serve("--content", str(repo), server=server_name) as running:
        yield running


GUIDE_DATES = {"a": A_HTTP, "b": B_HTTP, "c": "Thu, 02 Jan 2020 00:00:00 GMT", "d": None}


@pytest.mark.parametrize("suffix", ["", ".md", "?include=html,text", "?include=text"])
def test_every_guide_response_carries_its_updated(server: Server, suffix: str) -> None:
    for slug, expected in GUIDE_DATES.items():
        reply = server.get(f"/guides/{slug}{suffix}")
        assert reply.status == 200
        assert reply.header("last-modified") == expected, (slug, suffix)
    updated = {g["slug"]: g["updated"] for g in server.get("/guides?per_page=100").json()["data"]}
    assert updated == {"a": A_DATE, "b": B_DATE, "c": "2020-01-02", "d": "pas une date"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/guides", B_HTTP),
        ("/guides?sort=slug&per_page=1", A_HTTP),  # the page's items, not the whole list
        ("/guides?sort=slug&page=2&per_page=2", "Thu, 02 Jan 2020 00:00:00 GMT"),
        ("/guides?tag=nothing", None),
        ("/search/records", B_HTTP),
        ("/search/records?per_page=1", A_HTTP),
        ("/sitemap.xml", B_HTTP),
        ("/llms.txt", B_HTTP),
        ("/tags", B_HTTP),
        ("/apis", B_HTTP),
        ("/editors", A_HTTP),  # only a has editor rows
        ("/editors?q=nobody", None),
    ],
)
def test_a_list_carries_its_newest_item(server: Server, path: str, expected: str | None) -> None:
    reply = server.get(path)
    assert reply.status == 200
    assert reply.header("last-modified") == expected


def test_the_json_lines_of_the_records_carry_the_newest_record(server: Server) -> None:
    reply = server.get("/search/records?per_page=1", accept="application/x-ndjson")
    assert reply.header("content-type") == "application/x-ndjson"
    assert reply.header("last-modified") == B_HTTP


LATER = "Sat, 01 Jan 2028 00:00:00 GMT"
EARLIER = "Thu, 04 Mar 2021 03:06:06 GMT"


@pytest.mark.parametrize("path", ["/guides/a", "/guides/A", "/guides/a.md", "/guides?sort=slug&per_page=1"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_modified_since(server: Server, path: str, method: str) -> None:
    full = server.request(method, path)
    assert full.status == 200 and full.header("last-modified") == A_HTTP
    formats = (A_HTTP, "Thursday, 04-Mar-21 03:06:07 GMT", "Thu Mar  4 03:06:07 2021", LATER)
    for since in formats:
        reply = server.request(method, path, {"If-Modified-Since": since})
        assert reply.status == 304, since
        assert reply.body == b""
        for name in ("etag", "last-modified", "cache-control", "vary"):
            assert reply.header(name) == full.header(name), name
    for since in (EARLIER, "not a date", "Thu, 04 Mar 2021 03:06:07 UTC"):
        assert server.request(method, path, {"If-Modified-Since": since}).status == 200, since


def test_if_none_match_wins_over_if_modified_since(server: Server) -> None:
    etag = server.get("/guides/a").header("etag") or ""
    both = {"If-None-Match": '"not-this-one"', "If-Modified-Since": LATER}
    assert server.request("GET", "/guides/a", both).status == 200
    both = {"If-None-Match": etag, "If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}
    assert server.request("GET", "/guides/a", both).status == 304
    # a response without Last-Modified is never a 304 by date
    assert server.request("GET", "/guides/d", {"If-Modified-Since": LATER}).status == 200


def test_the_sitemap_and_the_records_use_the_same_dates(server: Server) -> None:
    sitemap = server.get("/sitemap.xml").body.decode()
    lastmods = dict(re.findall(r"/guides/(\w+)</loc>(?:<lastmod>([^<]*)</lastmod>)?", sitemap))
    assert lastmods == {"a": A_DATE, "b": B_DATE, "c": "2020-01-02", "d": ""}
    assert all(W3C.fullmatch(value) for value in lastmods.values() if value)
    records = server.get("/search/records").json()["data"]
    assert {r["objectID"].split("#")[0]: r["updated"] for r in records} == {
        "a": A_DATE, "b": B_DATE, "c": "2020-01-02", "d": "pas une date"}  # fmt: skip


def test_the_export_dates_its_files_like_their_responses(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export(Settings(content_dir=str(repo)), out)
    assert (out / "guides" / "b").stat().st_mtime == parse_http_date(B_HTTP)
    assert (out / "guides" / "a.md").stat().st_mtime == parse_http_date(A_HTTP)
    assert (out / "sitemap.xml").stat().st_mtime == parse_http_date(B_HTTP)
    assert (out / "robots.txt").stat().st_mtime > parse_http_date(B_HTTP)  # no date: written now


def test_git_dates_off_on_a_server(repo: Path, server_name: str) -> None:
    with serve("--content", str(repo), "--git-dates", "off", server=server_name) as server:
        reply = server.get("/guides/a")
        assert reply.json()["updated"] == iso(OLD_MTIME)
        assert reply.header("last-modified") == http_date(OLD_MTIME)


def test_a_warm_restart_keeps_what_git_said_in_the_parse_cache(tmp_path: Path) -> None:
    """The parse cache file keeps git's answer: a restart on the same HEAD runs git rev-parse only
    (no log, no ls-tree) and dates the guides as the first load did."""
    from content_api.cache import ParseCache
    from content_api.web.app import create_app

    content, cache = new_repo(tmp_path / "repo"), tmp_path / "cache"
    commit(tmp_path / "repo", A_DATE, {"content/a.md": guide("A")})
    create_app(Settings(content_dir=str(content), cache_dir=str(cache)))
    pack = ParseCache(cache).load()
    assert pack.git is not None and pack.git.times == {"a.md": A_DATE}
    calls: list[str] = []
    real = gitdates._git

    def spy(where: Path, *args: str) -> bytes | None:
        calls.append(next(arg for arg in args if not arg.startswith("-") and "=" not in arg))
        return real(where, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gitdates, "_git", spy)
        edge = create_app(Settings(content_dir=str(content), cache_dir=str(cache)))
        snapshot = edge.holder.snapshot
        assert snapshot is not None and snapshot.catalog.entries[0].updated == A_DATE
        assert calls == ["rev-parse"]
        commit(tmp_path / "repo", B_DATE, {"content/a.md": guide("A", body="Changé.")})
        calls.clear()
        edge = create_app(Settings(content_dir=str(content), cache_dir=str(cache)))
    snapshot = edge.holder.snapshot
    assert snapshot is not None and snapshot.catalog.entries[0].updated == B_DATE
    assert "log" in calls  # HEAD moved: the new commits are read
