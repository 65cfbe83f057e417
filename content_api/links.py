"""The external link checker behind ``content-api check --links``.

:func:`check_links` takes URLs (as found in the guides) and checks each distinct http(s) URL once,
over real HTTP: HEAD first, GET (headers only, the body is never read) when the server mishandles
HEAD. Redirects are followed here, not by httpx, so that a permanent redirect (301/308) anywhere in
the chain can be reported as "redirect" (the link should be updated) while temporary ones (302,
303, 307) count as "ok". Requests are bounded overall and per host (scheme, host and port), and
every result is one :class:`LinkResult`: the function never raises for a URL or a network
condition.

``timeout`` bounds the whole check of one URL: the time spent on its exchanges, every redirect
and the GET after a HEAD included (waiting for a free slot behind other URLs is not counted).

Addresses that are not public (loopback, private, link-local such as a cloud metadata service,
multicast, unspecified, reserved) are refused unless ``allow_private`` is given: a guide in a pull
request must not make CI request an internal address. The check is made on the addresses the
host name resolves to, at every connection (so at every redirect hop), and the connection is made
to the very address checked: a DNS answer that changes between the check and the connection (DNS
rebinding) cannot lead elsewhere. Refused URLs are reported as errors and not cached.

Results can be kept in a JSON cache file, keyed by the URL without its ``#fragment``: results
younger than ``ttl`` seconds are reused without a request; the file is rewritten atomically at the
end of the run. A cache file that cannot be read or decoded is ignored.

The function is synchronous (it runs its own event loop with :func:`asyncio.run`), so it must not
be called from inside a running event loop.
"""

from __future__ import annotations

import asyncio
import http
import logging
import os
import socket
import ssl
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
import msgspec

from .link_addresses import AddressRefused, VettedBackend, VettedTransport

log = logging.getLogger("content_api.links")

Outcome = Literal["ok", "redirect", "broken", "timeout", "error"]

NOT_HTTP = "not an http(s) URL"

# Statuses after which HEAD is retried with GET: servers that mishandle HEAD answer with these.
_HEAD_FALLBACK = frozenset({400, 403, 404, 405, 429, 501})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_DETAIL_MAX = 200


class LinkResult(msgspec.Struct, frozen=True):
    """The outcome of checking one URL."""

    url: str  # the URL as asked
    outcome: Outcome
    status: int | None  # final HTTP status, None when no response
    final_url: str | None  # the last URL of the redirect chain when there were redirects, else None
    detail: str  # short human text, e.g. "404 Not Found", "timed out after 10 s"
    checked_at: float  # time.time() of the check


@dataclass(frozen=True)
class _Reply:
    """What one HTTP exchange told: the status and the Location header."""

    status: int
    reason: str
    location: str | None


@dataclass
class _Chain:
    """The redirects followed so far for one URL."""

    url: str
    hops: int = 0
    permanent: int | None = None  # status of the first permanent redirect met
    final_url: str | None = None
    spent: float = 0.0  # seconds spent in exchanges so far, against the URL's time limit


