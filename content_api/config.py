"""One Settings struct: each setting with its name, default, environment variable and help.

The table :data:`SETTINGS_HELP` is the single list of settings: the CLI builds its flags from it,
``settings_from_env`` reads its variables, and a test checks that the README documents each one.
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Annotated, Any, Literal

import msgspec

from .assets import AssetSizes

#: a count or a number of seconds that must be at least 1
Positive = Annotated[int, msgspec.Meta(ge=1)]


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    content_dir: str = "content"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    server: str = "granian"
    site_url: str = "https://api.gouv.fr"
    asset_base_url: str = "https://api.gouv.fr/images/guides/"
    assets_dir: str = ""
    cache_max_age: int = 60
    cache_control: str = ""
    cors_origins: tuple[str, ...] = ("*",)
    watch: bool = False
    cache_dir: str = ""
    max_file_size: int = 1_000_000
    max_nesting: int = 32
    max_constructs: Positive = 22_000
    header_timeout: Positive = 10
    max_connections: Positive = 2048
    graceful_timeout: Positive = 10
    watch_interval: Positive = 5
    search_timeout_ms: Positive = 1000
    query_cache_bytes: Positive = 32 * 1024 * 1024
    edge_cache_bytes: Positive = 16 * 1024 * 1024
    html_mode: Literal["sanitize", "raw"] = "sanitize"
    iframe_hosts: tuple[str, ...] = ("*.gouv.fr",)
    changes_history: Positive = 100
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str = ""
    webhook_timeout: Positive = 10
    webhook_max_attempts: Positive = 8
    webhook_max_seconds: Positive = 3600
    webhook_retry_ms: Positive = 1000

    git_dates: Literal["auto", "off"] = "auto"

    def __post_init__(self) -> None:
        for url in self.webhook_urls:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"WEBHOOK_URLS: {url!r} is not an http(s) URL with a host")
        if self.webhook_urls and not self.webhook_secret:
            raise ValueError("WEBHOOK_URLS needs WEBHOOK_SECRET: every delivery is signed with it")

    def library_options(self) -> dict[str, Any]:
        """The arguments of ``load_library`` these settings give (limits, HTML policy, site)."""
        return {
            "max_file_size": self.max_file_size,
            "max_nesting": self.max_nesting,
            "max_constructs": self.max_constructs,
            "site_url": self.site_url,
            "html": self.html_mode,
            "iframe_hosts": self.iframe_hosts,
            "assets_dir": self.assets() if self.assets_dir else None,
            "git_dates": self.git_dates,
        }

    def assets(self) -> AssetSizes:
        """Where images are measured: ``ASSETS_DIR``, with ``ASSET_BASE_URL`` for bare front matter
        names, and the hosts of ``ASSET_BASE_URL`` and ``SITE_URL`` as the site's own."""
        own = urllib.parse.urlsplit(self.site_url).hostname
        return AssetSizes(self.assets_dir, self.asset_base_url, (own,) if own else ())

    @property
    def cache_control_header(self) -> str:
        """``CACHE_CONTROL`` as given, else built from ``CACHE_MAX_AGE``."""
        if self.cache_control:
            return self.cache_control
        return f"public, max-age={self.cache_max_age}, stale-while-revalidate=300"


