"""Webhooks: signed, retried with backoff, delivered once per change and URL, shown on /health."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import msgspec
import pytest

from content_api.changes import Entry, History
from content_api.config import Settings, settings_from_env
from content_api.webhooks import Webhooks, redact

from .conftest import ROOT
from .server import serve

SECRET = "s3cret-for-tests"


def verify(secret: str, body: bytes, signature: str) -> bool:
    """The README's receiver check, word for word."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


@dataclass
class Hit:
    at: float
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: answers each POST with the next of ``script`` (a status,
    ``"close"``: drop the connection, or ``("sleep", s, status)``), then 200."""

    script: list[Any] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/token-123"

    def wait(self, count: int, timeout: float = 20) -> list[Hit]:
        deadline = time.monotonic() + timeout
        while len(self.hits) < count:
            assert time.monotonic() < deadline, f"{len(self.hits)} of {count} deliveries came"
            time.sleep(0.02)
        return self.hits


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []

    def make() -> Receiver:
        receiver = Receiver()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hits.append(
                    Hit(time.monotonic(), {k.lower(): v for k, v in self.headers.items()}, body)
                )
                action = receiver.script.pop(0) if receiver.script else 200
                if action == "close":
                    self.close_connection = True
                    self.connection.close()
                    return
                if isinstance(action, tuple):
                    time.sleep(action[1])
                    action = action[2]
                self.send_response(action)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=receiver.server.serve_forever, args=(0.05,), daemon=True).start()
        made.append(receiver)
        return receiver

    yield [make(), make()]
    for receiver in made:
        assert receiver.server is not None
        receiver.server.shutdown()
        receiver.server.server_close()


def _settings(*urls: str, **more: Any) -> Settings:
    values = {"webhook_secret": SECRET, "webhook_retry_ms": 100, "webhook_timeout": 5, **more}
    return Settings(webhook_urls=urls, **values)


def _history(*versions: dict[str, str]) -> list[History]:
    """Histories after each state (slug -> ETag)."""
    states = [{slug: Entry(f'"{etag}"', "2026-01-01", True) for slug, etag in v.items()} for v in versions]
    found = [History.start(states[0])]
    for state in states[1:]:
        found.append(found[-1].advanced(state, keep=10))
    return found


def _settle(hooks: Webhooks, seconds: float = 0.5) -> None:
    """Leave time for a delivery that should not come."""
    time.sleep(seconds)
    hooks.close()


def test_a_change_is_posted_signed_to_each_url_once(receivers: list[Receiver], tmp_path: Path) -> None:
    first, second = receivers
    before, after = _history({"a": "1", "b": "2"}, {"a": "1x", "c": "3"})
    hooks = Webhooks(_settings(first.url, second.url), str(tmp_path))
    hooks.announce(before)  # the first load is no change
    time.sleep(0.3)
    assert first.hits == [] and second.hits == []
    hooks.announce(after)
    for receiver in receivers:
        (hit,) = receiver.wait(1)
        assert verify(SECRET, hit.body, hit.headers["x-content-api-signature"])
        assert not verify("another secret", hit.body, hit.headers["x-content-api-signature"])
        assert hit.headers["content-type"] == "application/json"
        assert hit.headers["x-content-api-event"] == "content.changed"
        assert len(hit.headers["x-content-api-delivery"]) == 32
        assert hit.json() == {
            "event": "content.changed",
            "cursor": after.cursor,
            "previous": before.cursor,
            "changes": [
                {"slug": "a", "change": "updated", "etag": '"1x"', "updated": "2026-01-01"},
                {"slug": "b", "change": "deleted", "etag": None, "updated": None},
                {"slug": "c", "change": "created", "etag": '"3"', "updated": "2026-01-01"},
            ],
        }
    assert first.hits[0].headers["x-content-api-delivery"] != second.hits[0].headers["x-content-api-delivery"]
    hooks.announce(after)  # the same content again: nothing to say
    _settle(hooks)
    assert (len(first.hits), len(second.hits)) == (1, 1)
    shown = hooks.statuses()
    assert [s.status for s in shown] == ["delivered", "delivered"]
    assert [s.url for s in shown] == [redact(first.url), redact(second.url)]
    assert all("token" not in s.url and s.http_status == 200 and s.attempts == 1 for s in shown)


def test_network_errors_and_5xx_are_retried_with_growing_delays_and_the_same_id(
    receivers: list[Receiver], tmp_path: Path
) -> None:
    receiver = receivers[0]
    receiver.script = [503, "close", 500, 200]
    before, after = _history({"a": "1"}, {"a": "2"})
    hooks = Webhooks(_settings(receiver.url), str(tmp_path))
    hooks.announce(before)
    hooks.announce(after)
    hits = receiver.wait(4)
    _settle(hooks)
    assert len(receiver.hits) == 4
    assert len({hit.headers["x-content-api-delivery"] for hit in hits}) == 1
    assert len({hit.body for hit in hits}) == 1
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(hits)]
    # 100 ms doubled at each retry, each delay between its half and itself
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and gaps[2] >= 0.2, gaps
    (shown,) = hooks.statuses()
    assert (shown.status, shown.attempts, shown.http_status) == ("delivered", 4, 200)


def test_a_4xx_is_not_retried_and_the_next_change_still_goes(
    receivers: list[Receiver], tmp_path: Path
) -> None:
    receiver = receivers[0]
    receiver.script = [410]
    one, two, three = _history({"a": "1"}, {"a": "2"}, {"a": "3"})
    hooks = Webhooks(_settings(receiver.url), str(tmp_path))
    hooks.announce(one)
    hooks.announce(two)
    receiver.wait(1)
    time.sleep(0.4)  # a retry would come within 100 ms
    assert len(receiver.hits) == 1
    (shown,) = hooks.statuses()
    assert (shown.status, shown.http_status, shown.attempts) == ("failed", 410, 1)
    hooks.announce(three)
    hits = receiver.wait(2)
    _settle(hooks)
    assert hits[1].json()["previous"] == two.cursor and hits[1].json()["cursor"] == three.cursor
    assert hooks.statuses()[0].status == "delivered"


def test_retries_stop_at_their_bounds(receivers: list[Receiver], tmp_path: Path) -> None:
    counted, timed = receivers
    counted.script = [500] * 10
    timed.script = [500] * 10
    before, after = _history({"a": "1"}, {"a": "2"})
    by_count = Webhooks(_settings(counted.url, webhook_max_attempts=3), str(tmp_path / "count"))
    by_time = Webhooks(
        _settings(timed.url, webhook_retry_ms=3000, webhook_max_seconds=1), str(tmp_path / "time")
    )
    for hooks in (by_count, by_time):
        hooks.announce(before)
        hooks.announce(after)
    counted.wait(3)
    timed.wait(1)
    time.sleep(1.0)
    by_count.close()
    by_time.close()
    assert len(counted.hits) == 3
    assert len(timed.hits) == 1  # the next try would start after the bound
    for hooks in (by_count, by_time):
        (shown,) = hooks.statuses()
        assert (shown.status, shown.http_status) == ("failed", 500)


def test_a_receiver_too_slow_is_a_timeout_and_retried(receivers: list[Receiver], tmp_path: Path) -> None:
    receiver = receivers[0]
    receiver.script = [("sleep", 2.5, 200)]
    before, after = _history({"a": "1"}, {"a": "2"})
    hooks = Webhooks(_settings(receiver.url, webhook_timeout=1), str(tmp_path))
    hooks.announce(before)
    started = time.monotonic()
    hooks.announce(after)
    assert time.monotonic() - started < 0.5  # announcing never waits for a receiver
    receiver.wait(2, timeout=10)
    _settle(hooks)
    (shown,) = hooks.statuses()
    assert (shown.status, shown.attempts) == ("delivered", 2)


def test_of_several_processes_sharing_a_folder_one_delivers_and_another_takes_over(
    receivers: list[Receiver], tmp_path: Path
) -> None:
    receiver = receivers[0]
    receiver.script = [503]
    one, two = _history({"a": "1"}, {"a": "2"})
    settings = _settings(receiver.url, webhook_retry_ms=1500)
    workers = [Webhooks(settings, str(tmp_path)) for _ in range(3)]  # each its own lock handle
    for hooks in workers:
        hooks.announce(one)
    for hooks in workers:
        hooks.announce(two)
        hooks.start()
    (hit,) = receiver.wait(1)
    leader = next(hooks for hooks in workers if hooks._leading)
    assert sum(hooks._leading for hooks in workers) == 1
    leader.close()  # it stops before its retry: another worker takes the lock and the ledger
    hits = receiver.wait(2, timeout=10)
    time.sleep(0.5)
    for hooks in workers:
        hooks.close()
    assert len(receiver.hits) == 2
    assert hits[1].headers["x-content-api-delivery"] == hit.headers["x-content-api-delivery"]
    assert hits[1].body == hit.body
    successor = next(hooks for hooks in workers if hooks is not leader and hooks._leading)
    assert successor.statuses()[0].status == "delivered"


def test_a_restart_announces_what_changed_since_the_last_run(
    receivers: list[Receiver], tmp_path: Path
) -> None:
    receiver = receivers[0]
    one, two = _history({"a": "1"}, {"a": "2", "b": "1"})
    first_run = Webhooks(_settings(receiver.url), str(tmp_path))
    first_run.announce(one)
    first_run.close()
    second_run = Webhooks(_settings(receiver.url), str(tmp_path))
    second_run.announce(two)
    (hit,) = receiver.wait(1)
    _settle(second_run)
    assert hit.json()["previous"] == one.cursor
    assert [c["change"] for c in hit.json()["changes"]] == ["updated", "created"]


def test_urls_are_shown_without_what_may_be_a_token() -> None:
    assert (
        redact("https://user:pw@hooks.example.org:8443/services/T0/B0/XYZ?k=1")
        == "https://hooks.example.org:8443/…"
    )
    assert redact("http://127.0.0.1:9000") == "http://127.0.0.1:9000/"
    assert redact("http://[::1]:9000/x") == "http://[::1]:9000/…"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"WEBHOOK_URLS": "https://hooks.example.org/x"}, "needs WEBHOOK_SECRET"),
        ({"WEBHOOK_URLS": "ftp://hooks.example.org/x", "WEBHOOK_SECRET": "k"}, "not an http(s) URL"),
        ({"WEBHOOK_URLS": "https:///no-host", "WEBHOOK_SECRET": "k"}, "not an http(s) URL"),
    ],
)
def test_bad_webhook_settings_are_refused(environ: dict[str, str], message: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings_from_env(environ)
    found = subprocess.run(
        [sys.executable, "-m", "content_api", "serve", "--port", "1"],
        env={"PATH": "/usr/bin:/bin", **environ},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert found.returncode == 2 and message in found.stderr


def test_several_workers_deliver_each_change_once_and_health_shows_it(
    receivers: list[Receiver], tmp_path: Path, server_name: str
) -> None:
    folder = tmp_path / "guides"
    folder.mkdir()
    shutil.copy(ROOT / "content" / "ccas.md", folder)
    (folder / "a.md").write_text("---\ntitle: A\npublish: true\n---\nA.\n")
    urls = ",".join(receiver.url for receiver in receivers)
    env = {"WEBHOOK_URLS": urls, "WEBHOOK_SECRET": SECRET, "WEBHOOK_RETRY_MS": "100"}
    with serve("--content", str(folder), "--watch", "--workers", "3", env=env, server=server_name) as server:
        cursor = server.get("/changes").json()["cursor"]
        (folder / "a.md").write_text("---\ntitle: A, revu\npublish: true\n---\nA.\n")
        for receiver in receivers:
            (hit,) = receiver.wait(1)
            assert hit.json()["previous"] == cursor
            assert [(c["slug"], c["change"]) for c in hit.json()["changes"]] == [("a", "updated")]
            assert verify(SECRET, hit.body, hit.headers["x-content-api-signature"])
        time.sleep(2)  # the other workers reloaded too
        assert [len(receiver.hits) for receiver in receivers] == [1, 1]
        deadline = time.monotonic() + 10
        while True:  # whichever worker answers, /health shows both deliveries
            shown = [server.get("/health").json()["webhooks"] for _ in range(6)]
            if all([w["status"] for w in s] == ["delivered", "delivered"] for s in shown):
                break
            assert time.monotonic() < deadline, shown
            time.sleep(0.2)
        assert shown[0][0]["url"] == redact(receivers[0].url)
        assert shown[0][0]["delivery"] == receivers[0].hits[0].headers["x-content-api-delivery"]


def test_a_restart_with_a_cache_folder_announces_what_changed_while_it_was_down(
    receivers: list[Receiver], tmp_path: Path, server_name: str
) -> None:
    receiver = receivers[0]
    folder, cache = tmp_path / "guides", tmp_path / "cache"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: A\npublish: true\n---\nA.\n")
    env = {"WEBHOOK_URLS": receiver.url, "WEBHOOK_SECRET": SECRET, "WEBHOOK_RETRY_MS": "100"}
    with serve("--content", str(folder), "--cache", str(cache), env=env, server=server_name) as server:
        before = server.get("/changes").json()["cursor"]
    with serve("--content", str(folder), "--cache", str(cache), env=env, server=server_name) as server:
        time.sleep(1)  # the same content again: no event
        assert receiver.hits == []
    (folder / "b.md").write_text("---\ntitle: B\npublish: true\n---\nB.\n")
    with serve("--content", str(folder), "--cache", str(cache), env=env, server=server_name) as server:
        (hit,) = receiver.wait(1)
        after = server.get("/changes").json()["cursor"]
    assert hit.json()["previous"] == before and hit.json()["cursor"] == after
    assert [(c["slug"], c["change"]) for c in hit.json()["changes"]] == [("b", "created")]
