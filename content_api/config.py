"""One Settings struct: each setting with its name, default, environment variable and help."""

from __future__ import annotations

import os
from typing import Any

import msgspec


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    content_dir: str = "content"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1


#: (field, environment variable, help) for every setting; the CLI and the README use this table.
SETTINGS_HELP: list[tuple[str, str, str]] = [
    ("content_dir", "CONTENT_DIR", "folder of the guides (*.md) to serve"),
    ("host", "HOST", "interface to listen on"),
    ("port", "PORT", "TCP port to listen on"),
    ("workers", "WORKERS", "number of worker processes"),
]


def settings_from_env(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from environment variables, then explicit overrides (None values ignored)."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    for name, variable, _help in SETTINGS_HELP:
        if variable in environ:
            values[name] = environ[variable]
    values.update({key: value for key, value in overrides.items() if value is not None})
    return msgspec.convert(values, Settings, strict=False)