#: (field, environment variable, flag, help) for every setting.
SETTINGS_HELP: list[tuple[str, str, str, str]] = [
    ("content_dir", "CONTENT_DIR", "--content", "folder of the guides (*.md) to serve"),
    ("host", "HOST", "--host", "interface to listen on"),
    ("port", "PORT", "--port", "TCP port to listen on"),
    ("workers", "WORKERS", "--workers", "number of worker processes"),
    ("server", "SERVER", "--server", "HTTP server: granian (measured fastest here) or uvicorn"),
    ("site_url", "SITE_URL", "--site-url", "base URL of the public site, for the sitemap's absolute URLs"),
    (
        "asset_base_url",
        "ASSET_BASE_URL",
        "--asset-base-url",
        "base URL of guide images (image_url, thumbnail_url)",
    ),
    (
        "assets_dir",
        "ASSETS_DIR",
        "--assets-dir",
        "the site's public/ folder: image sizes (width, height) and image-missing warnings (off when empty)",
    ),
    ("cache_max_age", "CACHE_MAX_AGE", "--cache-max-age", "max-age of Cache-Control, in seconds"),
    (
        "cache_control",
        "CACHE_CONTROL",
        "--cache-control",
        "the whole Cache-Control header (overrides CACHE_MAX_AGE)",
    ),
    ("cors_origins", "CORS_ORIGINS", "--cors-origins", "origins allowed to GET, comma-separated ('*': any)"),
    ("watch", "WATCH", "--watch", "reload the content when its files change"),
    ("cache_dir", "CACHE_DIR", "--cache", "folder of the parse cache, for fast restarts (off when empty)"),
    ("max_file_size", "MAX_FILE_SIZE", "--max-file-size", "larger guide files are refused (bytes)"),
    ("max_nesting", "MAX_NESTING", "--max-nesting", "deeper lists, quotes or components are kept as text"),
    (
        "max_constructs",
        "MAX_CONSTRUCTS",
        "--max-constructs",
        "block units of a file (three times as many inline) past which its text is kept as plain text",
    ),
    (
        "header_timeout",
        "HEADER_TIMEOUT",
        "--header-timeout",
        "seconds a connection has to send its request headers, from its opening or its last response",
    ),
    ("max_connections", "MAX_CONNECTIONS", "--max-connections", "connections held at once, per worker"),
    (
        "graceful_timeout",
        "GRACEFUL_TIMEOUT",
        "--graceful-timeout",
        "seconds a worker has to stop after SIGTERM before it is killed",
    ),
    (
        "watch_interval",
        "WATCH_INTERVAL",
        "--watch-interval",
        "with --watch, seconds between checks that the content path still names the same folder",
    ),
    (
        "search_timeout_ms",
        "SEARCH_TIMEOUT_MS",
        "--search-timeout-ms",
        "time budget of one search (q), in milliseconds: a longer one answers an empty page and a warning",
    ),
    (
        "query_cache_bytes",
        "QUERY_CACHE_BYTES",
        "--query-cache-bytes",
        "bytes of responses (keys included) kept per worker for the queries seen (normalized)",
    ),
    (
        "edge_cache_bytes",
        "EDGE_CACHE_BYTES",
        "--edge-cache-bytes",
        "bytes of responses (keys included) the edge keeps per worker by exact path and query",
    ),
    (
        "html_mode",
        "HTML_MODE",
        "--html-mode",
        "raw HTML in guides: sanitize (allow-list) or raw (verbatim: fully trusted writers only)",
    ),
    (
        "iframe_hosts",
        "IFRAME_HOSTS",
        "--iframe-hosts",
        "hosts raw HTML iframes may come from (https only), comma-separated; *.domain: its subdomains",
    ),
    (
        "changes_history",
        "CHANGES_HISTORY",
        "--changes-history",
        "states of the content the change feed (/changes) remembers: older cursors answer 410",
    ),
    (
        "webhook_urls",
        "WEBHOOK_URLS",
        "--webhook-urls",
        "URLs to POST a signed event to after each load that changes the content, comma-separated",
    ),
    (
        "webhook_secret",
        "WEBHOOK_SECRET",
        "--webhook-secret",
        "key of the webhooks' HMAC-SHA256 signature; prefer the environment variable to the flag",
    ),
    (
        "webhook_timeout",
        "WEBHOOK_TIMEOUT",
        "--webhook-timeout",
        "seconds one webhook delivery attempt may take",
    ),
    (
        "webhook_max_attempts",
        "WEBHOOK_MAX_ATTEMPTS",
        "--webhook-max-attempts",
        "attempts of one delivery at most (a network error, timeout or 5xx is retried; a 4xx is not)",
    ),
    (
        "webhook_max_seconds",
        "WEBHOOK_MAX_SECONDS",
        "--webhook-max-seconds",
        "seconds from a delivery's first attempt after which it is no longer retried",
    ),
    (
        "webhook_retry_ms",
        "WEBHOOK_RETRY_MS",
        "--webhook-retry-ms",
        "delay before the first retry, in milliseconds; it doubles at each retry, with jitter",
    ),
    (
        "git_dates",
        "GIT_DATES",
        "--git-dates",
        "guides without a front matter date: auto (last commit when the content is a git checkout, "
        "else modification time) or off (modification time, git never run)",
    ),
]

#: Settings that take one of a few values (their flags refuse any other).
SETTINGS_CHOICES: dict[str, tuple[str, ...]] = {
    "html_mode": ("sanitize", "raw"),
    "git_dates": ("auto", "off"),
}


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def settings_from_env(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from environment variables, then explicit overrides (None values ignored)."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    for name, variable, _flag, _help in SETTINGS_HELP:
        if variable in environ:
            values[name] = environ[variable]
    values.update({key: value for key, value in overrides.items() if value is not None})
    for name in ("cors_origins", "iframe_hosts", "webhook_urls"):
        if isinstance(values.get(name), str):
            values[name] = _split(values[name])
    if isinstance(values.get("watch"), str):
        values["watch"] = values["watch"].strip().lower() in ("1", "true", "yes", "on")
    return msgspec.convert(values, Settings, strict=False)


def settings_to_env(settings: Settings) -> dict[str, str]:
    """The environment that gives ``settings`` back (worker processes read their settings there)."""
    env = {}
    for name, variable, _flag, _help in SETTINGS_HELP:
        value = getattr(settings, name)
        if isinstance(value, tuple):
            env[variable] = ",".join(value)
        elif isinstance(value, bool):
            env[variable] = "true" if value else "false"
        else:
            env[variable] = str(value)
    return env
