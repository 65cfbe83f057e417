"""Loading off the request path, hot reload with --watch, and the parse cache of warm restarts."""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.corpus import generate
from content_api.cache import FILE_NAME, ParseCache
from content_api.config import Settings
from content_api.web.loader import Loader, SnapshotHolder

from .conftest import SEED
from .server import Server, serve

OTHER = "---\ntitle: Autre guide\ntags: [autre]\npublish: true\n---\n\nUn autre guide, qui ne change pas.\n"


def blake(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def until(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the change was not seen in time"
        time.sleep(0.05)


class Readers:
    """Clients reading while the content changes: every answer must be whole and consistent."""

    def __init__(self, server: Server, paths: list[str], count: int = 4) -> None:
        self.server = server
        self.paths = paths
        self.stop = threading.Event()
        self.problems: list[str] = []
        self.requests = 0
        self.threads = [threading.Thread(target=self.read, args=(n,)) for n in range(count)]

    def read(self, n: int) -> None:
        while not self.stop.is_set():
            path = self.paths[(self.requests + n) % len(self.paths)]
            try:
                reply = self.server.get(path)
            except OSError as exc:
                self.problems.append(f"{path}: {exc}")
                continue
            self.requests += 1
            if reply.status not in (200, 404):
                self.problems.append(f"{path}: {reply.status}")
            elif reply.status == 200 and reply.header("etag") != blake(reply.body):
                self.problems.append(f"{path}: the ETag is not the body's")

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_watch_edit_break_fix_delete(tmp_path: Path, workers: str, server_name: str) -> None:
    shutil.copy(SEED, tmp_path / "ccas.md")
    (tmp_path / "autre.md").write_text(OTHER, encoding="utf-8")
    seed = SEED.read_text(encoding="utf-8")
    with serve("--content", str(tmp_path), "--watch", "--workers", workers, server=server_name) as server:
        other_etag = server.get("/guides/autre").header("etag")
        first = server.get("/guides/ccas")
        paths = ["/guides/ccas", "/guides/autre", "/guides", "/guides?tag=autre", "/editors?api=particulier"]
        with Readers(server, paths) as readers:
            # edit: every worker serves the new title; the other guide keeps its ETag
            (tmp_path / "ccas.md").write_text(
                seed.replace("title: Aides sociales", "title: Aides sociales v2")
            )
            until(
                lambda: all(
                    server.get("/guides/ccas").json()["title"] == "Aides sociales v2" for _ in range(6)
                )
            )
            assert server.get("/guides/ccas").header("etag") != first.header("etag")
            assert server.get("/guides/autre").header("etag") == other_etag

            # break: the last good version stays served, the errors are in /diagnostics
            (tmp_path / "ccas.md").write_text(seed.replace("title: Aides sociales", "title: [cassé"))
            until(lambda: all(server.get("/health").json()["status"] == "degraded" for _ in range(6)))
            assert server.get("/guides/ccas").json()["title"] == "Aides sociales v2"
            codes = {d["code"] for d in server.get("/diagnostics?file=ccas.md").json()["diagnostics"]}
            assert codes == {"yaml-invalid", "guide-stale"}

            # fix
            (tmp_path / "ccas.md").write_text(
                seed.replace("title: Aides sociales", "title: Aides sociales v3")
            )
            until(
                lambda: all(
                    server.get("/guides/ccas").json()["title"] == "Aides sociales v3" for _ in range(6)
                )
            )
            assert server.get("/health").json()["status"] == "ok"

            # delete one guide, add another
            (tmp_path / "autre.md").unlink()
            (tmp_path / "nouveau.md").write_text(OTHER.replace("Autre guide", "Nouveau guide"))
            until(lambda: all(server.get("/guides/autre").status == 404 for _ in range(6)))
            until(lambda: all(server.get("/guides/nouveau").status == 200 for _ in range(6)))
            assert server.get("/guides?tag=autre").json()["data"][0]["slug"] == "nouveau"
        assert readers.requests > 50 and readers.problems == []


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 guides, seconds of work (read only: made once for both servers)."""
    folder = tmp_path_factory.mktemp("many")
    generate(600, folder)
    return folder


def test_loading_happens_off_the_request_path(many: Path, server_name: str) -> None:
    with serve("--content", str(many), ready=False, server=server_name) as server:
        health = server.get("/health")
        not_ready = server.get("/ready")
        loading = server.get("/guides")
        # 600 guides take seconds to load: the service answered at once, alive but not ready
        assert health.status == 200 and health.json()["status"] == "loading"
        assert health.json()["loaded_at"] is None
        assert not_ready.status == 503 and not_ready.header("retry-after") == "1"
        assert not_ready.header("content-type") == "application/problem+json"
        assert loading.status == 503 and loading.json()["status"] == 503
        until(lambda: server.get("/ready").status == 200, seconds=120)
        assert server.get("/ready").json() == {"status": "ready", "guides": 600}


def load(folder: Path, cache: Path) -> Loader:
    loader = Loader(Settings(content_dir=str(folder), cache_dir=str(cache)), SnapshotHolder())
    loader.load()
    return loader


def test_the_cache_makes_a_restart_parse_nothing(tmp_path: Path) -> None:
    folder, cache = tmp_path / "content", tmp_path / "cache"
    generate(40, folder)
    cold = load(folder, cache)
    assert cold.holder.snapshot is not None
    assert cold.holder.snapshot.library.stats == {"parsed": 40, "reused": 0}
    assert (cache / FILE_NAME).is_file()
    warm = load(folder, cache)
    assert warm.holder.snapshot is not None
    assert warm.holder.snapshot.library.stats == {"parsed": 0, "reused": 40}
    cold_details = [cold.holder.snapshot.detail(i) for i in range(40)]
    warm_details = [warm.holder.snapshot.detail(i) for i in range(40)]
    for a, b in zip(cold_details, warm_details, strict=True):
        assert (a.body, a.etag, a.gzip, a.br) == (b.body, b.etag, b.gzip, b.br)
    (folder / "guide-000003.md").write_text("---\ntitle: Changé\n---\nTexte\n", encoding="utf-8")
    changed = load(folder, cache)
    assert changed.holder.snapshot is not None and changed.holder.snapshot.library.stats == {
        "parsed": 1,
        "reused": 39,
    }


def test_a_corrupt_or_stale_cache_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, cache = tmp_path / "content", tmp_path / "cache"
    generate(5, folder)
    cache.mkdir()
    (cache / FILE_NAME).write_bytes(b"\x93garbage")
    with caplog.at_level(logging.WARNING, logger="content_api.cache"):
        loader = load(folder, cache)
    assert "corrupt" in caplog.text
    assert loader.holder.snapshot is not None and loader.holder.snapshot.library.stats["parsed"] == 5

    pack = ParseCache(cache).load()
    assert len(pack.guides) == 5
    import msgspec

    from content_api.cache import Pack

    (cache / FILE_NAME).write_bytes(msgspec.msgpack.encode(Pack("another-engine", pack.guides, pack.forms)))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="content_api.cache"):
        loader = load(folder, cache)
    assert "another version" in caplog.text
    assert loader.holder.snapshot is not None and loader.holder.snapshot.library.stats["parsed"] == 5

    from content_api.cache import engine_version

    broken = {**pack.guides, "one more": [1, 2]}  # one parse of the wrong shape: decoded last, one by one
    (cache / FILE_NAME).write_bytes(msgspec.msgpack.encode(Pack(engine_version(), broken, pack.forms)))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="content_api.cache"):
        loader = load(folder, cache)
    assert "corrupt" in caplog.text
    assert loader.holder.snapshot is not None and loader.holder.snapshot.library.stats["parsed"] == 5


def test_serve_with_a_cache_folder(tmp_path: Path, server_name: str) -> None:
    shutil.copy(SEED, tmp_path / "ccas.md")
    with serve("--content", str(tmp_path), "--cache", str(tmp_path / "cache"), server=server_name) as server:
        assert server.get("/guides/ccas").status == 200
    assert (tmp_path / "cache" / FILE_NAME).stat().st_size > 1000


def test_watch_follows_a_swapped_symlink(tmp_path: Path, server_name: str) -> None:
    """git-sync swaps a `current` link to a new worktree: the new content is served."""
    first, second = tmp_path / "worktree-1", tmp_path / "worktree-2"
    for worktree, title in ((first, "Version 1"), (second, "Version 2")):
        (worktree / "content").mkdir(parents=True)
        (worktree / "content" / "g.md").write_text(f"---\ntitle: {title}\n---\nTexte\n", encoding="utf-8")
    link = tmp_path / "current"
    link.symlink_to(first)
    with serve("--content", str(link / "content"), "--watch", server=server_name) as server:
        assert server.get("/guides/g").json()["title"] == "Version 1"
        swap = tmp_path / "current.new"
        swap.symlink_to(second)
        swap.replace(link)  # atomic, as git-sync does
        shutil.rmtree(first)
        until(lambda: server.get("/guides/g").json()["title"] == "Version 2")
        (second / "content" / "g.md").write_text("---\ntitle: Version 3\n---\nTexte\n", encoding="utf-8")
        until(lambda: server.get("/guides/g").json()["title"] == "Version 3")


def test_ready_counts_the_live_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from content_api.web.loader import READY_DIR, WORKERS, _mark_ready, workers_ready

    assert workers_ready() == (1, 1)  # a single process: its own state is enough
    monkeypatch.setenv(READY_DIR, str(tmp_path))
    monkeypatch.setenv(WORKERS, "2")
    assert workers_ready() == (0, 2)
    _mark_ready()
    assert workers_ready() == (1, 2)
    dead = 2**22 + 17  # above pid_max: no such process
    (tmp_path / str(dead)).touch()
    assert workers_ready() == (1, 2)
    (tmp_path / str(os.getppid())).touch()
    assert workers_ready() == (2, 2)


def guide(title: str) -> str:
    return f"---\ntitle: {title}\n---\nTexte\n"


def folder_with(path: Path, title: str) -> Path:
    path.mkdir(parents=True)
    (path / "g.md").write_text(guide(title), encoding="utf-8")
    return path


def test_watch_follows_the_folder_the_user_named(tmp_path: Path, server_name: str) -> None:
    """The content folder replaced, then a symbolic link, then gone, then back: each is seen."""
    content = folder_with(tmp_path / "content", "Version 1")
    with serve("--content", str(content), "--watch", server=server_name) as server:
        assert server.get("/guides/g").json()["title"] == "Version 1"

        # replaced: mv content content.old; mv content.new content
        folder_with(tmp_path / "content.new", "Version 2")
        content.rename(tmp_path / "content.old")
        (tmp_path / "content.new").rename(content)
        until(lambda: server.get("/guides/g").json()["title"] == "Version 2")
        (content / "g.md").write_text(guide("Version 3"), encoding="utf-8")  # the new folder is watched
        until(lambda: server.get("/guides/g").json()["title"] == "Version 3")
        assert (tmp_path / "content.old" / "g.md").read_text().startswith("---\ntitle: Version 1")
        (tmp_path / "content.old" / "g.md").write_text(guide("Ancienne"), encoding="utf-8")

        # a symbolic link to another folder takes its place
        other = folder_with(tmp_path / "other", "Version 4")
        content.rename(tmp_path / "content.old2")
        content.symlink_to(other)
        until(lambda: server.get("/guides/g").json()["title"] == "Version 4")
        assert server.get("/health").json()["status"] == "ok"

        # gone: the last content is still served, and /health says why it is stale
        content.unlink()
        until(lambda: server.get("/health").json()["status"] == "degraded")
        health = server.get("/health").json()
        assert f"the content folder {content} is missing" in health["reason"]
        assert "is still served" in health["reason"] and health["guides"] == 1
        assert server.get("/diagnostics").json()["reason"] == health["reason"]
        assert server.get("/guides/g").json()["title"] == "Version 4"

        # back
        folder_with(content, "Version 5")
        until(lambda: server.get("/guides/g").json()["title"] == "Version 5")
        health = server.get("/health").json()
        assert (health["status"], health["reason"]) == ("ok", None)


def test_watch_resolves_the_path_again_every_interval(tmp_path: Path, server_name: str) -> None:
    """A folder higher up the path replaced (no watched folder sees it): found by the periodic check."""
    content = folder_with(tmp_path / "site" / "docs" / "content", "Version 1")
    with serve("--content", str(content), "--watch", "--watch-interval", "1", server=server_name) as server:
        assert server.get("/guides/g").json()["title"] == "Version 1"
        folder_with(tmp_path / "site.new" / "docs" / "content", "Version 2")
        (tmp_path / "site").rename(tmp_path / "site.old")
        (tmp_path / "site.new").rename(tmp_path / "site")
        started = time.monotonic()
        until(lambda: server.get("/guides/g").json()["title"] == "Version 2", seconds=10)
        assert time.monotonic() - started < 5


def test_a_reload_that_fails_shows_on_health(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from content_api.web import loader as loader_module
    from content_api.web import ops

    content = folder_with(tmp_path / "content", "Version 1")
    loader = Loader(Settings(content_dir=str(content), watch=True), SnapshotHolder())
    snapshot = loader.load()
    assert decoded(snapshot.prepared["/health"].body)["reason"] is None

    def broken(*args: object, **kwargs: object) -> None:
        raise MemoryError("plus de mémoire")

    monkeypatch.setattr(loader_module, "build_snapshot", broken)
    (content / "g.md").write_text(guide("Version 2"), encoding="utf-8")
    loader._reload()
    assert loader.holder.snapshot is snapshot  # the previous snapshot is still served
    health = decoded(snapshot.prepared["/health"].body)
    assert health["status"] == "degraded"
    assert health["reason"].startswith("reloading the content failed: MemoryError: plus de mémoire")
    assert decoded(ops.whole_report(snapshot).body)["reason"] == health["reason"]
    monkeypatch.undo()
    loader._reload()
    assert loader.holder.snapshot is not snapshot and loader.holder.reload_error is None
    fresh = decoded(loader.holder.snapshot.prepared["/health"].body)
    assert (fresh["status"], fresh["reason"]) == ("ok", None)


def decoded(body: bytes) -> dict[str, object]:
    import json

    data: dict[str, object] = json.loads(body)
    return data


def test_a_change_without_an_event_is_found_at_the_next_interval(tmp_path: Path) -> None:
    """A file written before the watcher is armed on a folder just moved in gives no event: the
    periodic check compares the guide files with those last loaded (the race CI once hit)."""
    content = folder_with(tmp_path / "content", "Version 1")
    loader = Loader(Settings(content_dir=str(content), watch=True), SnapshotHolder())
    loader.load()
    assert not loader._missed(content.resolve())
    (content / "g.md").write_text(guide("Version 2, longer"), encoding="utf-8")
    assert loader._missed(content.resolve())
    assert not loader._missed(content.resolve())  # once: a failed reload is not retried in a loop
