"""One Settings struct: each setting with its name, default, environment variable and help.

The table :data:`SETTINGS_HELP` is the single list of settings: the CLI builds its flags from it,
``settings_from_env`` reads its variables, and a test checks that the README documents each one.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

import msgspec

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
    git_dates: Literal["auto", "off"] = "auto"

    def library_options(self) -> dict[str, Any]:
        """The arguments of ``load_library`` these settings give (limits, HTML policy, site)."""
        return {
            "max_file_size": self.max_file_size,
            "max_nesting": self.max_nesting,
            "max_constructs": self.max_constructs,
            "site_url": self.site_url,
            "html": self.html_mode,
            "iframe_hosts": self.iframe_hosts,
            "git_dates": self.git_dates,
        }

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
    for name in ("cors_origins", "iframe_hosts"):
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
