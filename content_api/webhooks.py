"""Webhooks: a signed POST to each of ``WEBHOOK_URLS`` after every load that changes the content.

The event is the change feed's step (:mod:`.changes`): ``{"event": "content.changed", "cursor",
"previous", "changes"}``, ``changes`` in the feed's plain view, from ``previous`` (the cursor last
announced) to ``cursor``. Each request carries ``X-Content-Api-Signature: sha256=<hex HMAC-SHA256
of the body with WEBHOOK_SECRET>`` and ``X-Content-Api-Delivery`` (one id per event and URL, kept by
its retries: a receiver drops an id it has seen).

**One delivery per change and URL, with several workers.** Every worker loads the content, but
only one announces: the one holding an exclusive ``flock`` on a file of the shared folder (the
parse-cache folder, else the folder ``content-api serve`` makes for its workers). What it
announced last, the deliveries not done yet and the last outcome per URL are its *ledger*, written
there after each change; another worker that takes the lock (the first one died) reads it and goes
on, and a restart with ``CACHE_DIR`` announces what changed since the last run. Without a shared
folder (one process), the ledger lives in memory.

**Retries.** A network error, a timeout or a 5xx is tried again after a delay that doubles each
time (``WEBHOOK_RETRY_MS`` first), with jitter (a random half of it), while the attempts stay under
``WEBHOOK_MAX_ATTEMPTS`` and the next one starts within ``WEBHOOK_MAX_SECONDS`` of the first; a 3xx
or 4xx is a receiver's answer, not retried. One thread per URL delivers in order, so loading and
serving never wait for a receiver; each attempt is logged, and ``/health`` shows the last
delivery to each URL (its origin only: a URL may hold a token).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import http.client
import logging
import os
import random
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Literal

import msgspec

from . import __version__
from .changes import GuideChange, History
from .config import Settings
from .status import WebhookDelivery

log = logging.getLogger("content_api.webhooks")

LEDGER_FILE = "content-api.webhooks"
LOCK_FILE = "content-api.webhooks.lock"
EVENT = "content.changed"
#: How often a worker that does not deliver looks at the ledger (for its /health) and tries to
#: take over (when the worker that delivered stopped).
POLL_SECONDS = 1.0
#: At most this much of a receiver's answer is read (and nothing of it kept).
MAX_ANSWER_BYTES = 64 * 1024


class Event(msgspec.Struct):
    event: str
    cursor: str
    previous: str | None
    changes: list[GuideChange]


class Pending(msgspec.Struct, kw_only=True):
    """A delivery not done yet: its body is signed once, and every retry sends the same bytes."""

    id: str
    url: str
    cursor: str
    body: bytes
    attempts: int = 0
    #: when it was first tried and when it may be tried next (seconds since the epoch; 0: now)
    first_at: float = 0.0
    next_at: float = 0.0


class Ledger(msgspec.Struct, kw_only=True):
    announced: str | None = None
    pending: list[Pending] = msgspec.field(default_factory=list)
    #: full URL -> its last delivery, as /health shows it
    last: dict[str, WebhookDelivery] = msgspec.field(default_factory=dict)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Content-Api-Signature`` value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def redact(url: str) -> str:
    """What logs and /health show of a URL: its scheme, host and port (a path may hold a token)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port else ""
    rest = "/…" if parts.path not in ("", "/") or parts.query else "/"
    return f"{parts.scheme}://{host}{port}{rest}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 3xx is the receiver's answer: reported, not followed


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str | None]:
    """POST ``body``: (HTTP status, None) or (status or None, what went wrong)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(MAX_ANSWER_BYTES)
            status: int = response.status
            return status, None if 200 <= status < 300 else f"HTTP {status}"
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}".strip()
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return None, f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__


Outcome = Literal["delivered", "retry", "failed"]


def outcome(status: int | None) -> Outcome:
    """2xx: delivered; no answer or a 5xx: retried; anything else (3xx, 4xx): failed, not retried."""
    if status is None or status >= 500:
        return "retry"
    return "delivered" if 200 <= status < 300 else "failed"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Webhooks:
    """The deliveries of one process; only the process holding the shared lock makes any."""

    def __init__(self, settings: Settings, folder: str | None) -> None:
        self.settings = settings
        self.urls = list(dict.fromkeys(settings.webhook_urls))
        self.folder = Path(folder) if folder else None
        self.stop = threading.Event()
        #: called (from a delivery thread) when the outcomes /health shows change
        self.on_status: Callable[[], None] = lambda: None
        self._cond = threading.Condition()
        self._ledger = Ledger()
        self._lock_file: IO[bytes] | None = None
        self._leading = False
        self._seen: tuple[int, int] | None = None
        self._peeked = Ledger()
        self._monitor: threading.Thread | None = None
        self._lead_lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.urls)

    # --- who delivers ---------------------------------------------------------------------------

    def _lead(self) -> bool:
        """Whether this process delivers (it takes the shared lock when it is free)."""
        with self._lead_lock:
            return self._leading or self._take_lead()

    def _take_lead(self) -> bool:
        if self.folder is not None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                handle = open(self.folder / LOCK_FILE, "ab")  # noqa: SIM115 (held while the process lives)
            except OSError as exc:
                log.warning(
                    "webhooks: cannot open the lock in %s (%s); delivering from here", self.folder, exc
                )
            else:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    handle.close()
                    return False
                self._lock_file = handle
        with self._cond:
            self._ledger = self._read() or Ledger()
            self._ledger.pending = [item for item in self._ledger.pending if item.url in self.urls]
            self._leading = True
        for url in self.urls:
            threading.Thread(target=self._courier, args=(url,), name="webhook", daemon=True).start()
        log.info("webhooks: this process (%d) delivers to %d URL(s)", os.getpid(), len(self.urls))
        return True

    def start(self) -> None:
        """Take the lead if it is free, else watch the ledger (and the lead) every POLL_SECONDS."""
        if not self.enabled or self._monitor is not None:
            return
        self._monitor = threading.Thread(target=self._watch, name="webhook-monitor", daemon=True)
        self._monitor.start()

    def _watch(self) -> None:
        while not self.stop.is_set():
            if not self._leading and (self._lead() or self._changed()):
                self.on_status()
            self.stop.wait(POLL_SECONDS)

    def close(self) -> None:
        self.stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                self._lock_file.close()

    # --- the ledger -----------------------------------------------------------------------------

    def _read(self) -> Ledger | None:
        if self.folder is None:
            return None
        try:
            return msgspec.msgpack.decode((self.folder / LEDGER_FILE).read_bytes(), type=Ledger)
        except FileNotFoundError:
            return None
        except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("webhooks: ledger in %s unreadable, starting over: %s", self.folder, exc)
            return None

    def _save(self) -> None:
        """Write the ledger (under ``_cond``); a failure is logged: deliveries go on in memory."""
        if self.folder is None:
            return
        try:
            with tempfile.NamedTemporaryFile(
                dir=self.folder, prefix=".tmp-webhooks-", delete=False
            ) as handle:
                handle.write(msgspec.msgpack.encode(self._ledger))
            os.replace(handle.name, self.folder / LEDGER_FILE)
        except OSError as exc:
            log.warning("webhooks: ledger not written to %s: %s", self.folder, exc)

    def _changed(self) -> bool:
        """Whether the ledger another process writes changed since last read (then read again)."""
        if self.folder is None:
            return False
        try:
            found = os.stat(self.folder / LEDGER_FILE)
        except OSError:
            return False
        seen = (found.st_mtime_ns, found.st_size)
        if seen == self._seen:
            return False
        self._seen = seen
        self._peeked = self._read() or Ledger()
        return True

    def statuses(self) -> list[WebhookDelivery]:
        """The last delivery to each URL, in WEBHOOK_URLS order (what /health shows)."""
        if not self.enabled:
            return []
        with self._cond:
            ledger = self._ledger if self._leading else self._peeked
            return [ledger.last[url] for url in self.urls if url in ledger.last]

    # --- announcing -----------------------------------------------------------------------------

    def announce(self, history: History) -> None:
        """Queue the event from the cursor last announced to ``history``'s (nothing when they are
        the same, or when nothing was ever announced: the first load is no change)."""
        if not self.enabled or not self._lead():
            return
        with self._cond:
            ledger = self._ledger
            previous, cursor = ledger.announced, history.cursor
            if previous == cursor:
                return
            ledger.announced = cursor
            if previous is None:
                self._save()
                return
            changes = history.since(previous)
            if changes is None:  # a cursor older than the history: the event lists everything
                log.warning("webhooks: %s is no longer in the history; announcing a full listing", previous)
                previous, changes = None, history.since(None) or []
            body = msgspec.json.encode(Event(EVENT, cursor, previous, changes))
            for url in self.urls:
                item = Pending(id=uuid.uuid4().hex, url=url, cursor=cursor, body=body)
                ledger.pending.append(item)
                ledger.last[url] = WebhookDelivery(
                    url=redact(url), delivery=item.id, cursor=cursor, status="pending", attempts=0
                )
            self._save()
            self._cond.notify_all()
        log.info(
            "webhooks: content changed (%s -> %s): %d change(s) to announce", previous, cursor, len(changes)
        )
        self.on_status()

    # --- delivering -----------------------------------------------------------------------------

    def _next(self, url: str) -> Pending | None:
        """The next delivery due for ``url`` (waiting for it), or None once stopped."""
        with self._cond:
            while not self.stop.is_set():
                item = next((p for p in self._ledger.pending if p.url == url), None)
                wait = POLL_SECONDS if item is None else item.next_at - time.time()
                if item is not None and wait <= 0:
                    return item
                self._cond.wait(min(wait, POLL_SECONDS))
        return None

    def _courier(self, url: str) -> None:
        while (item := self._next(url)) is not None:
            self._attempt(item)

    def _headers(self, item: Pending) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": f"content-api/{__version__} (webhook)",
            "X-Content-Api-Event": EVENT,
            "X-Content-Api-Delivery": item.id,
            "X-Content-Api-Signature": sign(self.settings.webhook_secret, item.body),
        }

    def _attempt(self, item: Pending) -> None:
        settings = self.settings
        started = time.time()
        if not item.first_at:
            item.first_at = started
        status, error = post(item.url, item.body, self._headers(item), settings.webhook_timeout)
        result = outcome(status)
        attempts = item.attempts + 1
        delay = settings.webhook_retry_ms / 1000 * 2 ** (attempts - 1)
        delay = delay / 2 + random.uniform(0, delay / 2)
        next_at = time.time() + delay
        if result == "retry" and (
            attempts >= settings.webhook_max_attempts
            or next_at > item.first_at + settings.webhook_max_seconds
        ):
            result = "failed"
        state: Literal["retrying", "delivered", "failed"] = "retrying" if result == "retry" else result
        log.log(
            logging.INFO if result == "delivered" else logging.WARNING,
            "webhook %s delivery %s attempt %d: %s%s",
            redact(item.url),
            item.id,
            attempts,
            f"HTTP {status}" if status is not None and error is None else error,
            f"; retrying in {delay:.1f} s" if state == "retrying" else f"; {state}",
        )
        with self._cond:
            item.attempts, item.next_at = attempts, next_at
            if state != "retrying" and item in self._ledger.pending:
                self._ledger.pending.remove(item)
            self._ledger.last[item.url] = WebhookDelivery(
                url=redact(item.url),
                delivery=item.id,
                cursor=item.cursor,
                status=state,
                attempts=attempts,
                http_status=status,
                error=error,
                at=_now(),
            )
            self._save()
        self.on_status()
