"""What every handler shares: the current Site, parameter checks, replies from prepared bytes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
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


def reject_unknown(
    request: Request[Any, Any, Any],
    allowed: Iterable[str],
    single: Iterable[str] = (),
    typed: Iterable[str] = (),
) -> None:
    """A 400 naming every query parameter the endpoint does not know, every ``single`` one given
    more than once, and every ``typed`` one (a number, a boolean, a choice) given as ``null``, which
    the framework would otherwise read as absent."""
    known = set(allowed)
    errors = [
        ParamError(name, f"unknown parameter (allowed: {', '.join(sorted(known)) or 'none'})")
        for name in request.query_params
        if name not in known
    ]
    params = request.query_params
    errors += [
        ParamError(name, "given more than once") for name in single if len(params.getall(name, [])) > 1
    ]
    errors += [ParamError(name, "null is not a value") for name in typed if params.get(name) == "null"]
    if errors:
        raise BadParameters(errors)


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


def reply_once(request: Request[Any, Any, Any], prepared: Prepared, site: Site) -> Raw:
    """Like :func:`reply`, for an answer of the moment (a search stopped at its time budget): the
    edge will not give it again, and ``Cache-Control: no-store`` tells caches not to either."""
    policy = msgspec.structs.replace(site.policy, cache_control=b"no-store")
    return Raw(*respond(prepared, request.headers, policy))


def choices(name: str, values: Iterable[str] | None, known: Iterable[str]) -> set[str]:
    """Values of a parameter with a fixed set of values: an empty or unknown one is a 400."""
    chosen = {part.strip() for value in values or () for part in value.split(",")}
    unknown = chosen - set(known)
    if unknown:
        raise BadParameters(
            [ParamError(name, f"unknown value(s) {sorted(unknown)}; known: {', '.join(sorted(known))}")]
        )
    return chosen


def split_values(values: Iterable[str] | None) -> list[str]:
    """Repeated and comma-separated values: ``a,b&x=c`` -> ["a", "b", "c"].

    Empty values are no values: ``tag=`` (what a form sends for an empty field, and how OpenAPI
    clients write a null) filters nothing.
    """
    out: list[str] = []
    for value in values or ():
        out.extend(part for part in (part.strip() for part in value.split(",")) if part)
    return out