class _CheckFailed(Exception):
    """A check that ends without a usable answer (bad redirect target, too many redirects)."""

    def __init__(self, detail: str, reply: _Reply | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reply = reply


def check_links(
    urls: Iterable[str],
    *,
    cache_file: Path | None = None,
    ttl: float = 24 * 3600,
    concurrency: int = 16,
    per_host: int = 2,
    timeout: float = 10.0,
    max_redirects: int = 10,
    user_agent: str = "content-api-link-check/1 (+https://github.com/)",
    allow_private: bool = False,
) -> dict[str, LinkResult]:
    """Check every distinct http(s) URL once; return one result per distinct URL given."""
    asked = list(dict.fromkeys(urls))
    keys: dict[str, str] = {}  # URL as asked -> URL requested (without fragment)
    results: dict[str, LinkResult] = {}
    for url in asked:
        key = _request_url(url)
        if key is None:
            results[url] = LinkResult(url, "error", None, None, NOT_HTTP, time.time())
        else:
            keys[url] = key

    cache = _load_cache(cache_file) if cache_file is not None else {}
    now = time.time()
    known = {key: cache[key] for key in set(keys.values()) if key in cache and _fresh(cache[key], now, ttl)}
    to_check = sorted(set(keys.values()) - known.keys())
    if to_check:
        options = _Options(
            max(1, concurrency), max(1, per_host), timeout, max_redirects, user_agent, allow_private
        )
        checked, refused = asyncio.run(_check_all(to_check, options))
        known.update(checked)
        if cache_file is not None:
            cache.update({key: known[key] for key in to_check if key not in refused})
            _save_cache(cache_file, cache)

    for url, key in keys.items():
        results[url] = msgspec.structs.replace(known[key], url=url)
    return {url: results[url] for url in asked}


def _request_url(url: str) -> str | None:
    """The URL to request (fragment removed), or None when it is not a usable http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number or out of range
        host = parts.hostname
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not host or port == 0:
        return None
    if any(char.isspace() or char in '%<>\\^`{|}"' for char in host):
        return None
    return urldefrag(url).url


def _fresh(result: LinkResult, now: float, ttl: float) -> bool:
    return 0 <= now - result.checked_at < ttl


# --- the cache file ----------------------------------------------------------------------------


def _load_cache(path: Path) -> dict[str, LinkResult]:
    """The cached results, or nothing when the file is missing, unreadable or corrupt."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.warning("link cache %s unreadable, ignored: %s", path, exc)
        return {}
    try:
        return msgspec.json.decode(data, type=dict[str, LinkResult])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        log.warning("link cache %s is corrupt, ignored: %s", path, exc)
        return {}


def _save_cache(path: Path, cache: dict[str, LinkResult]) -> None:
    """Write the cache atomically (temporary file, then rename); a failure is logged, never raised."""
    data = msgspec.json.format(msgspec.json.encode(dict(sorted(cache.items()))), indent=1)
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as handle:
            temporary = handle.name
            handle.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        log.warning("link cache %s not written: %s", path, exc)
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


# --- checking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    concurrency: int
    per_host: int
    timeout: float
    max_redirects: int
    user_agent: str
    allow_private: bool = False


async def _check_all(urls: list[str], options: _Options) -> tuple[dict[str, LinkResult], set[str]]:
    """Check the URLs (already deduplicated, without fragments) on one client; the refused ones."""
    async with httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,  # no proxy from the environment: connections go where VettedBackend says
        timeout=httpx.Timeout(options.timeout),
        headers={"User-Agent": options.user_agent},
        transport=VettedTransport(VettedBackend(options.allow_private), options.concurrency),
    ) as client:
        checker = _Checker(client, options)
        results = await asyncio.gather(*(checker.check(url) for url in urls))
    return dict(zip(urls, results, strict=True)), checker.refused


