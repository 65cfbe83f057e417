"""What /health, /ready and /diagnostics answer: the state of a serving process, framework-free."""

from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

from .model import Diagnostic


class WebhookDelivery(msgspec.Struct, kw_only=True):
    """The last delivery to a webhook URL (``retrying``: after a network error, timeout or 5xx)."""

    url: str
    delivery: str
    cursor: str
    status: Literal["pending", "retrying", "delivered", "failed"]
    attempts: int
    http_status: int | None = None
    error: str | None = None
    at: str | None = None


class Health(msgspec.Struct, kw_only=True):
    """``ok``; ``degraded``: guide errors or a failed reload (see ``reason``); ``loading``; ``failed``.
    ``webhooks``: the last delivery to each URL (its origin only: a URL may hold a token).
    ``pages`` (a site layout only; absent for a folder of guides): ``loading`` while the API pages',
    producers' and services' Markdown is still being parsed (a server's first load serves the
    guides first: those pages' details answer 503 until then, and /diagnostics lacks what their
    Markdown has to say), then ``ready``."""

    status: Literal["ok", "degraded", "loading", "failed"]
    guides: int
    errors: int
    warnings: int
    content_hash: str
    loaded_at: str | None
    reason: str | None = None
    webhooks: list[WebhookDelivery] = msgspec.field(default_factory=list)
    pages: Literal["loading", "ready"] | UnsetType = UNSET


class Ready(msgspec.Struct):
    status: Literal["ready"]
    guides: int


class DiagnosticsReport(Health, kw_only=True):
    diagnostics: list[Diagnostic]
