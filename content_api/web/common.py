"""What every handler shares: the current Site, parameter checks, replies from prepared bytes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException

from .http import ParamError, Prepared, respond
from .loader import SiteHolder
from .site import Site


class BadParameters(HTTPException):
    """A 400 whose problem lists each bad parameter."""

    status_code = 400

    def __init__(self, errors: list[ParamError]) -> None:
        detail = "; ".join(f"{e.param}: {e.message}" for e in errors)
        super().__init__(detail=detail)
        self.errors = errors


class GuideFailed(HTTPException):
    """A 404 for a guide whose file exists but could not be served."""

    status_code = 404


class NotLoaded(HTTPException):
    """A 503 while the content is loading (or failed to load)."""

    status_code = 503

    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, headers={"Retry-After": "1"})


def current_site(request: Request[Any, Any, Any]) -> Site:
    holder: SiteHolder = request.app.state.holder
    site = holder.site
    if site is None:
        raise NotLoaded(not_loaded_detail(holder))
    return site


def not_loaded_detail(holder: SiteHolder) -> str:
    if holder.state == "failed":
        return f"the content failed to load: {holder.error}"
    return "the content is still loading; retry in a moment"


def reject_unknown(request: Request[Any, Any, Any], allowed: Iterable[str]) -> None:
    """A 400 naming every query parameter the endpoint does not know."""
    known = set(allowed)
    unknown = [name for name in request.query_params if name not in known]
    if unknown:
        raise BadParameters(
            [
                ParamError(name, f"unknown parameter (allowed: {', '.join(sorted(known)) or 'none'})")
                for name in unknown
            ]
        )


class Raw:
    """A response already encoded: status, raw headers and body, sent as they are."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


def reply(request: Request[Any, Any, Any], prepared: Prepared, site: Site) -> Raw:
    """The response to ``request`` from prepared bytes: 200, 304 or 406, encoded as asked.

    The same path and query will be answered by the edge next time, without a handler.
    """
    query = request.scope.get("query_string", b"")
    if query:
        site.remember(request.scope["path"] + "?" + query.decode("latin-1"), prepared)
    return Raw(*respond(prepared, request.headers, site.policy))


def split_values(values: Iterable[str] | None) -> list[str]:
    """Repeated and comma-separated values: ``a,b&x=c`` -> ["a", "b", "c"]."""
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in value.split(","))
    return out