@dataclass
class _Checker:
    client: httpx.AsyncClient
    options: _Options
    slots: asyncio.Semaphore = field(init=False)
    host_slots: dict[str, asyncio.Semaphore] = field(init=False, default_factory=dict)
    refused: set[str] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.slots = asyncio.Semaphore(self.options.concurrency)

    async def check(self, url: str) -> LinkResult:
        """The result for one URL; every exception becomes a result."""
        chain = _Chain(url)
        try:
            reply = await self._follow(chain)
            return _classify(url, reply, chain)
        except _CheckFailed as exc:
            status = exc.reply.status if exc.reply is not None else None
            return _result(url, "error", status, chain.final_url, exc.detail)
        except AddressRefused as exc:
            self.refused.add(url)
            where = f"redirected to {chain.final_url}: " if chain.hops else ""
            return _result(url, "error", None, chain.final_url, f"{where}{exc}")
        except (TimeoutError, httpx.TimeoutException):
            return _result(
                url, "timeout", None, chain.final_url, f"timed out after {self.options.timeout:g} s"
            )
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            return _result(url, "error", None, chain.final_url, _describe_error(exc))
        except Exception as exc:  # a bug must not abort the whole batch
            log.exception("link check of %s failed", url)
            return _result(url, "error", None, chain.final_url, f"internal error: {type(exc).__name__}")

    async def _follow(self, chain: _Chain) -> _Reply:
        """Request the URL and follow its redirects; the last reply."""
        current = chain.url
        while True:
            reply = await self._request(current, chain)
            if reply.status not in _REDIRECTS or not reply.location:
                return reply
            if chain.hops >= self.options.max_redirects:
                raise _CheckFailed(f"too many redirects (more than {self.options.max_redirects})", reply)
            target = urljoin(current, reply.location)
            following = _request_url(target)
            if following is None:
                raise _CheckFailed(f"{reply.status} to an invalid or non-http(s) URL: {target}", reply)
            chain.hops += 1
            chain.final_url = target
            if reply.status in _PERMANENT and chain.permanent is None:
                chain.permanent = reply.status
            current = following

    async def _request(self, url: str, chain: _Chain) -> _Reply:
        """HEAD, then GET when HEAD was refused or mishandled; holding the host's slot and a global one."""
        async with self._host_slot(url), self.slots:
            try:
                reply = await self._exchange("HEAD", url, chain)
            except httpx.ProtocolError:
                return await self._exchange("GET", url, chain)
            if reply.status in _HEAD_FALLBACK:
                return await self._exchange("GET", url, chain)
            return reply

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        key = f"{scheme}://{parts.hostname}:{parts.port or _DEFAULT_PORTS[scheme]}"
        if key not in self.host_slots:
            self.host_slots[key] = asyncio.Semaphore(self.options.per_host)
        return self.host_slots[key]

    async def _exchange(self, method: Literal["HEAD", "GET"], url: str, chain: _Chain) -> _Reply:
        """One request, headers only, within what is left of the URL's time limit."""
        left = self.options.timeout - chain.spent
        if left <= 0:
            raise TimeoutError
        started = time.monotonic()
        try:
            async with asyncio.timeout(left):
                if method == "HEAD":
                    response = await self.client.head(url)
                else:
                    async with self.client.stream("GET", url) as response:
                        pass  # the body is not read: the status line and headers are enough
        finally:
            chain.spent += time.monotonic() - started
        return _Reply(response.status_code, response.reason_phrase, response.headers.get("location"))


def _classify(url: str, reply: _Reply, chain: _Chain) -> LinkResult:
    """The outcome of the final reply of a chain."""
    status = reply.status
    text = _status_text(reply)
    if 200 <= status < 300:
        if chain.permanent is not None:
            return _result(
                url, "redirect", status, chain.final_url, f"{chain.permanent} to {chain.final_url}"
            )
        return _result(url, "ok", status, chain.final_url, text)
    if status == 401:
        return _result(url, "error", status, chain.final_url, f"{text}: needs authentication")
    if status in (403, 429):
        return _result(url, "error", status, chain.final_url, f"{text}: the server refused the checker")
    if 400 <= status < 600:
        return _result(url, "broken", status, chain.final_url, text)
    if status in _REDIRECTS:
        return _result(url, "error", status, chain.final_url, f"{text} without a Location header")
    return _result(url, "error", status, chain.final_url, f"unexpected status {text}")


def _result(url: str, outcome: Outcome, status: int | None, final_url: str | None, detail: str) -> LinkResult:
    if len(detail) > _DETAIL_MAX:
        detail = detail[: _DETAIL_MAX - 1] + "…"
    return LinkResult(url, outcome, status, final_url, detail, time.time())


def _status_text(reply: _Reply) -> str:
    """'404 Not Found': the standard phrase when the status is known, else the server's."""
    try:
        phrase = http.HTTPStatus(reply.status).phrase
    except ValueError:
        phrase = reply.reason
    return f"{reply.status} {phrase}".strip()


def _describe_error(exc: BaseException) -> str:
    """Short text for a failure without a response, from the most telling exception of its chain."""
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return "DNS lookup failed"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted: {cause.verify_message}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {cause.reason or cause}"
    if isinstance(exc, httpx.InvalidURL):
        return f"invalid URL: {exc}"
    if isinstance(exc, httpx.ProtocolError):
        return f"protocol error: {exc}"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {exc}"
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _causes(exc: BaseException) -> Iterable[BaseException]:
    """The exception, then its causes and contexts (each once)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
