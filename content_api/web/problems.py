"""Problem details (RFC 9457): every error body, and the exceptions handlers raise for them."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from .headers import NOSNIFF, Policy, RawHeaders
from .prepared import encode

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    410: "Gone",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class ParamError(msgspec.Struct):
    param: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem: ``type``, ``title``, ``status``, ``detail`` and, for 400, ``errors``."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ParamError] = msgspec.field(default_factory=list)
    diagnostics: str | None = None


def problem_body(status: int, detail: str, errors: list[ParamError] | None = None, **extra: Any) -> bytes:
    title = _TITLES.get(status, "Error")
    return encode(
        Problem(type="about:blank", title=title, status=status, detail=detail, errors=errors or [], **extra)
    )


def problem(
    status: int, detail: str, policy: Policy, errors: list[ParamError] | None = None, **extra: Any
) -> tuple[int, RawHeaders, bytes]:
    body = problem_body(status, detail, errors, **extra)
    headers: RawHeaders = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        NOSNIFF,
        *policy.extra,
    ]
    return status, headers, body


def not_acceptable(detail: str, policy: Policy) -> tuple[int, RawHeaders, bytes]:
    return problem(406, detail, policy)


# --- what handlers raise ----------------------------------------------------------------------------


class BadParameters(HTTPException):
    """A 400 whose problem lists each bad parameter."""

    status_code = 400

    def __init__(self, errors: list[ParamError]) -> None:
        detail = "; ".join(f"{e.param}: {e.message}" for e in errors)
        super().__init__(detail=detail)
        self.errors = errors


class GuideFailed(HTTPException):
    """A 404 for a guide that is not served; ``failed_file``: its file, when it failed to load."""

    status_code = 404

    def __init__(self, detail: str, failed_file: str | None = None) -> None:
        super().__init__(detail=detail)
        self.failed_file = failed_file


class NotLoaded(HTTPException):
    """A 503 while the content is loading (or failed to load)."""

    status_code = 503

    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, headers={"Retry-After": "1"})


# --- Litestar's exception handlers: every error the framework sees becomes a problem --------------

log = logging.getLogger("content_api")


def _policy(request: Request[Any, Any, Any]) -> Policy:
    snapshot = request.app.state.holder.snapshot
    return snapshot.policy if snapshot is not None else Policy(cache_control=b"no-store")


def _errors(request: Request[Any, Any, Any], exc: HTTPException) -> list[ParamError]:
    if isinstance(exc, BadParameters):
        return exc.errors
    if not isinstance(exc, ValidationException) or not isinstance(exc.extra, list):
        return []
    errors = [
        ParamError(str(item.get("key", "?")), str(item.get("message", "invalid value")))
        for item in exc.extra
        if isinstance(item, dict)
    ]
    known = set(request.route_handler.parsed_fn_signature.parameters) - {"request", "snapshot"}
    errors += [ParamError(name, "unknown parameter") for name in request.query_params if name not in known]
    return errors


def _as_response(
    status: int, headers: RawHeaders, body: bytes, more: dict[str, str] | None = None
) -> Response[bytes]:
    """An exception handler's Response (Litestar sets the length and type itself)."""
    kept = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in headers
        if name not in (b"content-type", b"content-length")
    }
    return Response(body, status_code=status, headers={**kept, **(more or {})}, media_type=PROBLEM_JSON)


def http_problem(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    errors = _errors(request, exc)
    detail = (
        exc.detail
        if exc.status_code != 400 or not errors
        else "; ".join(f"{e.param}: {e.message}" for e in errors)
    )
    extra = {"diagnostics": "/diagnostics"} if isinstance(exc, GuideFailed) and exc.failed_file else {}
    status, headers, body = problem(exc.status_code, str(detail), _policy(request), errors, **extra)
    more = {k: str(v) for k, v in (exc.headers or {}).items()}
    if exc.status_code == 405:
        more = {"Allow": "GET, HEAD, OPTIONS"}  # the edge answers HEAD and CORS preflights
    return _as_response(status, headers, body, more)


def crash_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    status, headers, body = problem(500, "the server failed to answer; the error is logged", _policy(request))
    return _as_response(status, headers, body)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {HTTPException: http_problem, Exception: crash_problem}
